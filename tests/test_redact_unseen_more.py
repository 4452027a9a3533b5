"""Families of personal data no generator wrote before 2026-12-06's second round
(`tests/pii_corpus_unseen.py`): names in capitals with an unknown first name, e-mails with « à » or
a provider after a local part with no separator, identity-card numbers with no document named,
lower-case plates whose letters are a word, phones mixing digits and words, dates of birth in
words, file numbers after their cue, e-mails with an encoded « @ ». Each family, 96 cases from a
fixed seed, must leave nothing identifying with the model as `publish` loads it; the scanner must
find each raw answer; generated ordinary texts of the same shapes must stay as written and give
the scanner nothing. `python -m pytest -s` prints the counts (RELIABILITY.md quotes them).
"""

from __future__ import annotations

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor, _first_names
from consultation.text import fold
from pii_corpus_more import leaked_cases
from pii_corpus_unseen import FAMILIES, ORDINARY, UNKNOWN_FIRST_NAMES, N


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


def leaked(redactor: Redactor, family: str) -> list[str]:
    return leaked_cases(redactor, family, FAMILIES[family]())


# Measured with the model: 7 names whose surname is in none of the redactor's lists either, in an
# answer not in capitals (« Merci à ADJOA PUJOL »: the model's to find), 4 since 2026-12-06's
# `Redactor._cued_pair` (after a cue, a pair in capitals with an accented letter: « Merci à NGOZI
# CISSÉ »; « ADJOA PUJOL » is shaped as « AGIRC ARRCO »), 0 since the pair is taken when both
# words are spelt as names are (`redact._name_shaped`, tests/test_redact_unseen_names3.py); 1 e-mail
# whose local part is a French word (« merciers à free.fr »); 2 card numbers with one change between
# letters and digits (« GAGWF8873 », as « COVID2019 » is written).
TOLERANCE = {"caps name, unknown first name": 0, "e-mail, à and no separator": 1, "card number, no cue": 2}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family):
    assert len(leaked(with_model, family)) <= TOLERANCE.get(family, 0)


# Names and e-mails with no mark need the model's word lists; the rest go on patterns alone.
@pytest.mark.parametrize("family", ["plate, a word's letters", "phone, digits and words", "date of birth in words",
                                    "file number after a cue", "e-mail, encoded @"])
def test_numbers_and_encoded_e_mails_go_without_the_model(family):
    assert leaked(Redactor([]), family) == []


def test_the_unknown_first_names_are_unknown_to_the_redactor():
    """The family is about first names in none of the redactor's lists: checked, not assumed."""
    french, other = _first_names()
    assert [n for n in UNKNOWN_FIRST_NAMES if fold(n) in french or fold(n) in other] == []


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_scanner_finds_the_raw_answers(with_model, family):
    """The scanner's own rules (no code of the redactor) on the raw answers, with the words of the
    language as `check_publication` gives them."""
    cases = FAMILIES[family]()
    found = sum(bool(leakscan.scan_text(c.text, vocabulary=with_model.vocabulary)) for c in cases)
    print(f"\nscanner, {family}: {found} of {N} raw answers")
    # Names: those whose surname is in Faker's lists or that are in a line in capitals (88 of 96);
    # cards: as the redactor (94); files: « MATRICULE N° » in capitals (95).
    minimum = {"caps name, unknown first name": 85, "card number, no cue": 94, "file number after a cue": 95}
    assert found >= minimum.get(family, N)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_ordinary_texts_of_the_same_shapes_stay(with_model, family):
    """Nothing found in them but links (« Je suis allé à ameli.fr »: the site is a link, as before)."""
    texts = ORDINARY[family]()
    found = [(t, kinds) for t in texts if (kinds := {s.kind for s in with_model.spans(t)} - {"url"})]
    print(f"\nordinary, {family}: {len(texts)} generated, {len(found)} changed")
    assert found == []


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_scanner_does_not_stop_on_the_ordinary_texts(with_model, family):
    """A false finding stops a federation's publication: none on the redacted texts, and none
    but links on the raw ones."""
    texts = ORDINARY[family]()
    vocabulary = with_model.vocabulary
    raw = [(t, f) for t in texts if (f := [k for k, _, _ in leakscan.scan_text(t, vocabulary=vocabulary) if k != "url"])]
    redacted = [(o, f) for o in with_model.redact_many(texts) if (f := leakscan.scan_text(o, vocabulary=vocabulary))]
    assert raw == [] and redacted == []


# The families main's redactor let through as parts (the rest it left whole: see
# test_the_scanner_finds_the_raw_answers), as it wrote them.
MAINS_OUTPUTS = [
    "Mon adresse : kdumas a [lien] (je réponds vite).",  # e-mail, à and no separator
    "Ma boîte mail ludivine-giraud SUR [lien].",  # e-mail, provider and no separator
    "Ma boîte mail cisse65%[lien].",  # e-mail, encoded @
    "Pour tout renseignement remi.dumas&#64;[lien], merci !",
]


@pytest.mark.parametrize("text", MAINS_OUTPUTS)
def test_the_scanner_stops_what_the_redactor_of_main_left(with_model, text):
    """The redactor and the scanner fail independently: what main's redactor left of an address
    (its domain a link, its local part kept), the scanner finds in the published text."""
    assert [kind for kind, _, _ in leakscan.scan_text(text, vocabulary=with_model.vocabulary)] == ["email"]


def test_the_generators_are_seeded_and_varied():
    for generate in (*FAMILIES.values(), *ORDINARY.values()):
        cases = generate()
        assert cases == generate() and len(cases) == N
        texts = {c if isinstance(c, str) else c.text for c in cases}
        assert len(texts) >= 0.8 * N


@pytest.mark.parametrize(("text", "expected"), [
    ("Merci à NGOZI VASSEUR pour son aide.", "Merci à [nom] pour son aide."),
    ("Écrivez à dupontj à orange.fr pour vous inscrire.", "Écrivez à [courriel] pour vous inscrire."),
    ("Mon adresse : jean-dupont sur gmail, merci.", "Mon adresse : [courriel], merci."),
    ("Mon numéro est X4RTBPFW4 pour info.", "Mon numéro est [numéro] pour info."),
    ("Ma plaque de 123 zx a été relevée.", "Ma plaque [plaque] a été relevée."),
    ("Appelez le 06 douze 34 56 78 le soir.", "Appelez le [téléphone] le soir."),
    ("Je suis né le douze mars 1978 à Lyon.", "Je suis né le [date] à Lyon."),
    ("matricule 123456, toujours en attente", "matricule [numéro], toujours en attente"),
    ("mail : jean.dupont%40gmail.com", "mail : [courriel]"),
    # ordinary: stays
    ("NOUS DEMANDONS À LA CARSAT CNAV DE RÉPONDRE.", "NOUS DEMANDONS À LA CARSAT CNAV DE RÉPONDRE."),
    ("Connectez-vous à doctolib.fr pour la démarche.", "Connectez-vous à [lien] pour la démarche."),
    ("Je suis abonné chez free depuis 10 ans.", "Je suis abonné chez free depuis 10 ans."),
    ("Le plan COVID2019 est un échec.", "Le plan COVID2019 est un échec."),
    ("une voiture de 110 ch depuis 2019", "une voiture de 110 ch depuis 2019"),
    ("Les scores 0, 1, 2, 3, 4, 5, 6, 7, 8 et 9 sont bons.", "Les scores 0, 1, 2, 3, 4, 5, 6, 7, 8 et 9 sont bons."),
    ("Le projet est né le douze mars dernier.", "Le projet est né le douze mars dernier."),
    ("Le dossier n° 3 de 2021, 1500 euros.", "Le dossier n° 3 de 2021, 1500 euros."),
])
def test_instances_of_the_issue(with_model, text, expected):
    assert with_model(text) == expected
