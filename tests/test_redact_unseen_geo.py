"""Families of personal data left after 2026-12-06's third round (`tests/pii_corpus_geo.py`): a home's
position (decimal degrees, degrees-minutes-seconds, map links without their host, what3words), a
number after a cue no generator used (badge, carte Vitale, locataire, mutuelle, SPI…), a door code
or a password, a RIB whose account is cut into groups. Each family, 96 cases from a fixed seed,
must leave nothing readable; the scanner must find each raw answer, and what main's redactor left
of them; ordinary texts of the same shapes must stay as written and give the scanner nothing.
`python -m pytest -s` prints the counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import time

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import ACCOUNT, Redactor
from pii_corpus_geo import FAMILIES, ORDINARY, N, leaked_cases


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family):
    assert leaked_cases(with_model, family, FAMILIES[family]()) == []


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_go_without_the_model(family):
    assert leaked_cases(Redactor([]), family, FAMILIES[family]()) == []


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_scanner_finds_the_raw_answers(with_model, family):
    """The scanner's own rules, with the words of the language as `check_publication` gives them
    (links apart: a map link with its host is a link for both, as before)."""
    cases = FAMILIES[family]()
    vocabulary = with_model.vocabulary
    found = sum(bool([f for f in leakscan.scan_text(c.text, vocabulary=vocabulary) if f[0] != "url"]) for c in cases)
    print(f"\nscanner, {family}: {found} of {N} raw answers")
    assert found == N


# What main's redactor (707e73f) left of these families, as it wrote them: a position as written or
# half of it beside another kind's placeholder, a code, a RIB's account after « [numéro] ».
MAINS_OUTPUTS = [
    ("coordonnées GPS 48.8566, 2.3522 (chez moi)", "address"),
    ("La maison ([courriel],-1.3293,13z) n'a pas la fibre.", "address"),
    ("j'habite ici : geo:45.7297,0.[adresse]. Bonne journée.", "address"),
    ("Ma position [téléphone], -0.611\nMerci.", "address"),
    ("coordonnées 44° 16′ 10″N / 6°55.806′[nom] manquons de moyens.", "address"),
    ("La maison (Ma position 50.44N, 0.[adresse]) n'a pas la fibre.", "address"),
    ("position : ///soleil.pomme.violon Nous manquons de moyens.", "address"),
    ("Mon numéro de badge 00123456", "number"),
    ("Voici mon Digicode : C5835, merci.", "number"),
    ("Rappel : mot de passe = 53bnt#rtkF5w.", "number"),
    ("Mon n° mutuelle : 52228D pour le suivi.", "number"),
    ("RIB [numéro]-467-276-23-15", "iban"),
    ("Banque Guichet Compte Clé\n30066  16059  1594  0356  766  58", "iban"),
]


@pytest.mark.daily_cases(3)
@pytest.mark.parametrize(("text", "kind"), MAINS_OUTPUTS)
def test_the_scanner_stops_what_the_redactor_of_main_left(with_model, text, kind):
    assert kind in {k for k, _, _ in leakscan.scan_text(text, vocabulary=with_model.vocabulary)}


@pytest.mark.parametrize("family", ["measures", "identifiers"])
def test_ordinary_texts_of_the_same_shapes_stay(with_model, family):
    """Scores, prices, versions, temperatures, angles, times, ratios, pairs of decimals in prose;
    « badges », « code de la route », « le 3919 », a door code or a password with no value."""
    texts = ORDINARY[family]()
    outputs = with_model.redact_many(texts)
    changed = [(t, o) for t, o in zip(texts, outputs, strict=True) if t != o]
    print(f"\nordinary, {family}: {len(texts)} generated, {len(changed)} changed")
    assert changed == []


def test_amounts_one_a_line_are_no_split_rib(with_model):
    """« 30000\\n50000\\n80000\\n100000 » (a real answer's tax brackets), « 10000 20000 3000 4000
    500 »: no [compte], and no bank details for the scanner. (The older long-number rules still read
    some of these lists as [numéro], and the scanner as a number: RELIABILITY.md.)"""
    texts = ORDINARY["amount lists"]()
    accounts = [t for t in texts if any(s.kind == ACCOUNT for s in with_model.spans(t))]
    vocabulary = with_model.vocabulary
    banks = [t for t in [*texts, *with_model.redact_many(texts)]
             if "iban" in {k for k, _, _ in leakscan.scan_text(t, vocabulary=vocabulary)}]
    assert accounts == [] and banks == []


@pytest.mark.parametrize("family", ["measures", "identifiers"])
def test_the_scanner_does_not_stop_on_the_ordinary_texts(with_model, family):
    texts = ORDINARY[family]()
    vocabulary = with_model.vocabulary
    raw = [(t, f) for t in texts if (f := [x for x in leakscan.scan_text(t, vocabulary=vocabulary) if x[0] != "url"])]
    redacted = [(o, f) for o in with_model.redact_many(texts) if (f := leakscan.scan_text(o, vocabulary=vocabulary))]
    assert raw == [] and redacted == []


def test_the_generators_are_seeded_and_varied():
    for generate in (*FAMILIES.values(), *ORDINARY.values()):
        cases = generate()
        assert cases == generate() and len(cases) == N
        texts = {c if isinstance(c, str) else c.text for c in cases}
        assert len(texts) >= 0.8 * N


@pytest.mark.daily_cases(5)
@pytest.mark.parametrize(("text", "expected"), [
    ("coordonnées GPS 48.8566, 2.3522 (chez moi)", "coordonnées GPS [adresse] (chez moi)"),
    ("48,8566 / 2,3522", "[adresse]"),
    ("lat 48.85 lon 2.35", "[adresse]"),
    ("48°51'24\"N 2°21'08\"E", "[adresse]"),
    ("gps: @48.85,2.35,17z merci", "gps: [adresse] merci"),
    ("j'habite ici : geo:48.8566,2.3522", "j'habite ici : [adresse]"),
    ("Voir #map=9/43.61/1.44", "Voir [adresse]"),  # with more digits, a long number: [numéro]
    ("Chez moi : ///table.chaise.lampe", "Chez moi : [adresse]"),
    ("Mon numéro de badge 00123456", "Mon numéro de badge [numéro]"),
    ("carte Vitale 816971C", "carte Vitale [numéro]"),
    ("digicode 4521B", "digicode [numéro]"),
    ("le code de la porte c'est 1984", "le code de la porte c'est [numéro]"),
    ("mdp : Soleil2024!", "mdp : [numéro]"),
    ("RIB 30006 00001 1234 5678 901 89", "RIB [compte]"),
    ("EHPAD Les Tilleuls, chambre 12", "[adresse]"),
    # left by decision: a commune's precision, a postal code after an address, a room alone
    ("GPS 48.85, 2.35", "GPS 48.85, 2.35"),
    ("résident au 12 bis rue des Lilas 75011", "résident au [adresse] 75011"),
    ("chambre 12 sans chauffage", "chambre 12 sans chauffage"),
    # ordinary: stays
    ("Les coordonnées 1,25 / 3,75 du graphique.", "Les coordonnées 1,25 / 3,75 du graphique."),
    ("Le change à 1,1234 / 1,1256.", "Le change à 1,1234 / 1,1256."),
    ("Il fait 38,5° à l'ombre, un angle de 90°, un versant à 45°30'.",
     "Il fait 38,5° à l'ombre, un angle de 90°, un versant à 45°30'."),
    ("Note 12.5 / 20, version 2.3.1, à 14h30, 3,5 / 5.", "Note 12.5 / 20, version 2.3.1, à 14h30, 3,5 / 5."),
    ("3 badges perdus, le code de la route, le code du travail article L1234-5, le 115, le 3919.",
     "3 badges perdus, le code de la route, le code du travail article L1234-5, le 115, le 3919."),
    ("mot de passe : oublié, le digicode est en panne.", "mot de passe : oublié, le digicode est en panne."),
    ("n° client 123456 12 personnes", "n° client [numéro] 12 personnes"),
])
def test_instances_of_the_issue(with_model, text, expected):
    assert with_model(text) == expected


HOSTILE = ["48.85, ", "48,8566 / ", "12°34'56\" ", "N 1.23 ", "///a.b.", "12345 12345 1 ", "digicode 1",
           "mot de passe : a", "n° de badge 12 ", "@48.85,", "[numéro] 12 "]


@pytest.mark.daily_cases(2)
@pytest.mark.parametrize("unit", HOSTILE)
def test_the_new_rules_are_linear(unit):
    """100,000 characters of one atom of the new rules: linear code reads them in a fraction of a
    second (measured: 0.25 s at most for 200,000), a quadratic one in minutes."""
    from consultation.publish import redact

    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    patterns = Redactor([])
    started = time.perf_counter()
    redact._positions(text), redact._split_ribs(text), redact._door_codes(text), patterns._secrets(text)
    redact._file_numbers(text), leakscan.scan_text(text, vocabulary=frozenset({"a"}))
    assert time.perf_counter() - started < 10
