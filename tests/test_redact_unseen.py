"""Families of personal data no earlier generator wrote (`tests/pii_corpus_more.py`): phone numbers
with letters for digits, e-mails with the letter a for « @ », items cut by invisible characters,
numbers of identity documents and of files at an agency, names in an answer written in capitals,
e-mails with a spelt at and a bare or missing top-level domain, dates of birth with no separator,
licence plates with dots, « _ », « / » or in lower case after a cue.
Each family, 96 cases from a fixed seed,
must leave nothing identifying, with the model as `publish` runs it and (except names) without;
the ordinary texts that look like them must stay. `python -m pytest -s` prints leaked / generated
per family (RELIABILITY.md quotes these figures).
"""

from __future__ import annotations

import pytest

from consultation.publish import leakscan
from consultation.publish.redact import Redactor
from pii_corpus_more import (
    FAMILIES,
    INVISIBLE_RE,
    N,
    caps_names,
    context_lost,
    invisible_items,
    leaked_cases,
    leaks,
)


@pytest.fixture(scope="module")
def with_model(ner) -> Redactor:
    return Redactor([], nlp=ner)


def leaked(redactor: Redactor, family: str) -> list[str]:
    return leaked_cases(redactor, family, FAMILIES[family]())


# Names whose first name is in none of the redactor's lists (« Ngozi », « Samia »: on purpose in the
# corpus) and with no cue before them, in capitals, are the model's to find; it misses some.
TOLERANCE = {"invisible characters": 1, "name in capitals": 2}  # of 96, measured 1 and 1


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_families_are_redacted_with_the_model(with_model, family):
    assert len(leaked(with_model, family)) <= TOLERANCE.get(family, 0)


def test_an_answer_in_capitals_keeps_the_words_around_its_names(with_model):
    cases = caps_names()
    outputs = with_model.redact_many([c.text for c in cases])
    lost = sum(context_lost(c, o) for c, o in zip(cases, outputs, strict=True))
    total = sum(len(c.pieces) for c in cases)
    print(f"\nwords around names in capitals lost: {lost} of {total}")
    assert lost <= 0.02 * total  # 122 of 333 before (« MERCI À [nom]. » for « … POUR SON AIDE. »)


@pytest.mark.parametrize("family", ["lookalike phone", "e-mail with a for @", "identity document", "e-mail with a bare domain",
                                    "compact date of birth", "licence plate"])
def test_contact_details_and_numbers_go_without_the_model(family):
    assert leaked(Redactor([]), family) == []


def test_invisible_characters_hide_no_e_mail_handle_or_name_after_a_civility_without_the_model():
    """Without the model, what the patterns find: e-mails, handles, names after a civility."""
    cases = [c for i, c in enumerate(invisible_items()) if i % 6 in (0, 3, 4, 5)]
    outputs = Redactor([]).redact_many([c.text for c in cases])
    assert [c.text for c, o in zip(cases, outputs, strict=True) if leaks(c, o)] == []


def test_what_is_found_is_mapped_back_onto_the_text_as_written():
    """The invisible characters stay where nothing is redacted; a redacted item takes those inside
    it."""
    redactor = Redactor([])
    assert redactor("Merci à Mme Du\u200bpont, c'est\u00ad parfait\u200d.") == "Merci à Mme [nom], c'est\u00ad parfait\u200d."
    assert redactor("a\u200bb j.du\u2060pont@free.fr") == "a\u200bb [courriel]"
    assert redactor("Tél\ufeff : O6 l2 34 56 78.") == "Tél\ufeff : [téléphone]."


ORDINARY = [
    # letters beside digits
    "Il faut 10 12 14 16 Il reste 20 places.",
    "Les lots 01 02 03 04 sont vendus, lol.",
    "Article L 1111-2 du code, O2 et H2O.",
    "En 2019 Il a plu, en 2020 Il a neigé.",
    "Les classes 6e 5e 4e 3e : 10 ou 11 élèves, OK.",
    # the letter a in brackets, « à » between spaces
    "(a)\tRevoir les taux de TVA. (b)\tTaxer le kérosène.",
    "Option (a) ou (b), voir le site du service public à ce sujet.",
    "Réponse (a) : oui. Réponse (à) compléter : non.",
    "Le formulaire (à) remplir, la case [a] cochée, le point {a} traité.",
    "Je suis allé à la mairie à pied, puis à la CAF à vélo.",
    # documents' names and numbers that are no document's number
    "Le passeport pour 2019 et 2020, la CAF en 2021.",
    "Permis B depuis 1995, CNI à renouveler.",
    "Pôle emploi du 75, France Travail ensuite.",
    "La CAF verse 1500000 euros, France Travail compte 3500000 inscrits.",
    "Identifiant oublié, numéro de dossier perdu : 12 appels.",
    "Passeport talent, carte d'identité numérique, CAF : 3 mois d'attente.",
    # « at », « sur », « chez », « arobase » without an address
    "Il faut look at gmail et le reste, je suis sur orange depuis 10 ans.",
    "Abonné chez free puis sur sfr, jamais chez orange.",
    "Tapez arobase puis le domaine ; le signe arobase est partout.",
    "Le stay-at-home sur gmail, rien à voir.",
    # births and numbers of eight digits
    "Les naissances ont baissé de 12031978 à 12031990 euros.",
    "Le né-le-12 est une blague, la naissance du projet en mars.",
    # plates' shapes that are words and numbers
    "Ma voiture de 123 km par jour, le véhicule fait 150 cv.",
    "Le 123 et le 456, la plaque de 2019 et 2020.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_texts_that_look_like_the_families_stay(with_model, text):
    assert with_model(text) == text


def test_the_scanner_finds_what_it_should_see_in_the_raw_families():
    """The post-render scanner reads e-mails with the letter a, numbers with letters, items cut by
    invisible characters (e-mails and names after a civility) and documents' numbers too."""
    found = {family: 0 for family in FAMILIES}
    for family, generate in FAMILIES.items():
        for case in generate():
            found[family] += bool(leakscan.scan_text(case.text))
    print(f"\nscanner, raw families of {N}: {found}")
    assert found["lookalike phone"] == N
    assert found["e-mail with a for @"] == N
    assert found["identity document"] == N
    assert found["e-mail with a bare domain"] == N
    assert found["compact date of birth"] == N
    assert found["licence plate"] == N


def test_invisible_characters_hide_nothing_from_the_scanner():
    """What the scanner finds in an answer, it finds with invisible characters inside the items
    (61 of 96 answers: names without a civility are the redactor's model's to find)."""
    for case in invisible_items():
        seen = {kind for kind, _, _ in leakscan.scan_text(INVISIBLE_RE.sub("", case.text))}
        assert {kind for kind, _, _ in leakscan.scan_text(case.text)} == seen, case.text


@pytest.mark.parametrize(("text", "expected"), [
    ("de service-public.fr à impots.gouv.fr", "de [lien] à [lien]"),
    ("Je suis allé à impots.gouv.fr à plusieurs reprises.", "Je suis allé à [lien] à plusieurs reprises."),
    ("Le site ameli.fr a changé, le formulaire (à) remplir aussi.", "Le site [lien] a changé, le formulaire (à) remplir aussi."),
])
def test_links_beside_the_letter_a_stay_links(with_model, text, expected):
    assert with_model(text) == expected


# The scanner reads « arobase » before any word as « @ » (« le signe arobase est partout »), as it
# did before: left (RELIABILITY.md).
@pytest.mark.parametrize("text", [t for t in ORDINARY if "arobase" not in t])
def test_the_scanner_does_not_stop_on_the_ordinary_texts(text):
    assert leakscan.scan_text(text) == []


def test_the_generators_are_seeded_and_varied():
    for generate in FAMILIES.values():
        cases = generate()
        assert cases == generate() and len(cases) == N
        assert len({c.text for c in cases}) >= 0.9 * N
