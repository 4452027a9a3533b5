"""Read survey-tool exports as tables of text, whatever their encoding, delimiter or format."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from consultation.errors import InputFileError
from consultation.text import fold

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SUPPORTED = CSV_SUFFIXES | EXCEL_SUFFIXES
_DELIMITERS = ";,\t|"
_PREFIX = re.compile(r"^\s*(?:q(?:uestion)?\s*)?\d{1,3}[a-z]?\s*(?:[.):°-]|\s-)\s*", re.IGNORECASE)


@dataclass
class Table:
    """A read file: text cells, and the spreadsheet row number of each data row (1-based)."""

    path: Path
    frame: pd.DataFrame
    first_data_row: int
    encoding: str | None = None
    delimiter: str | None = None

    def row_number(self, index: int) -> int:
        return self.first_data_row + index


def header_key(header: object) -> str:
    """Tolerant header key: case, accents, spaces, line breaks and a 'Q3.'-style prefix ignored."""
    text = fold(str(header)).replace("’", "'")
    text = re.sub(r"\s+", " ", text).strip()
    text = _PREFIX.sub("", text)
    return text.strip(" :")


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first, then Windows-1252; never silently produce mojibake."""
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError.at(path, "fichier binaire ou corrompu (octets nuls) : exportez-le en CSV ou XLSX")
    for encoding in ("utf-8-sig", "utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def read_table(path: str | Path, *, sheet: str | int | None = None, header_hint: str | None = None) -> Table:
    """Read a CSV or Excel export into strings; `header_hint` finds a header row that is not the first."""
    path = Path(path)
    if not path.exists():
        raise InputFileError.at(path, "fichier introuvable")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, header_hint)
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, sheet, header_hint)
    raise InputFileError.at(
        path, f"format non pris en charge « {suffix or '(sans extension)'} » (attendu : {', '.join(sorted(SUPPORTED))})"
    )


def _read_csv(path: Path, header_hint: str | None) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputFileError.at(path, "fichier vide")
    text, encoding = decode(raw, path)
    delimiter = sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputFileError.at(path, f"CSV mal formé ({exc})") from None
    return _to_table(path, rows, header_hint, encoding=encoding, delimiter=delimiter)


def _read_excel(path: Path, sheet: str | int | None, header_hint: str | None) -> Table:
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None, dtype=object)
    except ValueError as exc:
        raise InputFileError.at(path, f"feuille introuvable ou classeur illisible ({exc})") from None
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise InputFileError.at(path, f"classeur Excel illisible ({type(exc).__name__})") from None
    rows = [["" if _is_blank(v) else _cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    return _to_table(path, rows, header_hint)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _to_table(path: Path, rows: list[list[str]], header_hint: str | None, **meta: str) -> Table:
    rows = [r for r in rows]
    header_idx = _find_header(rows, header_hint)
    if header_idx is None:
        raise InputFileError.at(
            path,
            "ligne d'en-tête introuvable"
            + (f" : aucune colonne « {header_hint} » dans les 30 premières lignes" if header_hint else ""),
        )
    header = [str(h).strip() for h in rows[header_idx]]
    width = len(header)
    body = []
    for row in rows[header_idx + 1 :]:
        cells = [*row[:width], *[""] * (width - len(row))]
        body.append(cells)
    names = _unique(header)
    frame = pd.DataFrame(body, columns=names, dtype=object)
    # Drop rows that are entirely empty (trailing lines of exports), but keep their numbering.
    keep = frame.apply(lambda r: any(str(v).strip() for v in r), axis=1) if len(frame) else []
    frame.index = range(len(frame))
    frame = frame[keep] if len(frame) else frame
    return Table(path=path, frame=frame, first_data_row=header_idx + 2, **meta)


def _find_header(rows: list[list[str]], hint: str | None) -> int | None:
    if not rows:
        return None
    if hint is None:
        return 0
    wanted = header_key(hint)
    for idx, row in enumerate(rows[:30]):
        if any(header_key(cell) == wanted for cell in row):
            return idx
    return None


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        name = name or f"colonne_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
