"""Keyword rules on crafted sentences: lemmas, accents, multi-word keywords, no partial words."""

from __future__ import annotations

import pytest

from consultation.codebook import Question
from consultation.coding.rules import RULE_CONFIDENCE_MORE, RULE_CONFIDENCE_ONE, RuleCoder

QUESTION = Question.model_validate(
    {
        "id": "p1",
        "section": "Pilier 1",
        "text": "Vos propositions",
        "unit": "propositions",
        "columns": ["Q"],
        "themes": [
            {"id": "salaires", "label": "Revaloriser les salaires", "keywords": ["salaire", "revaloriser", "rémunération"]},
            {"id": "formation", "label": "Formation", "keywords": ["formation", "former"]},
            {"id": "epi", "label": "Équipements de protection", "keywords": ["masque", "équipement de protection"]},
            {"id": "ars", "label": "Lien avec l'ARS", "keywords": ["ARS", "agence régionale de santé"]},
            {"id": "autres", "label": "Autres"},
        ],
    }
)


@pytest.fixture(scope="module")
def rules(lemmatizer):
    return RuleCoder([QUESTION], lemmatizer)


def _themes(rules, text):
    return [h.theme_id for h in rules.code("p1", [text])[0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Les salaires doivent être revalorisés", ["salaires"]),  # plural noun, participle -> lemmas
        ("Former davantage les bénévoles", ["formation"]),
        ("Des FORMATIONS communes", ["formation"]),  # case
        ("Pas assez de masques au début", ["epi"]),
        ("Manque d'équipements de protection", ["epi"]),  # multi-word keyword, plural
        ("Un vrai lien avec l'Agence régionale de santé", ["ars"]),
        ("Revaloriser les salaires et former les équipes", ["formation", "salaires"]),
        ("Rien à signaler", []),
    ],
)
def test_rules_find_the_themes_whose_keywords_occur(rules, text, expected):
    assert _themes(rules, text) == expected


def test_rules_do_not_match_inside_other_words(rules):
    # « arsenal » contains « ars », « masquer » is not « masque », « informer » is not « former »
    assert _themes(rules, "Un arsenal de mesures pour informer") == []


def test_two_distinct_keywords_give_more_confidence_than_one(rules):
    one, two = rules.code("p1", ["Revaloriser", "Revaloriser les salaires"])
    assert one[0].confidence == RULE_CONFIDENCE_ONE
    assert two[0].confidence == RULE_CONFIDENCE_MORE
    assert set(two[0].matches) == {"revaloriser", "salaire"}


def test_a_theme_without_keywords_is_never_found_by_rules(rules):
    assert all(h.theme_id != "autres" for hits in rules.code("p1", ["autres choses", "Autres"]) for h in hits)
