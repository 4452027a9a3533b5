"""A name whose first name no list knows, written as names are (« Merci à Samia Lefebvre. »), in a
sentence where the small model tags it as a place or an organisation, or tags nothing: published
as written until 2026-12-06 (12 of 96 of this family; « Merci à Samia Lefebvre. » was seen while
reading main's outputs, not by a generator). Now a capitalised word no list knows right before a
capitalised common surname is a name (`Redactor._unknown_then_surname`); after an article or
« de » it is none. The 15,382 real answers: not one redacted output changed by the rule.

A surname in none of the redactor's lists either (« Nhung Cissé ») is `tests/test_redact_unseen_names2.py`'s.
The scanner (`leakscan`) found none of these 96 raw answers until its rule for names after thanks,
« avec », « contacter » (2026-12-06, evening): 63 of 96 now."""

from __future__ import annotations

import random

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor, _surnames
from consultation.text import fold
from pii_corpus import SURNAMES
from pii_corpus_unseen import UNKNOWN_FIRST_NAMES

SEED, N = 2111, 96
LISTED = [s for s in SURNAMES if fold(s) in _surnames()]
SENTENCES = ["Merci à {x}.", "Merci à {x} pour son aide.", "{x} nous a beaucoup aidés.",
             "Nous avons travaillé avec {x} pendant la crise.", "Grâce à {x}, tout a changé.",
             "- Remercier {x} pour son écoute", "Bravo à {x} et à toute l'équipe.", "Contact pris avec {x} hier.",
             "Je cite {x} : « on tient ».", "L'équipe de {x} a tenu bon."]
# Look-alikes that must stay: an unknown capitalised word and a surname after an article or « de »
# (a place, a building named after someone), and institutions whose words include a surname.
# (« à la Ngozie Giraud » the model itself tags as a person, before this rule as after: not listed.)
ORDINARY = ["au pays des Tiemoko {s}",
            "L'université Aix Marseille recrute.", "Le Samu Social de Paris", "la clinique Pasteur Rousseau",
            "les Apprentis d'Auteuil", "la fondation Abbé Pierre", "Croix Rouge", "Mutualité Française"]


def names(seed: int = SEED, n: int = N) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        first, last = rng.choice(UNKNOWN_FIRST_NAMES), rng.choice(LISTED)
        out.append((rng.choice(SENTENCES).format(x=f"{first} {last}"), first, last))
    return out


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


# Seen leaking on main before this rule (tests/test_redact_over.py kept them as known leaks).
INSTANCES = [("1) Écouter Samia Vasseur pour son aide.", "Samia", "Vasseur"),
             ("1) Appeler Youssouf Lefebvre pour son aide.", "Youssouf", "Lefebvre"),
             ("- Remercier Samia Lefebvre pour son aide.", "Samia", "Lefebvre"),
             ("Merci à Samia Lefebvre.", "Samia", "Lefebvre")]


def test_a_name_with_an_unknown_first_name_is_redacted_with_the_model(with_model):
    assert len(LISTED) >= 30 and len({f for _, f, _ in names()}) >= 20  # varied, checked, not assumed
    cases = [*names(), *INSTANCES]
    outputs = with_model.redact_many([text for text, _, _ in cases])
    leaked = [out for out, (_, first, last) in zip(outputs, cases, strict=True) if first in out or last in out]
    print(f"\nunknown first name + listed surname: {len(leaked)} of {len(cases)} leaked")
    assert leaked == []


@pytest.mark.slow  # the daily subset keeps the family above
def test_institutions_and_places_of_the_same_shape_stay(with_model):
    texts = sorted({t.format(s=s) for t in ORDINARY for s in LISTED[:8]})
    changed = [o for t, o in zip(texts, with_model.redact_many(texts), strict=True) if o != t]
    assert changed == []


@pytest.mark.slow
def test_the_scanner_finds_most_of_the_raw_answers(with_model):
    """The scanner keeps its own rules; 0 of 96 on 2026-12-06, 63 since `leakscan._thanked_names`."""
    found = sum(bool(leakscan.scan_text(text, vocabulary=with_model.vocabulary)) for text, _, _ in names())
    print(f"\nscanner: {found} of {N} raw answers")
    assert found >= FOUND_AT_LEAST


FOUND_AT_LEAST = 60  # the names after a cue (thanks, « avec », « contacter »): 63 of 96
