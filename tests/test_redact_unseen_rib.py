"""Families of personal data left after 2026-12-06's second round (`tests/pii_corpus_rib.py`): bank
details written as a RIB, IBANs split oddly or in lower case, the building, staircase, floor and
flat beside an address; and codes of letters and digits that were published as « [nom] »
(« Voir L6P5XSFK »). Each family, 96 cases from a fixed seed, must leave nothing identifying; the
scanner must find each raw answer, and what main's redactor left of them; ordinary texts of the
same shapes must stay as written and give the scanner nothing. `python -m pytest -s` prints the
counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import re

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor
from pii_corpus_rib import FAMILIES, ORDINARY, N, leaked_cases, rib_key, ribs

BANK_AND_HOME = ["RIB", "IBAN, odd groups", "dwelling"]


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family):
    assert leaked_cases(with_model, family, FAMILIES[family]()) == []


@pytest.mark.parametrize("family", BANK_AND_HOME)
def test_bank_details_and_dwellings_go_without_the_model(family):
    assert leaked_cases(Redactor([]), family, FAMILIES[family]()) == []


def test_the_keys_are_right_three_times_in_four():
    """The generator's key is the RIB's (two published examples), and one RIB in four is mistyped:
    the redactor takes both."""
    assert rib_key("20041", "01005", "0500013M026") == "06"
    assert rib_key("30002", "00550", "0000157845Z") == "02"
    right = 0
    for case in ribs():
        bank, branch, key = re.search(rf"(\d{{5}})\D+?(\d{{5}})\D+?{case.needles[0]}\D+?(\d{{2}})", case.text).groups()
        right += rib_key(bank, branch, case.needles[0]) == key
    assert right == N * 3 // 4


@pytest.mark.parametrize("family", BANK_AND_HOME)
def test_the_scanner_finds_the_raw_answers(with_model, family):
    """The scanner's own rules (no code of the redactor), with the words of the language as
    `check_publication` gives them."""
    cases = FAMILIES[family]()
    vocabulary = with_model.vocabulary  # a property that builds the set: read once
    found = sum(bool([f for f in leakscan.scan_text(c.text, vocabulary=vocabulary) if f[0] != "url"]) for c in cases)
    print(f"\nscanner, {family}: {found} of {N} raw answers")
    assert found == N


# What main's redactor (fa3e76a) left of these families, as it wrote them: the account after a
# placeholder, an IBAN's tail, a flat's number beside « [adresse] » or a named residence.
MAINS_OUTPUTS = [
    ("Mes coordonnées Etablissement Guichet N° compte Clé RIB\n[numéro] 6572359S950 65 (compte joint).", "iban"),
    ("Versez l'aide sur ce compte : banque: [adresse]: 23750 numéro de compte: 9795950W747 CLÉ: 89 merci.", "iban"),
    ("RIB : 30002/23700/1249837M728/43", "iban"),
    ("Virement sur FR 76 [numéro] 24708 38401 svp.", "iban"),
    ("iban Fr76-30066-99836-53451692132-61", "iban"),
    ("[adresse] 5\napp. n° 83B", "address"),
    ("J'habite [adresse], bât F, 13ème Étage.", "address"),
    ("J'habite Résidence Beau Soleil, porte 43, bat H, Appartement n°125B, 5e étage.", "address"),
    ("Mon adresse : Porte 19 – Bât. C – escalier 4 – apt [adresse]", "address"),
]


@pytest.mark.parametrize(("text", "kind"), MAINS_OUTPUTS)
def test_the_scanner_stops_what_the_redactor_of_main_left(text, kind):
    assert kind in {k for k, _, _ in leakscan.scan_text(text)}


@pytest.mark.parametrize("family", ["numbers", "dwelling"])
def test_ordinary_texts_of_the_same_shapes_stay(with_model, family):
    """Amounts, years, dates, postal codes, « code », « compte », « clé »; floors, buildings, flats and
    doors with no address beside them."""
    texts = ORDINARY[family]()
    found = [(t, kinds) for t in texts if (kinds := {s.kind for s in with_model.spans(t)} - {"url"})]
    print(f"\nordinary, {family}: {len(texts)} generated, {len(found)} changed")
    assert found == []


def test_codes_of_letters_and_digits_are_no_names(with_model):
    """« Voir L6P5XSFK », « Réf. AJN1M9 », « Voir CMD-36043-W40 », « Voir DZ3X 7DB »: a word with a
    digit is no surname in capitals, and an abbreviation before a code no name. (A code of nine
    letters and digits that changes twice between them is an identity card's number for both the
    redactor and the scanner: `[numéro]`, by decision, RELIABILITY.md.)"""
    texts = ORDINARY["code"]()
    named = [t for t in texts if any(s.kind == "name" for s in with_model.spans(t))]
    print(f"\ncodes: {len(texts)} generated, {len(named)} taken for names")
    assert named == []


@pytest.mark.parametrize("family", list(ORDINARY))
def test_the_scanner_does_not_stop_on_the_ordinary_texts(with_model, family):
    """A false finding stops a federation's publication: none on the redacted texts; none but links
    on the raw ones, but the codes of nine letters and digits read as identity cards."""
    texts = ORDINARY[family]()
    vocabulary = with_model.vocabulary
    redacted = [(o, f) for o in with_model.redact_many(texts) if (f := leakscan.scan_text(o, vocabulary=vocabulary))]
    raw = [(t, kinds) for t in texts
           if (kinds := [k for k, _, _ in leakscan.scan_text(t, vocabulary=vocabulary) if k != "url"])]
    assert redacted == []
    assert raw == [] or family == "code"


def test_the_generators_are_seeded_and_varied():
    for generate in (*FAMILIES.values(), *ORDINARY.values()):
        cases = generate()
        assert cases == generate() and len(cases) == N
        texts = {c if isinstance(c, str) else c.text for c in cases}
        assert len(texts) >= 0.8 * N


@pytest.mark.parametrize(("text", "expected"), [
    ("code banque 30004 code guichet 00001 n° de compte 01234567890 clé 12",
     "code banque [compte]"),
    ("RIB : 30004-00001-01234567890-12", "RIB : [compte]"),
    ("Mon IBAN : fr 61 3000 4000 0101 2345 6789 012 merci", "Mon IBAN : [compte] merci"),
    ("Virement sur FR 61 30004 00001 01234567890 12 merci", "Virement sur [compte] merci"),
    ("J'habite bâtiment B, escalier 3, 4e étage, appartement 42, 12 rue des Lilas.", "J'habite [adresse]."),
    ("bât. C apt 12, résidence Les Lilas, porte 5", "[adresse]"),
    ("Voir L6P5XSFK", "Voir L6P5XSFK"),
    ("Réf. AJN1M9 Merci.", "Réf. AJN1M9 Merci."),
    ("Réf. 5038 MU, toujours rien.", "Réf. 5038 MU, toujours rien."),
    ("Merci à Lambert. 3 personnes sont venues.", "Merci à [nom]. 3 personnes sont venues."),  # a name before a number
    # ordinary: stays
    ("les ascenseurs en panne au 3e étage", "les ascenseurs en panne au 3e étage"),
    ("Le bâtiment B de l'hôpital et un bâtiment public.", "Le bâtiment B de l'hôpital et un bâtiment public."),
    ("Le code 30004 ne marche plus, 1 200 000 € en 2021.", "Le code 30004 ne marche plus, 1 200 000 € en 2021."),
    ("Un appartement de 42 m² au 2e étage.", "Un appartement de 42 m² au 2e étage."),
])
def test_instances_of_the_issue(with_model, text, expected):
    assert with_model(text) == expected
