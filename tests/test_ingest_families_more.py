"""More generated families of exports that were read wrong without a word (2026-12-06): quotes
inside an unquoted cell, lone carriage returns, files cut in the middle of their last row, merged
cells in workbooks. Each file is checked against the same answers exported cleanly (quoted UTF-8
CSV): rows read = ingested + quarantined, every respondent ingested exactly as the clean export
gives it or set aside with a reason naming its row, none invented, the raw file unchanged.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from consultation.ingest.readers import column_letter
from ingest_family_support import ANSWERS, HEADER, ROWS
from ingest_family_support import content as _content
from ingest_family_support import ingest as _ingest
from ingest_family_support import quoted as _quoted

NAME, TYPE, REGION = HEADER.index("Nom de la structure"), HEADER.index("Type de structure"), HEADER.index("Région")


def _flat(rows: list[list[str]], delimiter: str) -> list[list[str]]:
    """The sample's answers as a tool that never quotes can write them: on one line, without the
    delimiter (which such a tool would have cut the row at)."""
    other = "/" if delimiter != "," else ";"
    return [[c.replace("\n", " ").replace(delimiter, other) for c in r] for r in rows]


def _join(rows: list[list[str]], delimiter: str, end: str) -> str:
    """Rows joined without quotes; the header too (its punctuation is not part of its key)."""
    return end.join(delimiter.join(r) for r in [*_flat([HEADER], delimiter), *rows]) + end


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def _encodable(rows: list[list[str]], encoding: str) -> list[list[str]]:
    return [[c.encode(encoding, "replace").decode(encoding) for c in r] for r in rows]


# --------------------------------------------------------------------------
# Quotes inside an unquoted cell
# --------------------------------------------------------------------------

# Answers that start with a quote which does not wrap the whole cell, and quotes elsewhere in a cell.
_QUOTED_STARTS = [
    '"Citation" puis suite',
    '"Citation puis suite',  # never closed
    '"Le soin" avant tout, "la santé" ensuite',
    '""Double" guillemet',
    '"Un" "deux" "trois',
    '"',
]
# Not in the family: a cell that is a whole quoted text (`"Citation"`, or `"Citation" ` before the
# delimiter) is what a quoting tool writes for « Citation »; the file cannot tell them apart.
_QUOTED_INSIDE = ['Il a dit "oui" hier', 'Un guillemet " seul', 'Fin sur un guillemet "', 'Pouces 5"']


@pytest.mark.parametrize("seed", range(12))
def test_quotes_inside_an_unquoted_cell_are_kept_as_written(seed, tmp_path, clean_reference):
    """A tool that joins cells without quoting them: `"Citation" puis suite` was stored as
    « Citation puis suite », and an odd number of quotes refused the whole file with « un
    guillemet n'est probablement pas fermé »."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", ",", "\t"])
    end = rnd.choice(["\r\n", "\n", "\r"])
    encoding = rnd.choice(["utf-8", "utf-8-sig", "cp1252", "utf-16"])
    rows = _encodable(_flat(ROWS, delimiter), encoding)
    planted = sorted(rnd.sample(range(len(rows)), rnd.randint(1, 4)))
    if seed % 3 == 0:
        planted = sorted({*planted, len(rows) - 1})  # the last row too
    for i in planted:
        column = rnd.choice([*ANSWERS, ANSWERS[-1], NAME])
        rows[i][column] = rnd.choice([*_QUOTED_STARTS, *_QUOTED_INSIDE]).replace(delimiter, "/")
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"q{seed}", _encode(_join(rows, delimiter, end), encoding))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0), report.warnings
    assert _content(con) == expected
    starts = [i for i in planted if any(c.startswith('"') for c in rows[i])]
    if starts:
        warning = next(w for w in report.warnings if "guillemet" in w)
        assert all(str(i + 2) in warning for i in starts[:10])


def test_a_quote_opened_then_one_closing_lines_below_keeps_the_rows_apart(tmp_path, clean_reference):
    """An unquoted file: a cell opens a quote, a cell three rows below ends with one just before
    the delimiter. Read as one quoted cell (as RFC 4180 reads it), the rows between were one row,
    quarantined as « ligne mal formée » (4 rows read as 1). A quoted cell holding lines that start
    like its row, with many delimiters, is not a quoted cell."""
    rows = _flat(ROWS, ";")
    rows[10][ANSWERS[-1]] = '"Citation puis suite'
    rows[13][ANSWERS[3]] = 'Fin sur un guillemet "'
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "span", _join(rows, ";", "\r\n").encode("utf-8"))
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (len(rows), len(rows), 0)
    assert _content(con) == expected


def test_a_lone_opening_quote_in_an_unquoted_file_keeps_the_rows_after_it(tmp_path, clean_reference):
    """The file's only quote opens a cell and never closes: every row after it was read into that
    cell (or the file refused); they are rows."""
    rows = _flat(ROWS, ";")
    rows[5][ANSWERS[2]] = '"Citation jamais fermée'
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "lone", _join(rows, ";", "\r\n").encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected


# --------------------------------------------------------------------------
# Carriage returns
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
def test_a_lone_carriage_return_inside_an_unquoted_cell_stays_in_its_answer(seed, tmp_path, clean_reference):
    """Old Mac text pasted into an answer (« \\r » alone) in a file whose lines end with CRLF or LF:
    the row was cut at the « \\r », the end of the answer (in the last column) lost or the row
    quarantined."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", ",", "\t"])
    end = rnd.choice(["\r\n", "\n"])
    rows = _flat(ROWS, delimiter)
    planted = sorted(rnd.sample(range(len(rows)), rnd.randint(1, 4)))
    for i in planted:
        column = rnd.choice([*ANSWERS, ANSWERS[-1], ANSWERS[-1]])  # the last column most
        text = rows[i][column] or "Réponse"
        cut = rnd.randint(1, len(text) - 1) if len(text) > 1 else 1
        rows[i][column] = text[:cut] + rnd.choice(["\r", "\r\r", "\r "]) + text[cut:]
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"cr{seed}", _join(rows, delimiter, end).encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0), report.warnings
    assert _content(con) == expected


@pytest.mark.parametrize("seed", range(6))
def test_carriage_return_line_ends_and_mixes_read_every_row(seed, tmp_path, clean_reference):
    """Old Mac exports end lines with « \\r » alone; pasted files mix CR, LF and CRLF line by line;
    answers in quotes hold their own line breaks."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", ",", "\t"])
    quoted = rnd.random() < 0.5
    rows = [list(r) for r in ROWS] if quoted else _flat(ROWS, delimiter)
    if quoted:
        rows = [[c.replace("\n", rnd.choice(["\r", "\n", "\r\n"])) for c in r] for r in rows]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    mode = rnd.choice(["cr", "halves", "each"])
    lines = []
    for i, r in enumerate([HEADER, *rows]):
        buf.seek(0)
        buf.truncate()
        if quoted:
            writer.writerow(r)
            line = buf.getvalue()[:-2]
        else:
            line = delimiter.join(_flat([r], delimiter)[0])
        if mode == "cr":
            ending = "\r"
        elif mode == "halves":
            ending = "\r" if i > len(rows) // 2 else rnd.choice(["\n", "\r\n"])
        else:
            ending = rnd.choice(["\r", "\n", "\r\n"])
        lines.append(line + ending)
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"ends{seed}", "".join(lines).encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0), report.warnings
    assert _content(con) == expected


# --------------------------------------------------------------------------
# A file cut in the middle of its last row
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_a_file_cut_in_its_last_row_sets_that_row_aside(seed, tmp_path, clean_reference):
    """A download or copy that stopped early: the last row, short of its last fields, was padded
    and ingested with a cut answer; cut inside a quoted answer, the whole file was refused."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", ",", "\t"])
    quoting = rnd.choice(["minimal", "all", "none"])
    rows = [list(r) for r in ROWS] if quoting != "none" else _flat(ROWS, delimiter)
    if quoting == "none":
        data = _join(rows, delimiter, "\r\n")
    else:
        buf = io.StringIO(newline="")
        style = csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=style).writerows([HEADER, *rows])
        data = buf.getvalue()
    last = rows[-1]
    # Cut before the last field: somewhere in one of the answers before the last column.
    column = rnd.choice(ANSWERS[:-1])
    start = data.rindex(last[1])  # the last row's id
    at = data.index(last[column][:20], start) + rnd.randint(1, max(1, len(last[column]) // 2))
    cut = data[:at]
    kept = rows[:-1]
    expected_respondents, expected_answers = clean_reference(kept)
    con, report = _ingest(tmp_path, f"cut{seed}", cut.encode("utf-8"))
    respondents, answers = _content(con)
    assert (report.rows_ingested, report.rows_quarantined) == (len(kept), 1), report.warnings
    assert respondents == expected_respondents
    assert answers == expected_answers
    (row, reason) = con.execute("SELECT source_row, reason FROM quarantine").fetchone()
    assert row == len(rows) + 1
    assert "coupé" in reason


def test_a_row_short_of_trailing_empty_cells_at_the_end_of_a_file_is_still_read(tmp_path, clean_reference):
    """Excel drops a row's trailing empty cells: a last row that is short but complete (a final line
    break after it) is read, padded."""
    rows = [list(r) for r in ROWS]
    for c in range(ANSWERS[3], len(HEADER)):
        rows[-1][c] = ""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows[:-1])
    writer.writerow(rows[-1][: ANSWERS[3]])
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "short", buf.getvalue().encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected


# --------------------------------------------------------------------------
# Merged cells in a workbook
# --------------------------------------------------------------------------


def _merged_workbook(path: Path, rows: list[list[str]], rnd: random.Random) -> tuple[list[list[str]], list[str]]:
    """The rows grouped by region, the region (and sometimes the type, an answer) typed once over a
    vertical merged range; sometimes an answer over two columns. Returns what the data means (the
    merged value on each row of a vertical range, in the first cell of a horizontal one) and the
    ranges."""
    rows = sorted((list(r) for r in rows), key=lambda r: r[REGION])
    meant = [list(r) for r in rows]
    book = Workbook()
    sheet = book.active
    title = rnd.random() < 0.5
    top = 2 if title else 1  # header row
    if title:
        sheet.append(["Export des réponses"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)
    ranges = []
    columns = [REGION] + ([TYPE] if rnd.random() < 0.5 else [])
    for column in columns:
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][column] != rows[start][column]:
                if i - start > 1:
                    first, last = top + 1 + start, top + i
                    for j in range(start + 1, i):
                        sheet.cell(row=top + 1 + j, column=column + 1).value = None
                    sheet.merge_cells(start_row=first, start_column=column + 1, end_row=last, end_column=column + 1)
                    ranges.append(f"{column_letter(column + 1)}{first}:{column_letter(column + 1)}{last}")
                start = i
    if rnd.random() < 0.5:  # one answer shared by three respondents
        at = rnd.randint(0, len(rows) - 3)
        column = rnd.choice(ANSWERS)
        for j in range(at, at + 3):
            meant[j][column] = rows[at][column]
            if j > at:
                sheet.cell(row=top + 1 + j, column=column + 1).value = None
        sheet.merge_cells(start_row=top + 1 + at, start_column=column + 1, end_row=top + 3 + at, end_column=column + 1)
    if rnd.random() < 0.5:  # one answer typed over two question columns
        at = rnd.randint(0, len(rows) - 1)
        column = rnd.choice(ANSWERS[:-1])
        meant[at][column + 1] = ""
        sheet.cell(row=top + 1 + at, column=column + 2).value = None
        sheet.merge_cells(start_row=top + 1 + at, start_column=column + 1, end_row=top + 1 + at, end_column=column + 2)
    book.save(path)
    return meant, ranges


@pytest.mark.parametrize("seed", range(4))
def test_a_value_typed_once_over_merged_rows_applies_to_every_row(seed, tmp_path, clean_reference):
    """A region typed once over a vertical merged range (rows grouped by region): only the range's
    first row had it, the others went to « Région inconnue » with no word about the merge."""
    rnd = random.Random(seed)
    path = tmp_path / "classeur.xlsx"
    meant, ranges = _merged_workbook(path, ROWS, rnd)
    expected = clean_reference(meant)
    con, report = _ingest(tmp_path, f"m{seed}", path.read_bytes(), "reponses.xlsx")
    assert (report.rows_ingested, report.rows_quarantined) == (len(meant), 0)
    assert _content(con) == expected
    assert any(ranges[0] in w for w in report.warnings if "fusionnées" in w), report.warnings


_SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_SOFFICE is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("target", ["ods", "xlsx"])
def test_merged_rows_saved_by_libreoffice(target, tmp_path, clean_reference):
    """The same workbook opened and saved again by LibreOffice (.ods, and its own .xlsx), which
    writes merged ranges its own way (covered cells in .ods)."""
    rnd = random.Random(7)
    source = tmp_path / "source" / "classeur.xlsx"
    source.parent.mkdir()
    meant, ranges = _merged_workbook(source, ROWS, rnd)
    out = tmp_path / "out"
    subprocess.run(
        [_SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to", target,
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    data = (out / f"classeur.{target}").read_bytes()
    expected = clean_reference(meant)
    con, report = _ingest(tmp_path, f"lo{target}", data, f"reponses.{target}")
    assert (report.rows_ingested, report.rows_quarantined) == (len(meant), 0)
    assert _content(con) == expected
    assert any("fusionnée" in w and ranges[0] in w for w in report.warnings), report.warnings


# --------------------------------------------------------------------------
# Found by the sweep (2026-12-06)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_two_exports_with_a_bom_each_pasted_together(seed, tmp_path, clean_reference):
    """Two UTF-8 exports, each saved with a BOM, pasted into one file: the second header line,
    behind its BOM, differed from the first, and the file was refused (« une autre ligne d'en-tête
    commence ici … « \\ufeffHorodateur » au lieu de « Horodateur » »)."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", ",", "\t"])
    cut = rnd.randint(5, len(ROWS) - 5)
    with_header = rnd.random() < 0.7
    second = _quoted(ROWS[cut:], delimiter)
    if not with_header:
        second = second.split(b"\r\n", 1)[1]
    data = b"\xef\xbb\xbf" + _quoted(ROWS[:cut], delimiter) + b"\xef\xbb\xbf" + second
    expected = clean_reference([list(r) for r in ROWS])
    con, report = _ingest(tmp_path, f"bom{seed}", data)
    assert (report.rows_ingested, report.rows_quarantined) == (len(ROWS), int(with_header))
    assert _content(con) == expected
    assert any("BOM" in w for w in report.warnings)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("gap", [1, 2])
def test_notes_under_the_table_are_not_respondents(fmt, gap, tmp_path, clean_reference):
    """« Source : enquête de la fédération » typed under the table after an empty line, in the id
    column or beside it: each note was a respondent whose id was the note (a « 2 répondants sans
    région » warning only)."""
    notes = [["", "Source : enquête de la fédération"], ["Export du", "12/06/2020"], ["", "", "Filtre : aucun"]]
    expected = clean_reference([list(r) for r in ROWS])
    if fmt == "csv":
        buf = io.StringIO(newline="")
        csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([HEADER, *ROWS, *[[]] * gap, *notes])
        data, name = buf.getvalue().encode("utf-8"), "reponses.csv"
    else:
        book = Workbook()
        for r in [HEADER, *ROWS, *[[]] * gap, *notes]:
            book.active.append([c or None for c in r])
        path = tmp_path / "notes.xlsx"
        book.save(path)
        data, name = path.read_bytes(), "reponses.xlsx"
    con, report = _ingest(tmp_path, f"notes{fmt}{gap}", data, name)
    assert (report.rows_ingested, report.rows_quarantined) == (len(ROWS), len(notes))
    assert _content(con) == expected
    reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine ORDER BY source_row").fetchall()]
    assert all(r.startswith("note sous le tableau") for r in reasons)


def test_a_respondent_after_an_empty_line_with_few_answers_is_still_read(tmp_path, clean_reference):
    """Only lines whose id does not look like the others' are notes: « R48 » with one answer is a
    respondent."""
    rows = [list(r) for r in ROWS]
    late = ["", "R48", "", "", "Corse", *[""] * (len(HEADER) - 5)]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows, [], late])
    expected = clean_reference([*rows, late])
    con, report = _ingest(tmp_path, "late", buf.getvalue().encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows) + 1, 0)
    assert _content(con) == expected


def test_ids_typed_as_numbers_with_leading_zeros_read_as_shown(tmp_path, clean_reference):
    """Ids « 007 » typed in Excel as numbers shown with the format « 000 »: the workbook saves 7;
    read « 7 », the same respondents from the sheet's CSV export (« 007 ») were others."""
    rows = [list(r) for r in ROWS]
    for i, r in enumerate(rows):
        r[1] = f"{i + 1:03d}"
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for i, r in enumerate(rows):
        sheet.append([int(c) if j == 1 else c for j, c in enumerate(r)])
        sheet.cell(row=i + 2, column=2).number_format = "000"
    path = tmp_path / "zeros.xlsx"
    book.save(path)
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "zeros", path.read_bytes(), "reponses.xlsx")
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected


@pytest.mark.parametrize("end", [b"\x1a", b"\r\n\x1a", b"\x1a\x1a"])
def test_a_dos_end_of_file_mark_is_not_a_row(end, tmp_path, clean_reference):
    """Ctrl-Z after the last line (DOS-era tools): it was a row of its own, quarantined as « ligne
    d'un seul champ » (one row read more than the file holds)."""
    data = _quoted([list(r) for r in ROWS]).rstrip(b"\r\n") + end
    expected = clean_reference([list(r) for r in ROWS])
    con, report = _ingest(tmp_path, f"eof{len(end)}", data)
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (len(ROWS), len(ROWS), 0)
    assert _content(con) == expected


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_spaces_after_a_closing_quote_are_layout(delimiter, tmp_path, clean_reference):
    """`"Corse" ;`: a quoted cell followed by spaces before the delimiter (files typed or
    aligned by hand) is the quoted text, not a cell read as written with its quotes."""
    rows = [list(r) for r in ROWS]
    lines = []
    for r in [HEADER, *rows]:
        cells = ['"' + c.replace('"', '""') + '"' + " " * (i % 3) for i, c in enumerate(r)]
        lines.append(delimiter.join(cells))
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "pad", ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected
    assert not any("guillemet" in w for w in report.warnings)
