"""Three families of names that still reached the reports (2026-12-06, `tests/pii_corpus_names3.py`):
a name in capitals without accents after a cue or alone as the answer's signature (« Merci à ADJOA
PUJOL », « …\\nMARIE LEFEBVRE »); an unknown name opening its sentence as the subject (« Nhung Cissé
nous a aidés »); a surname with a particle, first or after the first name or a civility (« avec Le
Gall Hassiba », « Merci à Me de La Tour »). 96 cases per family (3 seeds of 32) with the model as
`publish` loads it. Look-alikes of the same shapes (acronyms of the sector in pairs, institutions and
saints' places opening a sentence, towns whose name opens on an article, streets named after a
person) must stay, with the few exceptions counted below, and the scanner must stop none of them.
`python -m pytest -s` prints the counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor, _first_names, _name_shaped
from consultation.text import fold
from pii_corpus_more import leaked_cases
from pii_corpus_names3 import (
    ACRONYMS,
    ARTICLE_TOWNS,
    FAMILIES,
    LOOK_ALIKES,
    SEEDS,
    UNKNOWN_FIRST,
    UNKNOWN_SURNAMES,
    _caps,
)


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


# Left, measured (RELIABILITY.md): a name in capitals whose words are spelt as few names are
# (« OUMOU », « BUI » on a signature's line) or a surname that is a French word (« THIERRY CHAOUCH »).
TOLERANCE = {"name in capitals, no accent": 3}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family):
    cases = [c for seed in SEEDS for c in FAMILIES[family](seed=seed)]
    assert len(leaked_cases(with_model, family, cases)) <= TOLERANCE.get(family, 0)


# Look-alikes taken on this branch, each seen: two pairs of acronyms spelt as names are (« SAMU
# CNIL » after « Signé : », « CNIL » alone after « Cordialement »); « Emmaüs Connect », « Aix
# Marseille », « Restos du Cœur » opening a sentence (the first and the last taken on main too);
# « Le Creusot » (the model's, on main too: a town's name or « Le Goff », nothing tells them apart).
TAKEN = {"name in capitals, no accent": 2, "unknown name opening a sentence": 5, "surname with a particle": 3}


@pytest.mark.parametrize("family", list(LOOK_ALIKES))
def test_look_alikes_of_the_same_shapes_stay(with_model, family):
    texts = [t for seed in SEEDS for t in LOOK_ALIKES[family](seed=seed)]
    changed = [(t, o) for t, o in zip(texts, with_model.redact_many(texts), strict=True) if o != t]
    print(f"\nlook-alikes ({family}): {len(changed)} of {len(texts)} changed" + "".join(
        f"\n  {t!r} -> {o!r}" for t, o in changed))
    assert len(changed) <= TAKEN[family]
    vocabulary = with_model.vocabulary
    assert [t for t in texts + [o for _, o in changed] if leakscan.scan_text(t, vocabulary=vocabulary)] == []


def test_the_parts_are_what_they_say():
    """Unknown names are unknown to the lists; most acronyms are not spelt as names, most names are."""
    french, other = _first_names()
    assert [n for n in UNKNOWN_FIRST if fold(n) in french or fold(n) in other] == []
    names = [_caps(n) for n in UNKNOWN_FIRST + UNKNOWN_SURNAMES]
    assert sum(map(_name_shaped, names)) >= 0.9 * len(names)
    assert sum(map(_name_shaped, ACRONYMS)) <= 0.3 * len(ACRONYMS)


@pytest.mark.daily_cases(4)
@pytest.mark.parametrize(("text", "expected"), [
    # the brief's instances
    ("Merci à ADJOA PUJOL pour son aide.", "Merci à [nom] pour son aide."),
    ("contactez JEAN-MARC DUBOIS au centre.", "contactez [nom] au centre."),
    ("Signé : MARIE LEFEBVRE", "Signé : [nom]"),
    ("Merci pour tout.\nADJOA PUJOL", "Merci pour tout.\n[nom]"),
    ("Nhung Cissé nous a aidés.", "[nom] nous a aidés."),
    ("Tiemoko Ouattara est venu.", "[nom] est venu."),
    ("avec Le Gall Hassiba hier", "avec [nom] hier"),
    ("Merci à Mme De La Fontaine.", "Merci à Mme [nom]."),
    ("Jean Le Goff nous a aidés.", "[nom] nous a aidés."),
    ("Merci à Marie van der Berg.", "Merci à [nom]."),
    ("M. d'Arvor est venu.", "M. [nom] est venu."),
    ("Merci à Me de La Tour pour son aide.", "Merci à Me [nom] pour son aide."),
    ("Bonjour,\nArminda Le Roux nous a aidés.", "Bonjour,\n[nom] nous a aidés."),
    # acronyms, institutions, places: stay
    ("Merci à la CAF et la CPAM.", "Merci à la CAF et la CPAM."),
    ("Merci à ARS IDF pour son aide.", "Merci à ARS IDF pour son aide."),
    ("Nous avons travaillé avec SNCF RATP.", "Nous avons travaillé avec SNCF RATP."),
    ("Contactez EHPAD USLD au centre.", "Contactez EHPAD USLD au centre."),
    ("avec ACT LHSS", "avec ACT LHSS"),
    ("Signé : DGFIP AAH", "Signé : DGFIP AAH"),
    ("Merci pour tout.\nCPAM CAF", "Merci pour tout.\nCPAM CAF"),
    ("Pôle Emploi nous a aidés.", "Pôle Emploi nous a aidés."),
    ("Médecins du Monde est venu.", "Médecins du Monde est venu."),
    ("Saint Denis est loin.", "Saint Denis est loin."),
    ("Nous habitons Le Mans.", "Nous habitons Le Mans."),
    ("J'habite à La Rochelle depuis dix ans.", "J'habite à La Rochelle depuis dix ans."),
    ("Avenue De Gaulle, rien ne bouge.", "Avenue De Gaulle, rien ne bouge."),
    ("Grâce à La Poste, le courrier arrive.", "Grâce à La Poste, le courrier arrive."),
])
def test_instances(with_model, text, expected):
    assert with_model(text) == expected


def test_the_generators_are_seeded_and_varied():
    for generate in (*FAMILIES.values(), *LOOK_ALIKES.values()):
        for seed in SEEDS:
            cases = generate(seed=seed)
            assert cases == generate(seed=seed) and len(cases) == 32
            assert len({c if isinstance(c, str) else c.text for c in cases}) >= 28
    towns = {town for seed in SEEDS for t in LOOK_ALIKES["surname with a particle"](seed=seed)
             for town in ARTICLE_TOWNS if town in t}
    assert len(towns) >= 0.5 * len(ARTICLE_TOWNS)
