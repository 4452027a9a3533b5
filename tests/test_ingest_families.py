"""Generated families of damaged or unusual exports, each checked against the same answers exported
cleanly: every respondent is ingested with the same answers, or set aside with the reason; no row
becomes a respondent that nobody was.

The answers are the bundled sample's; each family writes them several ways (random seeds), the way a
survey tool, a spreadsheet or a script would.
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from ingest_family_support import ANSWERS, HEADER, ROWS, SAMPLE
from ingest_family_support import content as _content
from ingest_family_support import ingest as _ingest


def _quoted(header: list[str], rows: list[list[str]], delimiter: str = ";") -> bytes:
    from ingest_family_support import quoted

    return quoted(rows, delimiter, header)


# --------------------------------------------------------------------------
# A line break inside an unquoted answer
# --------------------------------------------------------------------------


def _unquoted(rows: list[list[str]], delimiter: str) -> bytes:
    return ("\r\n".join(delimiter.join(r) for r in [HEADER, *rows]) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("seed", range(8))
def test_an_unquoted_line_break_sets_the_cut_row_aside_and_no_answer_moves(seed, tmp_path, clean_reference):
    """A script that joins cells with ';' without quoting them: an answer with a line break cuts
    its row in two; the second part, read alone, was a respondent whose id was a piece of answer."""
    rnd = random.Random(seed)
    delimiter = rnd.choice([";", "\t"])
    rows = [[c.replace("\n", " ").replace(delimiter, ",") for c in r] for r in ROWS]
    broken = sorted(rnd.sample(range(len(rows)), rnd.randint(1, 3)))
    for i in broken:
        column = rnd.choice([*ANSWERS, ANSWERS[0], ANSWERS[-1]])  # first and last columns twice as often
        text = rows[i][column] or "Réponse"
        cuts = sorted(rnd.sample(range(1, len(text)), min(len(text) - 1, rnd.choice([1, 1, 2]))))
        rows[i][column] = "\n".join(text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True))
    expected_respondents, expected_answers = clean_reference(rows)
    con, report = _ingest(tmp_path, f"cut{seed}", _unquoted(rows, delimiter))
    respondents, answers = _content(con)
    # Cut in the last column: the row is whole but for the end of its last answer (the follow-up
    # of « initiatives »), which is set aside and named; cut elsewhere: the row is set aside.
    last_only = {rows[i][1] for i in broken if "\n" in rows[i][-1]}
    cut_ids = {rows[i][1] for i in broken} - last_only
    assert set(respondents) == set(expected_respondents) - cut_ids  # no respondent made of a fragment
    assert all(respondents[r] == expected_respondents[r] for r in respondents)
    for key, value in answers.items():
        if key[0] in last_only and key[1] == "initiatives":
            assert expected_answers[key][1].startswith(value[1])
        else:
            assert value == expected_answers[key]
    reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine").fetchall()]
    assert len(reasons) == report.rows_quarantined == report.rows_read - len(respondents)
    assert all(
        (r.startswith("ligne coupée : les lignes ") or r.startswith("ligne d'un seul champ sous la ligne "))
        and "sans guillemets" in r for r in reasons
    )
    assert len(last_only) == sum(r.startswith("ligne d'un seul") for r in set(reasons))


@pytest.mark.parametrize("seed", range(6))
def test_rows_short_of_trailing_empty_cells_are_padded_not_taken_for_cut_rows(seed, tmp_path, clean_reference):
    """Excel's « Enregistrer sous CSV » (and other tools) drop a row's trailing empty cells: the
    short rows may add up to a whole row without having been cut; all are read."""
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    for r in rnd.sample(rows, 15):
        for c in range(rnd.randint(ANSWERS[0], len(HEADER) - 1), len(HEADER)):
            r[c] = ""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        end = len(r)
        while end and not r[end - 1]:
            end -= 1
        writer.writerow(r[:end])
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"short{seed}", buf.getvalue().encode("utf-8"))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected


# --------------------------------------------------------------------------
# Lines in UTF-8 and lines in a one-byte encoding in one file
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_a_file_of_utf8_and_windows_1252_lines_reads_each_line_in_its_encoding(seed, tmp_path, clean_reference):
    """Two exports pasted together (one saved as UTF-8, one as « ANSI »), or a line added in another
    editor: read whole as Windows-1252, the UTF-8 lines gave « IsÃ¨re » and regions that map to
    nothing; read whole as UTF-8 is impossible."""
    rnd = random.Random(seed)
    first, second = rnd.choice([("utf-8", "cp1252"), ("cp1252", "utf-8"), ("latin-1", "utf-8")])
    one_byte = first if second == "utf-8" else second
    rows = [[c.encode(one_byte, "replace").decode(one_byte) for c in r] for r in ROWS]
    cut = rnd.randint(3, len(rows) - 3)
    lines = _quoted(HEADER, rows).decode("utf-8").split("\r\n")
    head = ("\r\n".join(lines[: cut + 1]) + "\r\n").encode(first)
    if rnd.random() < 0.5:  # one row only in the other encoding
        tail = ("\r\n".join(lines[cut + 1 : cut + 2]) + "\r\n").encode(second)
        tail += "\r\n".join(lines[cut + 2 :]).encode(first)
    else:
        tail = "\r\n".join(lines[cut + 1 :]).encode(second)
    data = head + tail
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"mixed{seed}", data)
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected
    assert "et UTF-8 mêlés" in report.read_as
    assert any("encodages mêlés" in w and "en UTF-8 (ligne" in w for w in report.warnings)


# --------------------------------------------------------------------------
# A totals row, a note or a title around the table
# --------------------------------------------------------------------------

_LABELS = ["Total", "TOTAL :", "Totaux", "Nombre de réponses", "Moyenne", "Total général", "Nb de réponses"]
_VALUES = ["47", "=NBVAL(B2:B48)", "=COUNTA(B:B)", "100 %", "3,5", "1 234"]


@pytest.mark.parametrize("seed", range(8))
def test_a_totals_row_under_the_answers_is_not_a_respondent(seed, tmp_path, clean_reference):
    """A total added in the spreadsheet before « Enregistrer sous CSV » (« Total » in column A and
    =NBVAL(B2:B48), or its value, in the id column) was ingested as respondent « 47 »."""
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    total = [""] * len(HEADER)
    at = rnd.choice([0, 1])  # the label in column A, or in the id column itself
    total[at] = rnd.choice(_LABELS)
    for c in rnd.sample([1, 4, *ANSWERS], rnd.randint(1, 4)):
        if c != at:
            total[c] = rnd.choice(_VALUES)
    above = rnd.choice([[], [["Export du questionnaire"]], [["Résultats"], []]])
    below = rnd.choice([[], [[]], [[], ["Nombre de réponses : 47"]]])
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\r\n").writerows([*above, HEADER, *rows, total, *below])
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, f"total{seed}", buf.getvalue().encode("utf-8"))
    assert _content(con) == expected
    reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine ORDER BY source_row").fetchall()]
    assert reasons[0].startswith(f"ligne de total (« {total[at]} »")
    assert report.rows_ingested == len(rows)


def test_a_respondent_named_like_a_total_is_still_read(tmp_path, clean_reference):
    """Only a label followed by numbers or formulas is a totals row: « Total Santé », an id
    « Total », a row of numeric answers after a date are respondents."""
    rows = [list(r) for r in ROWS]
    rows[0][2] = "Total Santé"
    rows[1][0] = "Total"
    rows[2][5:] = ["12"] * (len(HEADER) - 5)
    expected = clean_reference(rows)
    con, report = _ingest(tmp_path, "named", _quoted(HEADER, rows))
    assert (report.rows_ingested, report.rows_quarantined) == (len(rows), 0)
    assert _content(con) == expected


@pytest.mark.parametrize("name", ["sorties\\t", "a\\b", "\\"])
def test_a_backslash_in_the_database_path_is_a_clear_error_not_a_traceback(name, tmp_path):
    """DuckDB reads « \\ » as a folder separator: `--sorties "out\\t"` ended in an IOException
    traceback (found with output folders named after the delimiters tried)."""
    import subprocess
    import sys

    command = [sys.executable, "-c", "from consultation.cli import console; console()"]
    result = subprocess.run(
        [*command, "ingest", str(SAMPLE), "--sorties", str(tmp_path / name)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stderr
    assert "barre oblique inverse" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
