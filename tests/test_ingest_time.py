"""Time taken to read an export must grow with its size, not with its size squared.

The 1M-answer benchmark's export (270 MB) never finished reading on 2026-12-07: one answer starting
with a quote that does not wrap it (`"Citation" puis suite`) sends the reader through every quoted
cell of the file (`readers._mark_literal_quotes`), and each quoted cell spanning lines looked for
the start of its line with `rfind` of « \\r » and of « \\n » over the whole text before it. A file
without any « \\r » (LF line ends, the usual case) had that search read back to its first byte,
once per cell: quadratic. Likewise a byte order mark at the start of many lines counted the lines
before each one from the file's start.

Each generated export here (300,000 rows, about 30 MB, read in 2 s) must be read whole within
`LIMIT` seconds under an alarm (`time_limit`), as in tests/test_typography_time.py: the code before
took minutes on the first family (72 s measured for LF at this size, extrapolated from 20,000
rows: 0.32 s, 10 times 5,000 rows' 0.03 s).
"""

from __future__ import annotations

import random

import pytest

from consultation.ingest.readers import read_table
from time_limit import time_limit

ROWS = 300_000
LIMIT = 20.0  # seconds per export, on a busy machine; linear code takes about 2
ENDINGS = {"LF": "\n", "CRLF": "\r\n", "CR": "\r"}
TRIGGERS = ["first", "middle", "last"]  # where the one cell with a stray quote is


def export(ending: str, trigger: str, lines_per_answer: int, seed: int) -> str:
    rng = random.Random(seed)
    where = {"first": 0, "middle": ROWS // 2, "last": ROWS - 1}[trigger]
    rows = ["identifiant;région;réponse"]
    for i in range(ROWS):
        if i == where:
            rows.append(f'{i};Bretagne;"Citation" puis suite {i}')
            continue
        answer = ending.join(f"ligne {k} de la réponse {i} : {rng.choice(['oui', 'des moyens', 'du temps'])}"
                             for k in range(lines_per_answer))
        rows.append(f'{i};Bretagne;"{answer}"')
    return ending.join(rows) + ending


@pytest.mark.daily_cases(3)
@pytest.mark.parametrize("lines", [2, 4])
@pytest.mark.parametrize("trigger", TRIGGERS)
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_an_export_of_multi_line_answers_with_a_stray_quote_is_read_in_linear_time(tmp_path, ending, trigger, lines):
    path = tmp_path / "export.csv"
    path.write_text(export(ENDINGS[ending], trigger, lines, seed=len(ending) + lines), encoding="utf-8")
    with time_limit(LIMIT):
        table = read_table(path, header_hint="identifiant")
    assert len(table.frame) == ROWS
    answers = table.frame["réponse"]
    stray = answers[answers.str.startswith('"Citation"')]
    assert len(stray) == 1  # read as written, and named
    assert any("guillemet qui ne l'entoure pas" in w for w in table.warnings)
    assert answers.str.count(r"ligne \d+ de la réponse").sum() == (ROWS - 1) * lines  # every line in its cell


def test_many_lines_starting_with_a_byte_order_mark_are_read_in_linear_time(tmp_path):
    path = tmp_path / "bout-a-bout.csv"
    rows = ["identifiant;région;réponse", *(f"\ufeff{i};Bretagne;réponse {i}" for i in range(ROWS))]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with time_limit(LIMIT):
        table = read_table(path, header_hint="identifiant")
    assert len(table.frame) == ROWS
    # The marks taken out of the first cells, as the warning says (they stayed in, before:
    # the reader parsed the file's own bytes whenever it was UTF-8).
    assert table.frame["identifiant"].tolist() == [str(i) for i in range(ROWS)]
    assert any("marque d'ordre des octets" in w and f"(+{ROWS - 10})" in w for w in table.warnings)
