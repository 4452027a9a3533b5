"""Cells a spreadsheet or a survey tool writes in place of the text typed: an error value where a
formula failed (« #N/A », « #VALEUR! », « #REF! », « #NOM? », LibreOffice's « Err:502 »), a
formula's own text (« =SOMME(A1:A3) », « @SUM(A1) »), a yes/no (« VRAI », « FALSE »), and the
answers that say « nothing » (« N/A », « - », « nsp », « sans réponse »).

Each generated file (CSV and `.xlsx`) is compared with the same answers exported cleanly: an error
value is no answer (read empty; as an id, the row is set aside), named by column, value and row;
a formula's text and a yes/no are answers as written, named; « N/A », « - », « nsp » are answers
as written, which coding counts as saying nothing (`text.says_something`).
"""

from __future__ import annotations

import io
import random

import openpyxl
import pytest

from consultation.text import says_something
from ingest_family_support import ANSWERS, HEADER, ROWS, content, ingest, quoted

IDENT = HEADER.index("Identifiant")
ERRORS = ["#N/A", "#VALUE!", "#VALEUR!", "#REF!", "#NAME?", "#NOM?", "#DIV/0!", "#NUM!", "#NULL!", "#ERROR!", "Err:502",
          "#n/a"]
FORMULAS = ["=SOMME(A1:A3)", "=CONCATENER(B2;\" \";C2)", "@SUM(A1)", "+HYPERLINK(\"http://x.fr\")", "=B2", "=A1+B1"]
BOOLEANS = ["VRAI", "FAUX", "TRUE", "FALSE", "Vrai"]
NOTHING = ["N/A", "NA", "-", ".", "nsp", "sans réponse", "/", "néant"]
ANSWERS_SAID = ["- moins de réunions\n- plus de moyens", "= pas assez de moyens", "+33 % de demandes", "@ la fédération : merci"]


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Réponses"
    for row in [HEADER, *rows]:
        sheet.append(row)  # « #N/A »… are written as error cells, « =SOMME(…) » as formulas without a value
    for line in sheet.iter_rows():
        for cell in line:
            if cell.value in ANSWERS_SAID:  # typed text, not a formula
                cell.data_type = "s"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _said(warnings: list[str], value: str, row: int, column: str) -> bool:
    return any(f"« {value} »" in w and f"« {column} »" in w and str(row) in w for w in warnings)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("seed", range(8))
def test_spreadsheet_values_in_place_of_answers_are_named(seed, fmt, tmp_path, clean_reference):
    rnd = random.Random(seed)
    rows = [list(r) for r in ROWS]
    expected_rows = [list(r) for r in ROWS]
    planted: list[tuple[str, int, str, str]] = []  # kind, row (file), column header, value
    cells = rnd.sample([(i, c) for i in range(len(rows)) for c in [*ANSWERS, 2, 4]], 14)
    for n, (i, c) in enumerate(cells):
        kind = "error" if c not in ANSWERS else ["error", "error", "formula", "boolean", "nothing", "said"][n % 6]
        value = rnd.choice({"error": ERRORS, "formula": FORMULAS, "boolean": BOOLEANS, "nothing": NOTHING,
                            "said": ANSWERS_SAID}[kind])
        rows[i][c] = value
        expected_rows[i][c] = "" if kind == "error" else value
        planted.append((kind, i + 2, HEADER[c], value))
    bad_ids = rnd.sample([i for i in range(len(rows)) if all(i != j for j, _ in cells)], rnd.randint(0, 2))
    for i in bad_ids:
        rows[i][IDENT] = rnd.choice(ERRORS)
    expected = clean_reference([r for i, r in enumerate(expected_rows) if i not in bad_ids])
    data = quoted(rows) if fmt == "csv" else _xlsx(rows)
    con, report = ingest(tmp_path, f"{fmt}{seed}", data, filename=f"reponses.{fmt}")
    assert content(con) == expected
    reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine ORDER BY source_row").fetchall()]
    assert len(reasons) == len(bad_ids) and all("valeur d'erreur du tableur" in r for r in reasons)
    for kind, row, column, value in planted:
        if kind in ("error", "formula", "boolean"):
            assert _said(report.warnings, value, row, column), (kind, value, row, report.warnings)
        if kind == "nothing":
            assert not says_something(value)
    assert not any("« nsp »" in w or "« - »" in w or "« N/A »" in w for w in report.warnings)
