"""The Word reports, read back as Word would: styles, tables, pictures, captions, table of contents."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

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

