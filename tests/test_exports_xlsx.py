"""Workbooks the tool writes (`write_table` in .xlsx: tallies, codings, what to code next,
quarantine): one tab named in French after the file (never pandas' « Sheet1 »), a name Excel
accepts whatever the file is called, the header frozen and filtered, long texts wrapped."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from consultation.exports import SHEET_NAMES, sheet_name, write_table

_EXCEL_FORBIDDEN = set("[]:*?/\\")


def _stems(seed: int, n: int = 40) -> list[str]:
    """File names people give an export: accents, spaces, brackets, Excel's forbidden characters,
    dots, apostrophes at the ends, very long names, names of punctuation only."""
    rng = random.Random(seed)
    pieces = ["décomptes", "Région", "[v2]", "2026:12:07", "a*b?c", "résultats/final", "x" * 40, "'", "...",
              "copie de", "", "_", "-", "é", "Q1 — 3 thèmes", "\\", "Öl"]
    out = []
    for _ in range(n):
        stem = "".join(rng.choice(pieces) + rng.choice(["", " ", "-", "_"]) for _ in range(rng.randint(1, 4)))
        out.append(stem.strip() or rng.choice(string.ascii_letters))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_file_name_gives_a_tab_excel_accepts(tmp_path, seed):
    for i, stem in enumerate(_stems(seed)):
        name = sheet_name(Path(f"{stem}.xlsx"))
        assert 1 <= len(name) <= 31 and not set(name) & _EXCEL_FORBIDDEN, (stem, name)
        assert not name.startswith("'") and not name.endswith("'"), (stem, name)
        folder = tmp_path / str(i)
        folder.mkdir()
        try:
            path = write_table(pd.DataFrame({"a": [1]}), folder / f"{stem}.xlsx")
        except OSError:  # a name the file system refuses (a « / » in it): not the workbook's concern
            continue
        with path.open("rb") as handle:  # openpyxl reads a name such as « ....xlsx » as having no suffix
            assert load_workbook(handle).sheetnames == [name]


def test_the_tools_own_workbooks_have_french_tabs_a_frozen_header_and_wrapped_answers(tmp_path):
    long_answer = "Plus d'éducation civique, y compris au lycée. " * 6
    frame = pd.DataFrame({"Rang": [1, 2], "Réponse": [long_answer, "Court"], "Incertitude": [0.5, 1.0]})
    for stem, tab in SHEET_NAMES.items():
        path = write_table(frame, tmp_path / f"{stem}.xlsx")
        wb = load_workbook(path)
        assert wb.sheetnames == [tab]
        ws = wb[tab]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"
        assert [c.value for c in ws[1]] == ["Rang", "Réponse", "Incertitude"]
        assert all(c.font.bold for c in ws[1])
        assert ws["B2"].value == long_answer and ws["B2"].alignment.wrap_text
        assert ws.column_dimensions["B"].width == 60 and ws.column_dimensions["A"].width < 15
        assert ws["A2"].value == 1 and ws["C3"].value == 1.0  # numbers stay numbers
    assert "Sheet1" not in SHEET_NAMES.values()


def test_an_empty_table_is_still_a_workbook_with_its_header(tmp_path):
    path = write_table(pd.DataFrame(columns=["fichier", "ligne", "motif", "contenu"]), tmp_path / "quarantaine.xlsx")
    ws = load_workbook(path)["Quarantaine"]
    assert [c.value for c in ws[1]] == ["fichier", "ligne", "motif", "contenu"]
