"""A civility and the word after it: the redactor and the post-render scanner agree on the whole family.

The finding (BENCHMARKS.md, publication at 100k answers): the national synthesis lists initiatives
one after the other; one respondent's follow-up ended « … adaptée aux Monsieur » (a word the
generator drew), the next initiative opened « Pendant le confinement… », and the scanner, reading
across the two paragraphs, took « Pendant » for a surname and stopped the publication. The same
disagreement held for ordinary words right after a civility (« Monsieur et Madame tout le monde »,
« Madame très vite ») and, the other way, a name on the line after its civility (« Madame\\nDupont »)
was left by the redactor and flagged by the scanner.

The rule both now follow: a civility introduces, in the same paragraph (spaces, or one line break),
a name unless the word is a French function word or a function (« le Président »); a blank line,
a new list item, another table cell is another text. Every case below is generated: civilities ×
separators × words (surnames, first names, hyphenated, accented, capitalised French words, function
words) × case × what follows; none needs the spaCy model.
"""

from __future__ import annotations

import importlib
import itertools
import random
import zipfile
from pathlib import Path

import pytest
from spacy.lang.fr.stop_words import STOP_WORDS

from consultation.publish.leakscan import published_text, scan_files, scan_text
from consultation.publish.redact import Redactor
from consultation.text import fold

CIVILITIES = ["Madame", "Monsieur", "Mademoiselle", "madame", "monsieur", "Mme", "Mlle", "M.", "Dr", "Dr.",
              "Docteur", "Pr", "Professeur", "MADAME", "mme"]
# Between the civility and the word, in one paragraph: what a respondent types or a renderer writes.
SAME_PARAGRAPH = [" ", "  ", "\t", "\u00a0", "\u202f", "\n", " \n", "\n  ", "\r\n"]
FOLLOWERS = ["", ".", ",", " a appelé.", " et son équipe", ")", " !"]
LEADS = ["", "Merci à ", "Contact : ", "(", "Nous avons vu "]


def _people(attribute: str, n: int | None = None, seed: int = 0) -> list[str]:
    names = sorted({name for locale in ("fr_FR", "fr_BE", "fr_CH")
                    for name in getattr(importlib.import_module(f"faker.providers.person.{locale}").Provider,
                                        attribute, ())})
    return names if n is None else random.Random(seed).sample(names, n)


def _words(seed: int = 15) -> list[str]:
    """Names and words a civility may meet, in the spellings respondents use."""
    surnames = _people("last_names", 60, seed)
    first = _people("first_names", 20, seed)
    # The generator's own draw: capitalised French words, as at the head of a sentence.
    french = ["Pendant", "Peuvent", "Bénévoles", "Distribution", "Création", "Organisation", "Mise", "Santé",
              "Occitanie", "Covid", "Soins", "Accueil", "Équipe", "Œuvre", "Après"]
    function = sorted(w for w in STOP_WORDS if len(w) > 2 and w.isalpha())
    function = random.Random(seed).sample(function, 40)
    shaped = ["Dupont-Aignan", "Le Goff", "de Villiers", "d'Estaing", "N'Diaye", "Lefèvre", "Öztürk", "Ménard",
              "Schiappa", "Bourguignon", "Cresson"]
    words = surnames + first + french + function + shaped
    return words + [w.lower() for w in words[:40]] + [w.upper() for w in words[:20]] + [w.capitalize() for w in function]


def _cases(n: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    words = _words(seed)
    every = list(itertools.product(LEADS, CIVILITIES, SAME_PARAGRAPH, words, FOLLOWERS))
    return [f"{lead}{civ}{sep}{word}{follow}" for lead, civ, sep, word, follow in rng.sample(every, n)]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(["ACT Le Relais de l'Orb"])


def test_whatever_the_scanner_takes_for_a_name_after_a_civility_is_redacted_first(redactor):
    cases = _cases(3000)
    flagged_raw = sum(1 for text in cases if any(k == "name" for k, _, _ in scan_text(text)))
    left = []
    for text, output in zip(cases, redactor.redact_many(cases), strict=True):
        names = [item for kind, _, item in scan_text(output) if kind == "name"]
        if names:
            left.append(f"{text!r} -> {output!r}: {names}")
    print(f"\n{len(cases)} generated texts, {flagged_raw} with a name the scanner sees before redaction, "
          f"{len(left)} after")
    assert flagged_raw > len(cases) // 3  # the family is exercised, not dodged
    assert left == []


@pytest.mark.parametrize("sentence", [
    "C'est très bien de responsabiliser Monsieur et Madame tout le monde, mais regardons plus loin.",
    "racheter un administrateur qui passeraient Monsieur tous ces mêmes villages.",
    "Rendre totalement social toutes les Monsieur des élus.",
    "Ça députés qu'on peut Madame très vite des réponses.",
    "Je Madame certaines autres pour de consommation.",
    "Monsieur le Président, Madame la Directrice, Madame la directrice, Monsieur le maire.",
    "Madame Responsable du service, Monsieur Adjoint au maire, madame Docteur.",
])
def test_ordinary_french_after_a_civility_is_not_a_name(sentence):
    """Sentences of the generated 100k consultation (the generator redraws a quarter of the words)."""
    assert [f for f in scan_text(sentence) if f[0] == "name"] == []


def test_no_french_function_word_is_taken_for_a_name_after_a_civility():
    surnames = {fold(n) for n in _people("last_names")}
    words = [w for w in STOP_WORDS if len(w) > 2 and w.isalpha() and fold(w) not in surnames]
    flagged = [(civ, w) for civ in CIVILITIES for w in words
               for text in (f"{civ} {w} la suite.", f"{civ} {w.capitalize()} la suite.")
               if [f for f in scan_text(text) if f[0] == "name"]]
    print(f"\n{len(CIVILITIES) * len(words) * 2} civility + function word texts, {len(flagged)} flagged")
    assert flagged == []


def test_a_name_on_the_line_after_its_civility_is_found_by_both(redactor):
    for civ, sep, name in itertools.product(["Madame", "monsieur", "Mme", "M.", "Dr"], ["\n", " \n ", "\u00a0"],
                                            ["Dupont", "dupont", "Lefèvre", "DURAND"]):
        text = f"Contact : {civ}{sep}{name}, référente."
        assert [item for kind, _, item in scan_text(text) if kind == "name"] == [name], text
        assert name not in redactor(text), text


# --- across paragraphs: another text, often another respondent's -----------------------------------

def _html(paragraphs: list[str]) -> str:
    items = "".join(f'<li>\n<p class="answer">{p}</p>\n</li>\n' for p in paragraphs)
    return f'<html><body><ul class="initiatives">\n{items}</ul></body></html>'


def _markdown(paragraphs: list[str]) -> str:
    return "\n".join("- " + p.replace("\n", "\\\n  ") for p in paragraphs) + "\n\n" + "\n\n".join(paragraphs)


def _docx(path: Path, paragraphs: list[str]) -> None:
    body = "".join("<w:p><w:r><w:t>" + p.replace("\n", "</w:t><w:br/><w:t>") + "</w:t></w:r></w:p>"
                   for p in paragraphs)
    with zipfile.ZipFile(path, "w") as docx:
        docx.writestr("word/document.xml", f"<w:document><w:body>{body}</w:body></w:document>")


def _written(folder: Path, paragraphs: list[str]) -> list[Path]:
    html_file, md_file, docx_file = folder / "r.html", folder / "r.md", folder / "r.docx"
    html_file.write_text(_html(paragraphs), encoding="utf-8")
    md_file.write_text(_markdown(paragraphs), encoding="utf-8")
    _docx(docx_file, paragraphs)
    return [html_file, md_file, docx_file]


def _paragraph_pairs(seed: int = 17) -> list[tuple[str, str]]:
    """One text ends on a civility (as « … adaptée aux Monsieur »), the next opens on any word."""
    rng = random.Random(seed)
    ends = [f"{lead}{civ}{tail}" for lead in ("pense envers les ", "Organisation peu adaptée aux ", "Merci ")
            for civ in CIVILITIES for tail in ("", " ", ".")]
    starts = [f"{w[:1].upper()}{w[1:]} le confinement, on a déposé des colis." for w in _words(seed)]
    return [(rng.choice(ends), rng.choice(starts)) for _ in range(300)]


def test_a_civility_ending_one_paragraph_does_not_name_the_first_word_of_the_next(tmp_path, redactor):
    """Rendered as the reports render initiatives (HTML list items, Markdown list items, Word
    paragraphs): each text redacted alone, as the reports do, and scanned together."""
    pairs = _paragraph_pairs()
    paragraphs = [p for pair in pairs for p in redactor.redact_many(list(pair))]
    alone = [p for p in paragraphs if [f for f in scan_text(p) if f[0] == "name"]]
    assert alone == []
    findings = [f for f in scan_files(_written(tmp_path, paragraphs)) if f.kind == "name"]
    print(f"\n{len(pairs)} pairs of paragraphs in HTML, Markdown and Word: {len(findings)} name(s) found")
    assert findings == []


def test_a_name_broken_over_a_line_inside_one_paragraph_is_still_seen_in_every_format(tmp_path):
    """The scanner keeps reading across a line break inside a paragraph (HTML `pre-line`, Markdown
    hard break, Word line break): what a reader reads as « Madame Dupont »."""
    files = _written(tmp_path, ["Une initiative portée par Madame\nDupont depuis mars."])
    assert {f.file.suffix for f in scan_files(files) if f.kind == "name"} == {".html", ".md", ".docx"}
    assert "Madame\nDupont" in published_text(tmp_path / "r.html")


@pytest.mark.slow
def test_the_pdf_keeps_paragraphs_apart_and_lines_of_one_paragraph_together(tmp_path):
    """A PDF rendered by WeasyPrint, read back as the scanner reads it (layout text)."""
    from weasyprint import HTML

    pairs = _paragraph_pairs()[:60]
    html = _html([p for pair in pairs for p in pair]).replace(
        "<html>", "<html><head><style>.answer { white-space: pre-line; } li { margin-bottom: 1em; }</style></head>")
    HTML(string=html).write_pdf(tmp_path / "apart.pdf")
    assert [f for f in scan_files([tmp_path / "apart.pdf"]) if f.kind == "name"] == []
    HTML(string=_html(["Une initiative portée par Madame\nDupont depuis mars."])).write_pdf(tmp_path / "together.pdf")
    assert [f.kind for f in scan_files([tmp_path / "together.pdf"])] == ["name"]


@pytest.mark.slow
def test_the_synthesis_lists_one_initiative_after_another_and_publishes(tmp_path):
    """The finding itself, through `publish` (every format): a follow-up ending on « Monsieur », the
    next respondent's initiative opening « Pendant… », and a name on the line after its civility."""
    from consultation import store
    from consultation.publish.report import publish
    from consultation.store.paths import OutputPaths
    from test_report import ANSWERS, HUMAN_CODES, RESPONDENTS, fill, make_consultation

    answers = [a for a in ANSWERS if a[1] != "initiatives"] + [
        ("r01", "initiatives", "Création d'une cellule d'écoute téléphonique.",
         "Organisation complexe, impôt et souvent peu adaptée aux Monsieur"),
        ("r02", "initiatives", "Pendant le confinement, on a déposé chaque semaine des colis.", None),
        ("r03", "initiatives", "Une cellule tenue par Madame\nDupont depuis mars.", None),
    ]
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation, answers=answers, codes=HUMAN_CODES, respondents=RESPONDENTS)
    paths = OutputPaths(tmp_path / "out")
    result = publish(con, consultation, paths, redactor=Redactor([]), workers=1, charts=True, threshold=1)
    synthesis = next(p for p in result.reports if p.suffix == ".html" and "synthese" in p.stem)
    text = published_text(synthesis)
    assert "aux Monsieur" in text and "Pendant le confinement" in text
    assert {p.suffix for p in result.reports} >= {".html", ".md", ".docx"}
    for path in paths.root.rglob("*"):
        if path.suffix in (".html", ".md", ".docx", ".pdf"):
            assert "Dupont" not in published_text(path), path


def _two_columns(rows: list[tuple[str, str]]) -> str:
    """The reports' theme table: themes and figures on the left, testimonies on the right, each
    cell's lines kept (`pre-line`), as a PDF report lays them side by side."""
    body = "".join(f'<tr><td class="l">{left}</td><td class="r">{right}</td></tr>' for left, right in rows)
    style = ("table { width: 100%; border-collapse: collapse; } td { vertical-align: top; white-space: pre-line; "
             "padding: 2px 6px; } td.l { width: 38%; } td.r { width: 62%; }")
    return f"<html><head><style>{style}</style></head><body><table>{body}</table></body></html>"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_a_civility_ending_a_line_of_one_column_is_read_with_its_own_column_in_the_pdf(tmp_path, seed):
    """Found at 1M (2026-12-07): in a PDF report's layout text, « … Il déchets Monsieur » ending a
    line of the testimonies' column was followed by the next line of the themes' column, « France 20 %
    · La Réunion 18 % », taken for a name: the publication stopped. The other way, a name on the next
    line of its own column was read after the left column's words, not after its civility. Generated:
    civilities × capitalised words opening the left column's lines × what follows the civility."""
    from weasyprint import HTML

    rng = random.Random(seed)
    words = [w for w in _words(seed) if w[:1].isupper() and fold(w).isalpha()]
    clean, named = [], []
    for _ in range(12):
        civ = rng.choice(["Madame", "Monsieur", "Mme", "Docteur"])
        left = "\n".join(f"{rng.choice(words)} {rng.randint(1, 99)} % · {rng.choice(words)}" for _ in range(4))
        clean.append((left, f"« L'implication des soignants, qui ont tenu. Il parlait à {civ}\nle directeur de tout cela. »"))
        named.append((left, f"« Un appel de {civ}\nZébulonne depuis mars, puis plus rien. »"))
    HTML(string=_two_columns(clean)).write_pdf(tmp_path / "clean.pdf")
    HTML(string=_two_columns(named)).write_pdf(tmp_path / "named.pdf")
    assert [f for f in scan_files([tmp_path / "clean.pdf"]) if f.kind == "name"] == []
    found = [f for f in scan_files([tmp_path / "named.pdf"]) if f.kind == "name"]
    assert len(found) == len(named) and all(f.masked.startswith("Zé…ne") for f in found), found
