"""A UTF-8 CSV opened as Windows-1252 in a spreadsheet, then saved as a workbook.

Excel opens a UTF-8 CSV without a BOM as Windows-1252 by default: « Région » shows as « RÃ©gion »,
« capacité » as « capacitÃ© ». Saved as .xlsx or .ods and sent on, the damage is in the cells. A
CSV damaged the same way was already repaired when read; a workbook was not: `consultation init`
stopped (« aucune colonne de région »), and where only the answers were damaged, a consultation
already set up imported them as « capacitÃ© » without a word (284 answers of the sample). Now a workbook's cells are repaired run by run as a CSV's are
(only runs that decode as UTF-8), and the reading says how many cells.

Generated here: the sample damaged whole or column by column, as Windows-1252 (with Latin-1 for
the five bytes it leaves undefined, as spreadsheets do); and through LibreOffice itself (slow):
a survey tool's UTF-8 CSV opened with the Windows-1252 character set and converted to .xlsx and
.ods. A workbook damaged twice (« ÃƒÂ© ») is repaired too (three passes at most). Not covered:
an .xls saved by Excel itself.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess

import openpyxl
import pytest

from ingest_family_support import HEADER, ROWS, ingest
from survey_tools import export, incomplete_answers
from test_survey_tools import _draft_and_ingest

UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # bytes Windows-1252 leaves undefined: Latin-1 there


def _as_windows_1252(text: str) -> str:
    return "".join(bytes([b]).decode("latin-1" if b in UNDEFINED else "cp1252") for b in text.encode("utf-8"))


def _clean(texts: list[str]) -> list[str]:
    return sorted(" ".join(t.split()) for t in texts)


@pytest.mark.parametrize("seed", range(12))
def test_a_workbook_saved_from_a_csv_opened_as_windows_1252_is_read_as_written(tmp_path, seed):
    rng = random.Random(seed)
    damaged = set(range(len(HEADER))) if seed % 3 == 0 else set(rng.sample(range(len(HEADER)), rng.randint(3, len(HEADER))))
    damaged.add(HEADER.index("Région"))
    times = 2 if seed % 4 == 1 else 1  # opened wrong, saved, and opened wrong again

    def damage(text: str) -> str:
        for _ in range(times):
            text = _as_windows_1252(text)
        return text

    book = openpyxl.Workbook()
    for row in [HEADER, *ROWS]:
        book.active.append([damage(v) if i in damaged else v for i, v in enumerate(row)])
    path = tmp_path / "export" / f"reponses-{seed}.xlsx"
    path.parent.mkdir()
    book.save(path)

    draft, _, report, texts = _draft_and_ingest(path)
    assert draft.region == ["Région"] and len(draft.questions) == 10
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (47, 47, 0)
    assert report.unknown_regions == []
    expected = [v for row in ROWS for h, v in zip(HEADER, row, strict=True) if h[0].isdigit() and v.strip()]
    assert texts == _clean(expected)  # every accent back, nothing else changed
    (said,) = [w for w in draft.read if "accents mal décodés" in w]
    repaired = re.search(r"dans ([\d\u202f]+) (cellules?), réparés", said)  # the word agreed with the count
    assert repaired and repaired[2] == ("cellules" if int(repaired[1].replace("\u202f", "")) > 1 else "cellule"), said


@pytest.mark.slow  # LibreOffice converts each file: a few seconds each
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("tool", ["google_forms", "typeform", "tally", "framaforms"])
@pytest.mark.parametrize("target", ["xlsx", "ods"])
def test_a_tools_csv_opened_in_libreoffice_as_windows_1252_and_saved_is_read_as_written(tmp_path, tool, target):
    made = export(tool, "csv", tmp_path / "orig")
    out = tmp_path / "converted"
    # CSV import options: comma, double quote, character set 1 (Windows-1252), from line 1.
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless",
         "--infilter=CSV:44,34,1,1", "--convert-to", target, "--outdir", str(out), str(made.path)],
        capture_output=True, text=True, timeout=300,
    )
    (converted,) = list(out.glob(f"*.{target}")) or [None]
    assert converted is not None, done.stderr[-1000:]
    work = tmp_path / "work"
    work.mkdir()
    path = work / converted.name
    path.write_bytes(converted.read_bytes())

    draft, _, report, texts = _draft_and_ingest(path)
    assert len([w for w in draft.read if "accents mal décodés" in w]) == 1  # the file was damaged, and repaired
    assert draft.region == [made.region] and sorted(q.header for q in draft.questions) == sorted(made.questions)
    respondents = 47 + made.incomplete
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (respondents, respondents, 0)
    expected = [v for row in ROWS for h, v in zip(HEADER, row, strict=True) if h[0].isdigit() and v.strip()]
    extra = incomplete_answers() if made.incomplete else []
    assert texts == _clean(expected + extra)


def test_answers_damaged_in_a_workbook_are_imported_as_written_and_said(tmp_path):
    """The headers intact, the answers damaged: the sample's own consultation.yaml imports the
    answers with their accents, and the import's report says what was repaired."""
    def imported(name: str, damage) -> tuple[list[str], list[str]]:
        book = openpyxl.Workbook()
        book.active.append(HEADER)
        for row in ROWS:
            book.active.append([damage(v) if h[0].isdigit() else v for h, v in zip(HEADER, row, strict=True)])
        data = io.BytesIO()
        book.save(data)
        con, report = ingest(tmp_path, name, data.getvalue(), filename="reponses.xlsx")
        assert report.rows_ingested == 47
        texts = [t for (t,) in con.execute("SELECT text FROM answers WHERE text <> ''").fetchall()]
        con.close()
        return texts, report.warnings

    clean, _ = imported("propre", lambda v: v)
    texts, warnings = imported("abime", _as_windows_1252)
    assert not [t for t in texts if "Ã" in t]
    assert _clean(texts) == _clean(clean)
    assert any("accents mal décodés" in w for w in warnings)


def test_a_csv_damaged_twice_is_read_as_written(tmp_path):
    """A UTF-8 CSV opened as Windows-1252 and saved in UTF-8, twice (« ÃƒÂ© »): repaired whole."""
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([HEADER, *ROWS])
    clean = buf.getvalue()
    con, report = ingest(tmp_path, "propre", clean.encode("utf-8"))
    expected = [t for (t,) in con.execute("SELECT text FROM answers WHERE text <> ''").fetchall()]
    con.close()
    damaged = _as_windows_1252(_as_windows_1252(clean))
    assert "ÃƒÂ©" in damaged
    con, report = ingest(tmp_path, "abime", damaged.encode("utf-8"))
    texts = [t for (t,) in con.execute("SELECT text FROM answers WHERE text <> ''").fetchall()]
    assert report.rows_ingested == 47 and _clean(texts) == _clean(expected)
