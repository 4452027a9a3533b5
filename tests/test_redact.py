"""Personal data never reaches a publication: patterns, people's names (spaCy NER), structure names."""

from __future__ import annotations

import html
import zipfile
from pathlib import Path

import pytest

from consultation import store
from consultation.publish.redact import Redactor, redact
from consultation.publish.report import publish
from consultation.store.paths import OutputPaths
from test_report import ANSWERS, HUMAN_CODES, RESPONDENTS, fill, make_consultation

STRUCTURES = ["ACT Le Relais de l'Orb", "ACT Le Lien", "LHSS Porte d'Italie", "LAM Les Hirondelles"]


@pytest.fixture(scope="module")
def patterns() -> Redactor:
    """Patterns and structure names only, no model: fast."""
    return Redactor(STRUCTURES)


@pytest.mark.parametrize("text", [
    "Écrivez à jean.dupont@asso-exemple.fr pour le kit.",
    "Écrivez à contact [at] asso-exemple.org pour le kit.",
])
def test_email_addresses(patterns, text):
    assert patterns(text) == "Écrivez à [courriel] pour le kit."


@pytest.mark.parametrize("phone", [
    "06 12 34 56 78", "06.12.34.56.78", "+33 6 12 34 56 78", "0612345678", "04-67-12-34-56",
    "+33 (0)4 67 12 34 56", "0033 6 12 34 56 78", "+262 262 12 34 56",
])
def test_french_phone_numbers(patterns, phone):
    assert patterns(f"Joignable au {phone}, de 8h à 20h.") == "Joignable au [téléphone], de 8h à 20h."


def test_numbers_that_are_not_phones_stay(patterns):
    text = "En 2020, 10000 masques pour 47 structures ; 12 places ; tél. 3 fois par jour ; CCN 51."
    assert patterns(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("Voir https://www.exemple.fr/page?x=1.", "Voir [lien]."),
    ("Sur www.asso.org et monsite.fr/contact !", "Sur [lien] et [lien] !"),
])
def test_links(patterns, text, expected):
    assert patterns(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Nos locaux au 12 rue de la République, 34500 Béziers depuis mai.", "Nos locaux au [adresse] depuis mai."),
    ("Au 3 bis avenue Jean Jaurès.", "Au [adresse]."),
    ("Permanence 10 bd Gambetta le mardi.", "Permanence [adresse] le mardi."),
    ("Déménagement au 5, place du Marché.", "Déménagement au [adresse]."),
])
def test_postal_addresses(patterns, text, expected):
    assert patterns(text) == expected


def test_everyday_words_after_a_number_are_not_addresses(patterns):
    text = "On a fait 2 cours par semaine, 3 places en plus, 4 routes coupées et la rue des personnes."
    assert patterns(text) == text


def test_names_after_a_title_even_without_a_model(patterns):
    assert patterns("Merci au Dr Martin et à Mme Sophie Durand.") == "Merci au Dr [nom] et à Mme [nom]."


@pytest.mark.parametrize(("text", "expected"), [
    ("Le Relais de l'Orb a tenu bon.", "[structure] a tenu bon."),
    ("Au relais de l’orb, on a tenu.", "Au [structure], on a tenu."),
    ("L'ACT LE RELAIS DE L'ORB a tenu.", "L'[structure] a tenu."),
    ("Les LHSS porte d'italie et les autres.", "Les [structure] et les autres."),
    ("Avec les Hirondelles, c'était simple.", "Avec les [structure], c'était simple."),
])
def test_structure_names_matched_tolerantly(patterns, text, expected):
    assert patterns(text) == expected


def test_structure_name_made_of_everyday_words_needs_its_capital_or_its_prefix(patterns):
    assert patterns("Il faut garder le lien avec les hirondelles du quartier.") == (
        "Il faut garder le lien avec les hirondelles du quartier.")
    assert patterns("L'ACT le lien et l'équipe du Lien.") == "L'[structure] et l'équipe du [structure]."


def test_batch_cache_and_idempotence(patterns):
    texts = ["Appelez le 06 12 34 56 78.", "Rien à signaler.", "Appelez le 06 12 34 56 78."]
    once = patterns.redact_many(texts)
    assert once == [patterns(t) for t in texts] == ["Appelez le [téléphone].", "Rien à signaler.",
                                                    "Appelez le [téléphone]."]
    assert patterns.redact_many(once) == once


def test_public_function(ner):
    assert redact("Karim Benali : karim@asso.fr", ["ACT Le Lien"], nlp=ner) == "[nom] : [courriel]"


def test_people_named_by_the_model_are_redacted(ner):
    redactor = Redactor(STRUCTURES, nlp=ner)
    text = ("Avec l'aide de notre IDE Sophie Marchand, nous avons monté une ligne d'écoute. "
            "Notre travailleur social Karim Benali a organisé les courses.")
    assert redactor(text) == ("Avec l'aide de notre IDE [nom], nous avons monté une ligne d'écoute. "
                              "Notre travailleur social [nom] a organisé les courses.")


@pytest.mark.parametrize("text", [
    "- Renforcer les ARS en Occitanie\n- Développer la coordination avec le SIAO",
    "Reconnaître le métier de coordinateur ; Aligner les salaires sur l'AP-HP",
    "Le lien avec l'ARS Hauts-de-France et la Guyane s'est renforcé pendant le COVID.",
    "Les ACT, LAM et LHSS de Provence-Alpes-Côte d'Azur ont tenu, avec l'EHPAD voisin.",
    "Adaptabilité et innovation des ACT : l'équipe a tout réorganisé.",
])
def test_theme_words_regions_and_propositions_are_not_taken_for_names(ner, text):
    redactor = Redactor(STRUCTURES, nlp=ner, stop_words=["Adaptabilité", "innovation"])
    assert redactor(text) == text


# --- nothing planted in the answers reaches a publication ------------------------------------------

PLANTED = {
    "jean.dupont@asso-exemple.fr": "[courriel]",
    "06 12 34 56 78": "[téléphone]",
    "04.67.12.34.56": "[téléphone]",
    "+33 6 98 76 54 32": "[téléphone]",
    "https://www.asso-exemple.fr/contact": "[lien]",
    "Karim Benali": "[nom]",
    "Dupont": "[nom]",
    "12 rue de la République": "[adresse]",
    "Relais de l'Orb": "[structure]",
}
PLANTED_ANSWERS = [
    ("r01", "q1_retenir", "Les équipes ont su s'adapter très vite. Contact : Mme Dupont, "
     "jean.dupont@asso-exemple.fr ou 06 12 34 56 78.", None),
    ("r02", "q1_retenir", "L'État a été absent, le Relais de l'Orb aussi. Voir https://www.asso-exemple.fr/contact",
     None),
    ("r01", "initiatives", "Notre travailleur social Karim Benali a monté une ligne (04.67.12.34.56) "
     "au 12 rue de la République.", "Appelez le +33 6 98 76 54 32."),
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory, ner) -> Path:
    answers = [a for a in ANSWERS if (a[0], a[1]) not in {(p[0], p[1]) for p in PLANTED_ANSWERS}]
    answers += PLANTED_ANSWERS
    codes = [c for c in HUMAN_CODES if (c[0], c[1]) not in {("r01", "q1_retenir"), ("r02", "q1_retenir")}]
    codes += [("r01", "q1_retenir", "q1_adapt", ""), ("r02", "q1_retenir", "q1_etat", "")]
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation, answers=answers, codes=codes, respondents=RESPONDENTS,
         structures={"r02": "ACT Le Relais de l'Orb"})
    out = tmp_path_factory.mktemp("planted")
    # Threshold 1: every region gets its report and every testimony (disclosure control is
    # tested in test_disclosure_attack); no PDF, which only renders the HTML checked here.
    publish(con, consultation, OutputPaths(out), ner=ner, workers=1, threshold=1, formats=("html", "docx", "md"))
    return out


def published_texts(out: Path) -> dict[str, str]:
    """Every file a reader can open, as text (DOCX: every XML part; SVG: labels are comments)."""
    texts = {}
    for path in sorted(out.rglob("*")):
        if path.suffix in (".html", ".md", ".svg"):
            texts[str(path.relative_to(out))] = path.read_text(encoding="utf-8")
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as docx:
                texts[str(path.relative_to(out))] = "".join(
                    docx.read(n).decode("utf-8") for n in docx.namelist() if n.endswith(".xml"))
    return texts


def test_planted_personal_data_reaches_no_report_chart_or_index(planted):
    texts = published_texts(planted)
    kinds = {Path(name).suffix for name in texts}
    assert kinds == {".html", ".md", ".svg", ".docx"} and "index.html" in texts
    leaks = {name: [p for p in PLANTED if p in text] for name, text in texts.items()}
    assert {name: found for name, found in leaks.items() if found} == {}


def test_planted_data_is_replaced_by_placeholders_in_every_format(planted):
    texts = published_texts(planted)
    for name in ("reports/occitanie.html", "reports/occitanie.md", "reports/occitanie.docx",
                 "reports/synthese-nationale.html"):
        for placeholder in set(PLANTED.values()) - {"[lien]"}:
            assert placeholder in texts[name].replace("\\[", "[").replace("\\]", "]"), (name, placeholder)
    assert "Les équipes ont su s'adapter très vite." in html.unescape(texts["reports/occitanie.html"])


def test_long_texts_are_cut_for_the_model_between_sentences():
    from consultation.publish.redact import _chunks

    text = "Une phrase assez longue pour le test. " * 40 + "\nFin avec Karim Benali."
    pieces = _chunks(text, 200)
    assert "".join(piece for _, piece in pieces) == text
    assert all(text[offset:offset + len(piece)] == piece for offset, piece in pieces)
    assert all(len(piece) <= 200 for _, piece in pieces)
    assert all(piece.endswith((". ", "\n")) for _, piece in pieces[:-1])


def test_an_answer_longer_than_the_models_limit_is_redacted(ner, monkeypatch):
    import consultation.publish.redact as redact_module

    monkeypatch.setattr(redact_module, "NER_CHUNK", 300)  # as a million characters would be, but fast
    text = "Nous avons tenu bon pendant la crise. " * 30 + "Merci à Karim Benali, joignable au 06 12 34 56 78."
    redacted = Redactor([], nlp=ner)(text)
    assert redacted.endswith("Merci à [nom], joignable au [téléphone].")


def test_structure_names_found_per_text_are_those_of_every_name_at_once(ner):
    """150,000 structure names cannot be one regular expression: each text is matched against
    the names that can occur in it, and finds exactly what the whole list finds."""
    import random

    from consultation.publish.redact import StructureNames, _structure_patterns, french_lexicon

    lexicon = french_lexicon(ner)
    names = [*STRUCTURES, "ACT Le Lien", "LHSS Saint-Éloi", "LAM L'Escale", "ACT Hôpital de l'Orb",
             "Maison d'accueil Ça-Ira", "ACT Le Relais de l'Orb", "Structure B18", "Structure B180",
             "ACT La Maison", "LAM Œuvre Falret", "ACT 13 Habitat", "İstanbul Santé", "ACT Straße"]
    types = {"ACT", "LAM", "LHSS"}
    rng = random.Random(7)
    pieces = ["l'ACT le Lien", "au Lien", "garder le lien", "saint eloi", "SAINT-ÉLOI", "LHSS Saint Eloi",
              "l’escale", "L'Escale", "lam l escale", "hopital de l orb", "Hôpital de L'Orb", "ça ira",
              "Structure b18", "structure B1800", "la Maison", "maison", "oeuvre falret", "Œuvre Falret",
              "ACT 13 habitat", "istanbul santé", "ISTANBUL SANTÉ", "act strasse", "ACT STRASSE", "Straße",
              "le relais de l'orb", "relais", "nous", "avec", ",", ".", "\n", "auLien", "du Lien"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(400)]
    whole = _structure_patterns(names, types, lexicon)
    matcher = StructureNames(names, types, lexicon)
    for text in texts:
        expected = [(m.start("s"), m.end("s")) for p in whole for m in p.finditer(text)]
        found = [(m.start("s"), m.end("s")) for p in matcher.patterns(text) for m in p.finditer(text)]
        assert found == expected, text
    assert matcher.candidates("rien à signaler") == []
