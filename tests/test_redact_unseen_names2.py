"""Names that reached the reports because no list of the redactor knew them and the small model did
not tag them as a person (2026-12-06, `tests/pii_corpus_names2.py`): a first name and a surname
both unknown to the lists after thanks, « avec », « contacter » or opening a list's item (« Merci à
Nhung Cissé »); a listed first name before a lower-case surname (« Merci à Loïs vasseur »); a
common surname that is a French word, alone, opening its sentence as a subject (« Charrier nous a
aidés »). 96 cases per family (3 seeds of 32) with the model as `publish` loads it; on main's code
24, 66 and 86 leaked, now 0. Look-alikes
of the same shapes (institutions, places, brands, titles; propositions opening on the same verbs;
listed first names before ordinary words) must stay, and the scanner must stop none of them.
`python -m pytest -s` prints the counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor, _first_names, _surnames
from consultation.text import fold
from pii_corpus_more import leaked_cases
from pii_corpus_names2 import (
    FAMILIES,
    FIRST_NAMES,
    INSTITUTIONS,
    SEEDS,
    SURNAMES,
    VERB_SURNAMES,
    WORD_SURNAMES,
    look_alikes,
)


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family, seed):
    assert leaked_cases(with_model, family, FAMILIES[family](seed=seed)) == []


def test_the_names_are_unknown_to_the_lists_and_the_surnames_are_words():
    """The families are what they say: checked, not assumed."""
    french, other = _first_names()
    assert [n for names in FIRST_NAMES.values() for n in names if fold(n) in french or fold(n) in other] == []
    assert [n for names in SURNAMES.values() for n in names if fold(n.split()[-1]) in _surnames()] == []
    assert [n for n in VERB_SURNAMES + WORD_SURNAMES if fold(n) not in _surnames()] == []


def test_the_verb_surnames_are_verbs_and_the_others_words(with_model):
    assert all(with_model._is_verb(n) or fold(n) in with_model._infinitives for n in VERB_SURNAMES)
    assert all(with_model._is_common_word(n) for n in WORD_SURNAMES)


# Look-alikes the redactor took on main's code already (the model tags them PER, or a cue before
# them): « Info Retraite », « Vivre Mieux »… 12 of 96 on main, 14 now (« Aix Marseille » twice more:
# neither word is in any list of the project, which has no list of communes).
TAKEN_BEFORE = {"Aix Marseille", "Google Maps", "Habitat Humanisme", "Info Retraite", "Leroy Merlin",
                "Restos du Cœur", "Saint Denis", "Vivre Mieux", "Clermont Ferrand", "Cap Emploi", "Protection Civile",
                "Enfance Majuscule", "Emmaüs Connect"}


@pytest.mark.parametrize("seed", SEEDS)
def test_look_alikes_of_the_same_shapes_stay(with_model, seed):
    texts = look_alikes(seed=seed)
    changed = [(t, o) for t, o in zip(texts, with_model.redact_many(texts), strict=True) if o != t]
    print(f"\nlook-alikes (seed {seed}): {len(changed)} of {len(texts)} changed")
    assert [t for t, _ in changed if not any(name in t for name in TAKEN_BEFORE)] == []
    assert len(changed) <= 6


@pytest.mark.parametrize("seed", SEEDS)
def test_the_scanner_finds_most_cued_names_and_stops_no_look_alike(with_model, seed):
    """The scanner's own rule (names after thanks, « avec », « contacter »; no code of the redactor)
    finds the raw answers whose name follows such a cue; it stops none of the look-alikes, raw or
    redacted."""
    vocabulary = with_model.vocabulary
    found = {family: sum(bool(leakscan.scan_text(c.text, vocabulary=vocabulary)) for c in FAMILIES[family](seed=seed))
             for family in FAMILIES}
    print(f"\nscanner (seed {seed}): {found}")
    assert found["unknown first name and surname"] >= 20 and found["listed first name, lower-case surname"] >= 15
    texts = look_alikes(seed=seed)
    stops = [t for t in texts + with_model.redact_many(texts) if leakscan.scan_text(t, vocabulary=vocabulary)]
    assert stops == []


@pytest.mark.daily_cases(4)
@pytest.mark.parametrize(("text", "expected"), [
    # tests/test_redact_over.py's known leaks until 2026-12-06
    ("Charrier nous a aidés pour le dossier.", "[nom] nous a aidés pour le dossier."),
    ("Auger nous a aidés pour le dossier.", "[nom] nous a aidés pour le dossier."),
    ("Renier nous a aidés pour le dossier.", "[nom] nous a aidés pour le dossier."),
    ("Merci à Loïs vasseur pour tout.", "Merci à [nom] pour tout."),
    # the brief's instances
    ("Merci à Nhung Cissé pour son aide.", "Merci à [nom] pour son aide."),
    ("Grâce à Tiemoko Ouattara, le dossier a avancé.", "Grâce à [nom], le dossier a avancé."),
    ("- Wojciech Kowalski (bénévole)", "- [nom] (bénévole)"),
    ("avec Gwenola Le Bihan hier", "avec [nom] hier"),
    ("Remercier Grondin Enora pour son écoute", "Remercier [nom] pour son écoute"),
    ("La médiatrice, Taras Mensah, a été formidable.", "La médiatrice, [nom], a été formidable."),
    # a surname left in lower case after its first name (as a real answer wrote one)
    ("aussi peu cultivé que Marlène shiappa", "aussi peu cultivé que [nom]"),
    # ordinary: stays (real answers' sentences that a first version of the rules took)
    ("Comment est-il possible qu'un si grand pays…", "Comment est-il possible qu'un si grand pays…"),
    ("Comment peut on décider des orientations ?", "Comment peut on décider des orientations ?"),
    ("Dieu ne fait pas les lois, disait-il.", "Dieu ne fait pas les lois, disait-il."),
    ("Renier ses engagements n'est pas acceptable.", "Renier ses engagements n'est pas acceptable."),
    ("Charrier des tonnes de déchets.", "Charrier des tonnes de déchets."),
    ("Lois strictes pour tous.", "Lois strictes pour tous."),
    ("Merci à Pôle Emploi pour son aide.", "Merci à Pôle Emploi pour son aide."),
    ("Nous avons travaillé avec France Travail.", "Nous avons travaillé avec France Travail."),
    ("Connexion avec France connect impossible.", "Connexion avec France connect impossible."),
    ("Grâce à Action Logement, nous avons pu continuer.", "Grâce à Action Logement, nous avons pu continuer."),
    # in capitals after a cue: a name with an accented letter; acronyms stay
    ("Merci à NGOZI CISSÉ pour son aide.", "Merci à [nom] pour son aide."),
    ("Merci à CARSAT CNAV pour la retraite.", "Merci à CARSAT CNAV pour la retraite."),
    ("Nous avons travaillé avec AGIRC ARRCO.", "Nous avons travaillé avec AGIRC ARRCO."),
    ("Merci à POLE EMPLOI pour son aide.", "Merci à POLE EMPLOI pour son aide."),
])
def test_instances(with_model, text, expected):
    assert with_model(text) == expected


def test_the_generators_are_seeded_and_varied():
    for generate in (*FAMILIES.values(), look_alikes):
        for seed in SEEDS:
            cases = generate(seed=seed)
            assert cases == generate(seed=seed) and len(cases) == 32
            assert len({c if isinstance(c, str) else c.text for c in cases}) >= 28
    drawn = {name for seed in SEEDS for t in look_alikes(seed=seed) for name in INSTITUTIONS if name in t}
    assert len(drawn) >= 0.5 * len(INSTITUTIONS)
