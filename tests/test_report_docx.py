"""The Word reports, read back as Word would: styles, tables, pictures, captions, table of contents."""

from __future__ import annotations

import io
import itertools
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from consultation.publish.report_data import (
    QuestionTable,
    Reliability,
    Report,
    Section,
    ThemeGroup,
    ThemeRow,
)
from consultation.publish.report_docx import docx_bytes
from consultation.publish.report_text import guillemets
from test_report import written  # noqa: F401 - the module fixture: everything published once


@pytest.fixture
def occitanie(written):  # noqa: F811
    return Document(str(written / "reports" / "occitanie.docx"))


@pytest.fixture
def synthesis(written):  # noqa: F811
    return Document(str(written / "reports" / "synthese-nationale.docx"))


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def styled(doc, style: str) -> list[str]:
    return [plain(p.text) for p in doc.paragraphs if p.style.name == style]


def test_title_and_real_headings_for_a_table_of_contents(occitanie, synthesis):
    assert styled(occitanie, "Title") == ["Contribution au Ségur de la santé : Région Occitanie"]
    assert styled(occitanie, "Heading 1") == [
        "Gestion du COVID",
        "Pilier n° 1 : Transformer les métiers et revaloriser ceux qui soignent",
        "Recensement des initiatives pendant la crise",
    ]
    assert styled(synthesis, "Heading 1")[0] == "Participation par région"
    assert {"Région Occitanie", "Région Île-de-France"} <= set(styled(synthesis, "Heading 2"))
    # The contents are written out, not a field to update: a PDF made from the file has them.
    texts = [plain(p.text) for p in occitanie.paragraphs]
    start = texts.index("Sommaire")
    assert texts[start + 1:start + 4] == styled(occitanie, "Heading 1")
    assert "TOC \\o" not in occitanie.element.body.xml
    assert occitanie.settings.element.find(qn("w:updateFields")) is None


def test_category_rows_stay_with_their_first_theme(occitanie):
    covid = next(t for t in occitanie.tables if len(t.columns) == 2)
    heading = covid.rows[1].cells[0].paragraphs[0]
    assert plain(heading.text) == "ASPECTS POSITIFS" and heading.paragraph_format.keep_with_next


def test_two_column_tables_of_the_reference_with_figures_and_quotes(occitanie):
    tables = [t for t in occitanie.tables if len(t.columns) == 2]
    assert len(tables) == 2
    covid = tables[0]
    assert [c.text for c in covid.rows[0].cells] == [
        "Thèmes cités au niveau national (6 répondants) (Occurrence)",
        "Témoignages pour la Région Occitanie (2 répondants)",
    ]
    assert covid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
    heading_row = covid.rows[1]
    assert heading_row.cells[0].text == heading_row.cells[1].text == "ASPECTS POSITIFS"  # merged
    left, right = covid.rows[2].cells
    assert left.paragraphs[0].text == "Adaptabilité et innovation des ACT (2)"
    assert plain(left.paragraphs[1].text) == "France 33 % · Occitanie s"
    # A hidden figure: one testimony at most beside it, its own region's.
    assert [p.text for p in right.paragraphs if p.text] in (
        [], [guillemets("Les équipes ont su s'adapter très vite.")])


def test_charts_as_pictures_with_numbered_captions(occitanie):
    pictures = occitanie.inline_shapes
    assert len(pictures) == 2
    assert all(abs(p.width - Cm(16)) < Cm(0.01) for p in pictures)
    captions = styled(occitanie, "Caption")
    assert captions == [  # each caption names its question
        "Figure 1 : Si vous ne deviez retenir qu'une chose de cette crise sanitaire, que serait-elle ? : "
        "thèmes cités au niveau national",
        "Figure 2 : Vos propositions pour le pilier n° 1 : thèmes cités au niveau national"]
    assert occitanie.element.body.xml.count("SEQ Figure") == 2  # Word's « Table des illustrations »


def test_reliability_box_and_french_language(occitanie):
    box = occitanie.tables[0]
    assert len(box.columns) == 1 and box.cell(0, 0).paragraphs[0].text == "Fiabilité des chiffres"
    assert any("codées à la main" in p.text for p in box.cell(0, 0).paragraphs)
    lang = occitanie.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "fr-FR"
    assert plain(occitanie.core_properties.title) == "Contribution au Ségur de la santé : Région Occitanie"


def test_initiatives_as_bullets_with_their_follow_up(occitanie):
    bullets = styled(occitanie, "List Bullet")
    assert "Création d'une cellule d'écoute\ntéléphonique" in bullets
    texts = [p.text for p in occitanie.paragraphs]
    assert "Elle montre l'intérêt du lien à distance." in texts


needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason="LibreOffice (soffice) absent: no PDF check")


def libreoffice_pdf(docx: Path, out: Path) -> Path:
    """The PDF LibreOffice makes of a .docx, as `soffice --headless --convert-to pdf` does."""
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{out / 'lo-profile'}",
         "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        check=True, capture_output=True, timeout=180,
    )
    return out / f"{docx.stem}.pdf"


@needs_libreoffice
def test_libreoffice_converts_the_report_to_pdf(written, tmp_path):  # noqa: F811
    pdf = libreoffice_pdf(written / "reports" / "occitanie.docx", tmp_path)
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    assert Path(pdf).stat().st_size > 10_000


# --- Pages filled: a tall theme row splits, a short one stays whole ------------------------------
# Before (2026-12-07): every row of a theme table was kept whole (`w:cantSplit`), so a theme with
# several long testimonies jumped to the next page and left up to half a page blank.

_PROSE = ("les équipes ont tenu malgré le manque de personnel et de moyens il faudrait revaloriser les "
          "métiers du soin reconnaître l'engagement des aides-soignants pendant la crise sanitaire avec "
          "les familles les résidents et les tutelles dans chaque établissement du territoire")
_WORDS = _PROSE.split()
BLANK_AT_MOST = 1 / 3  # of a page's text area, at the bottom of any page but the last
SHORT_ROW_CHARS = 400  # a row whose testimonies total at most this (about 8 lines) is short


def _text(rng: random.Random, chars: int, marker: str) -> str:
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append(rng.choice(_WORDS))
    return f"{' '.join(words).capitalize()} {marker}"


def _filled_report(seed: int) -> Report:
    """Theme tables of generated testimonies: themes with none, one or many, short and long (up to
    the quote selector's 320 characters, and up to 8 a theme as `--temoignages 8` prints), labels
    of 10 to 150 characters, with and without category rows. Markers name each part of a table:
    `L<t>x<r>` ends a theme's label, `Q<t>x<r>x<k>` a testimony, `H<t>` is in the table's header,
    `T<t>` ends the question's heading before it, `C<t>x<g>` ends a category row."""
    rng = random.Random(seed)
    tables = []
    for t in range(rng.randint(2, 4)):
        rows = []
        for r in range(rng.randint(3, 12)):
            lengths = [rng.choice([rng.randint(20, 90), rng.randint(100, 220), rng.randint(240, 320)])
                       for _ in range(rng.choice([0, 1, 1, 2, 3, 4, 4, 6, 8]))]
            rows.append(ThemeRow(_text(rng, rng.randint(10, 150), f"L{t}x{r}"), 10, "France 33 % · Région 40 %",
                                 [_text(rng, n, f"Q{t}x{r}x{k}") for k, n in enumerate(lengths)]))
        cut = sorted(rng.sample(range(1, len(rows)), min(2, len(rows) - 1))) if rng.random() < 0.5 else []
        groups = ([ThemeGroup(f"CATÉGORIE {i} C{t}x{i}", rows[a:b]) for i, (a, b) in enumerate(zip([0, *cut], [*cut, len(rows)], strict=True))]
                  if cut else [ThemeGroup(None, rows)])
        tables.append(QuestionTable(f"q{t}", _text(rng, rng.randint(30, 160), f"T{t} ?"), f"Thèmes H{t} (Occurrence)",
                                    "Témoignages pour la Région", groups, "Note sous le tableau.", []))
    return Report(kind="region", region="Région", slug=f"pages-{seed}", title="Rapport", subtitle="Consultation",
                  intro=["Introduction."], reliability=Reliability("Fiabilité des chiffres", ["Une ligne."]),
                  sections=[Section("Première partie", tables[:1]), Section("Seconde partie", tables[1:])],
                  free_text=[])


def _pages(pdf: Path) -> list[tuple[str, float]]:
    """Each page's text and the share of its text area left blank under its lowest line of text."""
    from pypdf import PdfReader

    margin = 2.0 / 2.54 * 72  # report_docx._setup: 2 cm margins
    pages = []
    for page in PdfReader(pdf).pages:
        lows: list[float] = []

        def lowest(text, cm, tm, font, size, lows=lows) -> None:
            if text.strip():
                lows.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])  # the baseline's y on the page

        text = page.extract_text(visitor_text=lowest)
        area = float(page.mediabox.height) - 2 * margin
        pages.append((text, (min(lows, default=margin + area) - margin) / area))
    return pages


def _faults(report: Report, pages: list[tuple[str, float]]) -> dict[str, list]:
    """What the layout of `_filled_report` in LibreOffice's PDF must not show, by kind."""
    def on(marker: str) -> list[int]:
        return [i for i, (text, _) in enumerate(pages) if re.search(rf"\b{marker}\b", text)]

    bare = [re.sub(r"\s+", "", text) for text, _ in pages]

    def starts(quote: str, end: int) -> int:
        """The page where a testimony ending on page `end` starts (it is 6 lines at most): its
        first 30 characters on that page or the one before, spaces and line breaks aside."""
        head = re.sub(r"\s+", "", guillemets(quote))[:30]
        return next((i for i in (end - 1, end) if i >= 0 and head in bare[i]), end)

    faults: dict[str, list] = {kind: [] for kind in ("blank", "label", "short row split", "header",
                                                      "heading alone", "name apart")}
    faults["blank"] = [(i + 1, round(share, 2)) for i, (_, share) in enumerate(pages[:-1]) if share > BLANK_AT_MOST]
    tables = [(section, table) for section in report.sections for table in section.tables]
    for t, (section, table) in enumerate(tables):
        rows = [row for group in table.groups for row in group.rows]
        labels = [on(f"L{t}x{r}") for r in range(len(rows))]
        if any(len(label) != 1 for label in labels):
            faults["label"].append((t, labels))
            continue
        begins = []  # the page where each row starts: its theme's name or its first testimony
        spanned: set[int] = set()  # the pages the table's rows are on
        for r, row in enumerate(rows):
            label = labels[r]
            quotes = [on(f"Q{t}x{r}x{k}") for k in range(len(row.quotes))]  # where each testimony ends
            if sum(len(q) for q in row.quotes) <= SHORT_ROW_CHARS and any(q != label for q in quotes):
                faults["short row split"].append((f"L{t}x{r}", label, quotes))
            first = [starts(row.quotes[0], quotes[0][0])] if quotes and len(quotes[0]) == 1 else []
            # A theme's name on the page where its first testimony starts.
            if first and first != label:
                faults["name apart"].append((f"L{t}x{r}", label, first))
            begins.append(min(label + first))
            spanned |= {*label, *first, *(p for q in quotes for p in q)}
        # The header row is repeated on every page the table continues on.
        if on(f"H{t}") != list(range(min(spanned), max(spanned) + 1)):
            faults["header"].append((t, on(f"H{t}"), sorted(spanned)))
        # No heading alone at a page's foot: the heading just before the table (the question's,
        # or the section's when it has one table; also in the contents: its last page) and each
        # category row are on the page where the first row under them starts.
        heading = f"T{t}" if section.show_question_text else section.title
        if on(heading)[-1:] != begins[:1]:
            faults["heading alone"].append((heading, on(heading)[-1:], begins[:1]))
        first_row = 0
        for g, group in enumerate(table.groups):
            if group.heading and group.rows and on(f"C{t}x{g}") != [begins[first_row]]:
                faults["heading alone"].append((f"C{t}x{g}", on(f"C{t}x{g}"), begins[first_row]))
            first_row += len(group.rows)
    return faults


@needs_libreoffice
@pytest.mark.parametrize("seed", [1, 2, 3, 9])
def test_word_report_pages_are_filled_and_short_theme_rows_stay_whole(seed, tmp_path):
    """Pages filled, short rows whole, the header row repeated, no heading alone at a page's foot,
    and a theme's name on the page of its first testimony."""
    report = _filled_report(seed)
    docx = tmp_path / "report.docx"
    docx.write_bytes(docx_bytes(report))
    pages = _pages(libreoffice_pdf(docx, tmp_path))
    faults = _faults(report, pages)
    assert not any(faults.values()), (f"{len(pages)} pages", {k: v for k, v in faults.items() if v})


@pytest.mark.parametrize("seed", [1, 2, 3, 9])
def test_a_tall_theme_in_two_rows_reads_as_one(seed):
    """A tall theme's two rows (`_theme_rows`): the name's cell spans both, and no rule is drawn
    between its testimonies' two parts (seen without it: a line across the theme, as if two)."""
    document = Document(io.BytesIO(docx_bytes(_filled_report(seed))))
    split = 0
    for table in document.tables:
        for above, below in itertools.pairwise(table.rows):
            name = above._tr.tc_lst[0]  # not `above.cells[0]`: python-docx gives a merged cell's origin
            merge = name.tcPr.find(qn("w:vMerge")) if name.tcPr is not None else None
            if merge is None or merge.get(qn("w:val")) != "restart":
                continue
            split += 1
            assert below._tr.tc_lst[0].tcPr.find(qn("w:vMerge")) is not None  # the name's cell spans both
            for tc, side in ((above._tr.tc_lst[1], "bottom"), (below._tr.tc_lst[1], "top")):
                borders = tc.tcPr.find(qn("w:tcBorders"))
                edge = None if borders is None else borders.find(qn(f"w:{side}"))
                assert edge is not None and edge.get(qn("w:val")) == "nil", (seed, side)
    assert split, f"seed {seed}: no tall theme to check"
