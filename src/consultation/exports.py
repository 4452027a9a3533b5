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


# The tab of a workbook the tool writes, named in French after its file (pandas would write
# « Sheet1 »): the known files by name, any other by its file name.
SHEET_NAMES = {
    "decomptes": "Décomptes",
    "comparaisons-regions": "Comparaisons par région",
    "a-coder": "À coder",
    "codages": "Codages",
    "quarantaine": "Quarantaine",
}
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_MAX_WIDTH = 60  # characters: a long answer wraps instead of widening its column past a screen


def sheet_name(path: Path) -> str:
    """A tab's name for the file: « Décomptes » for decomptes.xlsx; another file's name with its
    dashes as spaces, without the characters Excel refuses, at most 31 characters."""
    known = SHEET_NAMES.get(path.stem)
    if known:
        return known
    name = " ".join(path.stem.replace("-", " ").replace("_", " ").translate(_SHEET_FORBIDDEN).split())
    name = name.strip("'")[:31].strip()
    return (name[:1].upper() + name[1:]) if name else "Tableau"


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One tab named in French, the header row frozen and filtered, each column as wide as its
    content (up to `_MAX_WIDTH` characters, longer texts wrapped)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    name = sheet_name(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=name)
        ws = writer.sheets[name]
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = ws.dimensions
        for i, column in enumerate(frame.columns, start=1):
            values = frame[column].head(1_000).map(lambda v: "" if v is None else str(v))
            longest = max([len(str(column)), *(max((len(x) for x in v.split("\n")), default=0) for v in values)])
            width = min(_MAX_WIDTH, max(8, longest + 2))
            ws.column_dimensions[get_column_letter(i)].width = width
            if longest > _MAX_WIDTH:
                for cell in ws[get_column_letter(i)][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in ws[1]:
            cell.font = Font(bold=True)


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
        _write_xlsx(neutralise(frame), path)
    elif fmt == "json":
        frame.to_json(path, orient="records", force_ascii=False, indent=1)
    else:
        frame.to_parquet(path, index=False)
    return path
