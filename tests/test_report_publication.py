"""What a report author sends: the PDF, a Word file of a mailable size, and a second run that
rewrites nothing when nothing changed."""

from __future__ import annotations

import io

import pytest

from consultation import store
from consultation.publish.report import MEMORY_FILE, publish
from consultation.store.paths import OutputPaths
from test_report import CID, OCC, fill, make_consultation


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("pub")
    consultation, con = make_consultation(), store.connect(None)
    fill(con, consultation)
    first = publish(con, consultation, OutputPaths(out), workers=1, threshold=2)
    return out, consultation, con, first


def test_a_pdf_for_every_report_and_the_synthesis_with_its_text_and_pages(published):
    from pypdf import PdfReader

    out, *_ = published
    pdfs = sorted(p.name for p in (out / "reports").glob("*.pdf"))
    assert pdfs == ["ile-de-france.pdf", "occitanie.pdf", "synthese-nationale.pdf"]
    reader = PdfReader(io.BytesIO((out / "reports" / "occitanie.pdf").read_bytes()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert 2 <= len(reader.pages) <= 12
    assert "Région Occitanie" in text and "Fiabilité des chiffres" in text
    assert "secret statistique" in text
    assert "Adaptabilité et innovation des ACT" in text
    # The charts are vectors: the chart's labels are text in the PDF, not pixels.
    assert "thèmes cités au niveau national" in text
    synthesis = PdfReader(io.BytesIO((out / "reports" / "synthese-nationale.pdf").read_bytes()))
    assert "Participation par région" in " ".join(p.extract_text() for p in synthesis.pages)


def test_word_files_are_small_enough_to_mail(published):
    out, *_ = published
    for path in (out / "reports").glob("*.docx"):
        assert path.stat().st_size <= 500_000, path.name


def test_a_second_run_with_nothing_changed_rewrites_no_file(published, monkeypatch):
    from consultation.publish import leakscan

    out, consultation, con, first = published
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in first.files}
    scanned: list[str] = []
    read = leakscan.published_text
    monkeypatch.setattr(leakscan, "published_text", lambda p: scanned.append(p.name) or read(p))
    again = publish(con, consultation, OutputPaths(out), workers=1, threshold=2)
    assert sorted(again.files) == sorted(before)
    changed = [p.name for p in again.files if (p.read_bytes(), p.stat().st_mtime_ns) != before[p]]
    assert changed == []
    # Nothing changed: the leak scanner read none of them again (they are in its record of clean files).
    assert scanned == []


def test_one_region_changed_rewrites_its_outputs_and_the_national_ones_only(published, tmp_path):
    import shutil

    out, consultation, con, _ = published
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, copy_function=shutil.copy2)
    # Not the scanner's record of clean files, nor the memory of what the publications told a reader:
    # the first publication after this module's one records what that one hid (« earlier »), so it
    # changes here unless `test_a_second_run…` happened to run first on the same worker.
    before = {p.relative_to(copy): p.stat().st_mtime_ns for p in copy.rglob("*")
              if p.is_file() and p.name not in {".leakscan.json", MEMORY_FILE}}
    con.execute("UPDATE answers SET text = 'Les équipes ont su s''adapter très vite, vraiment.' "
                "WHERE consultation_id = ? AND respondent_id = 'r01' AND question_id = 'q1_retenir'", [CID])
    try:
        publish(con, consultation, OutputPaths(copy), workers=1, threshold=2)
    finally:
        con.execute("UPDATE answers SET text = 'Les équipes ont su   s''adapter très vite.' "
                    "WHERE consultation_id = ? AND respondent_id = 'r01' AND question_id = 'q1_retenir'", [CID])
    rewritten = sorted(str(p) for p, mtime in before.items() if (copy / p).stat().st_mtime_ns != mtime)
    assert rewritten, "the changed answer must show somewhere"
    assert all(OCC.lower() in name or "synthese-nationale" in name for name in rewritten), rewritten
    assert not any("ile-de-france" in name for name in rewritten)


@pytest.mark.slow  # a second PDF rendering (20 s); the PDF of every report is checked daily by the test above
def test_a_pdf_left_behind_by_a_run_without_pdf_is_rendered_again(published, tmp_path):
    """`consultation report --format html` after a change, then a full run: the PDF must follow the
    HTML it was made from, though this last run found the HTML already up to date."""
    import shutil

    from pypdf import PdfReader

    out, consultation, con, _ = published
    copy = tmp_path / "copy"
    shutil.copytree(out, copy, copy_function=shutil.copy2)
    con.execute("UPDATE answers SET text = ? WHERE consultation_id = ? AND respondent_id = 'r01' "
                "AND question_id = 'q1_retenir'", ["Les équipes ont su s'adapter très vite, et le PDF le dit.", CID])
    try:
        publish(con, consultation, OutputPaths(copy), workers=1, threshold=2, formats=("html",))
        publish(con, consultation, OutputPaths(copy), workers=1, threshold=2)
        pdf = copy / "reports" / "synthese-nationale.pdf"
        text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
        assert "et le PDF le dit" in text
        before = pdf.stat().st_mtime_ns
        publish(con, consultation, OutputPaths(copy), workers=1, threshold=2)
        assert pdf.stat().st_mtime_ns == before  # up to date now: left alone
    finally:
        con.execute("UPDATE answers SET text = 'Les équipes ont su   s''adapter très vite.' "
                    "WHERE consultation_id = ? AND respondent_id = 'r01' AND question_id = 'q1_retenir'", [CID])
