"""CSV exports read by French Excel: every decimal number is written with a comma, at full
precision, and reads back as the same number; text, integers and formula guards are unchanged.
Yes/no columns read « oui » / « non ». Frames are generated (floats of every magnitude and sign, NaN, integers, text that looks like
numbers, mixed columns as the published tallies have)."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation.exports import csv_frame, write_table

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
text = st.text(alphabet="0123456789.,-=+ abcé<", max_size=8)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(finite, min_size=1, max_size=20), words=st.lists(text, min_size=1, max_size=20),
       ints=st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=20))
def test_decimals_read_back_exactly_with_a_comma(values, words, ints):
    n = min(len(values), len(words), len(ints))
    frame = pd.DataFrame({"x": values[:n], "texte": words[:n], "entier": ints[:n],
                          "mixte": [v if i % 2 else "< 3" for i, v in enumerate(values[:n])]})
    written = csv_frame(frame).to_csv(sep=";", index=False)
    cells = pd.read_csv(io.StringIO(written), sep=";", dtype=str, keep_default_na=False)
    for cell, value in zip(cells["x"], values[:n], strict=True):
        assert "." not in cell, cell
        assert float(cell.replace(",", ".")) == value
    assert cells["entier"].tolist() == [str(i) for i in ints[:n]]
    # text is never touched, except the formula guard
    for cell, word in zip(cells["texte"], words[:n], strict=True):
        assert cell == ("'" + word if word[:1] in ("=", "+", "-") else word)
    for i, (cell, value) in enumerate(zip(cells["mixte"], values[:n], strict=True)):
        assert cell == "< 3" if i % 2 == 0 else float(cell.replace(",", ".")) == value


def test_a_file_opened_as_french_excel_reads_it(tmp_path):
    frame = pd.DataFrame({"part (%)": [8.8, 12.5, np.nan], "décompte corrigé": [123.25, 4.5e-07, 1e21],
                          "effectif": [40, 27, 3], "thème": ["Moyens", "-Manque d'EPI", "8.8"],
                          "autres": [False, True, False], "à revoir": pd.array([True, None, False], dtype="boolean")})
    path = write_table(frame, tmp_path / "t.csv")
    raw = path.read_text(encoding="utf-8-sig")
    assert "8,8;123,25;40;Moyens;non;oui" in raw  # yes/no in French, not True/False
    assert re.search(r";8\.8;non;non\r?$", raw, re.M)  # a text that looks like a number stays as typed
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["part (%)"].iloc[:2].tolist() == [8.8, 12.5] and math.isnan(back["part (%)"].iloc[2])
    assert back["décompte corrigé"].tolist() == [123.25, 4.5e-07, 1e21]
    assert back["thème"].tolist() == ["Moyens", "'-Manque d'EPI", "8.8"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent: no spreadsheet check")
def test_a_french_spreadsheet_reads_the_decimals_as_numbers(tmp_path):
    """LibreOffice Calc, French locale (1036), ';' CSV in UTF-8: the cells are numbers."""
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"part (%)": [8.8, 12.5], "décompte corrigé": [123.25, 0.1], "effectif": [40, 27]})
    path = write_table(frame, tmp_path / "decomptes.csv")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
                    "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "xlsx",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    sheet = openpyxl.load_workbook(tmp_path / "decomptes.xlsx").active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=3)]
    assert rows == [[8.8, 123.25, 40], [12.5, 0.1, 27]]
