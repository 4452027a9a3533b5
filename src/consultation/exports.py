"""Tables written for people (CSV, XLSX, JSON, Parquet), safe to open in a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from consultation import fmt

FORMATS = ("csv", "xlsx", "json", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a quote to text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_cell)
    return out


def _for_french_spreadsheet(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if isinstance(value, (float, np.floating)) and not np.isnan(value):
        return fmt.exact_decimal(float(value))
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as a spreadsheet in French reads a ';' CSV: formulas neutralised, decimal numbers
    with a comma (« 8,8 »; LibreOffice Calc in a French locale reads « 8.8 » as text), at full
    precision; yes/no columns as « oui » / « non ». Integers and text are left as they are."""
    out = neutralise(frame)  # before the numbers become text: « -4,5 » is a number, not a formula
    for col in out.columns:
        column = out[col]
        if pd.api.types.is_float_dtype(column) or pd.api.types.is_bool_dtype(column) or column.dtype == object:
            out[col] = column.map(_for_french_spreadsheet)
    return out


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str | None = None) -> Path:
    """Write a table in the format its suffix (or `fmt`) names; CSV is UTF-8 with BOM, ';' and
    decimal commas for French Excel (`csv_frame`)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"format inconnu « {fmt} » (attendu : {', '.join(FORMATS)})")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        # CRLF rows (RFC 4180) make the writer quote any cell holding \r: unquoted, a spreadsheet
        # starts a new row there, and "a\r=cmd|…" would become a formula despite `neutralise`.
        csv_frame(frame).to_csv(path, sep=";", index=False, encoding="utf-8-sig", lineterminator="\r\n")
    elif fmt == "xlsx":
        neutralise(frame).to_excel(path, index=False)
    elif fmt == "json":
        frame.to_json(path, orient="records", force_ascii=False, indent=1)
    else:
        frame.to_parquet(path, index=False)
    return path
