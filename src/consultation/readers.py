"""Read survey-tool exports as tables of text, whatever their encoding, delimiter or format.

Every reader returns a `Table`: string cells ('' for empty), the file's own headers, and the
spreadsheet row number of each data row, so that every later message can point at a row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from consultation.errors import InputFileError
from consultation.text import fold

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = CSV_SUFFIXES | EXCEL_SUFFIXES | JSON_SUFFIXES | PARQUET_SUFFIXES
HEADER_SEARCH_ROWS = 30
_DELIMITERS = (";", ",", "\t", "|")
_DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
# Numbering that survey tools put before a question: "Q3.", "3a.", "3)", "Question 3 :", "1.2 -".
_PREFIX = re.compile(
    r"^\s*(?:q(?:uestion)?\s*)?\d{1,3}(?:[.,]\d{1,2})*[a-z]?\s*(?:[.):°-]|\s-)\s*", re.IGNORECASE
)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
# Windows-1252 decoding of UTF-8 bytes: "Ã©" for "é", "â€™" for "’", "Å“" for "œ".
_MOJIBAKE = re.compile("Ã[\u00a0-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€[™œ\u009d“”¦¢˜\u0099\u009c]|Å[“’]|Â[\u00a0-\u00bf]")
_HIGH_RUN = re.compile("[\u0080-\u00ff€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]{2,}")
# ISO-8859-15 bytes read as Windows-1252: "c½ur" for "cœur", "¤" for "€".
_LATIN9_SIGNS = re.compile(r"[A-Za-zÀ-ÿ][½¼¾][A-Za-zÀ-ÿ]|\d\s?¤|¤\s?\d")


@dataclass
class Table:
    """A read file: string cells, and the spreadsheet row number of each data row (1-based).

    `frame` keeps the position of each data row in its index (blank lines are dropped but keep
    their numbering), so `row_number(index)` is the row a user sees in a spreadsheet or editor.
    `malformed` maps a row index to why the row cannot be trusted (more fields than headers).
    """

    path: Path
    frame: pd.DataFrame
    first_data_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    fmt: str = "csv"
    malformed: dict[int, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        return self.first_data_row + index

    def describe(self) -> str:
        """How the file was read, in French, for the run summary."""
        if self.fmt == "csv":
            name = _DELIMITER_NAMES.get(self.delimiter or "", repr(self.delimiter))
            return f"CSV, {self.encoding}, séparateur {name}, en-têtes ligne {self.first_data_row - 1}"
        if self.fmt == "xlsx":
            return f"Excel, feuille « {self.sheet} », en-têtes ligne {self.first_data_row - 1}"
        return {"jsonl": "JSON Lines", "json": "JSON", "parquet": "Parquet"}.get(self.fmt, self.fmt)


def header_key(header: object, *, keep_number: bool = False) -> str:
    """Tolerant header key: case, accents, punctuation, spacing, line breaks, 'Q3.' prefix ignored.

    `keep_number=True` keeps the numbering, to tell "1. Commentaire" from "2. Commentaire".
    """
    text = str(header).replace("_x000D_", " ").replace("’", "'")
    text = re.sub(r"\s+", " ", fold(unicodedata.normalize("NFKC", text))).strip()
    if not keep_number:
        text = _PREFIX.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def read_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    header_hint: str | None = None,
) -> Table:
    """Read an export into strings.

    `header_row` (1-based) says where the headers are; otherwise `header_hint` (a header that must
    be there, e.g. the respondent id) finds them among the first rows, so a title above the table is
    fine. `sheet` is an Excel sheet name or position (1 = first); by default the first sheet that
    has the hint.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError.at(path, "fichier introuvable" if not path.exists() else "n'est pas un fichier")
    suffix = path.suffix.lower()
    try:
        if suffix in CSV_SUFFIXES:
            return _read_csv(path, header_row, header_hint)
        if suffix in EXCEL_SUFFIXES:
            return _read_excel(path, sheet, header_row, header_hint)
        if suffix in JSON_SUFFIXES:
            return _read_json(path, suffix)
        if suffix in PARQUET_SUFFIXES:
            return _read_parquet(path)
    except PermissionError:
        raise InputFileError.at(path, "lecture refusée (droits du fichier)") from None
    except OSError as exc:
        raise InputFileError.at(path, f"fichier illisible ({exc.strerror or exc})") from None
    hint = " ; un classeur .xls ou .ods : réenregistrez-le en .xlsx" if suffix in {".xls", ".ods"} else ""
    raise InputFileError.at(
        path,
        f"format non pris en charge « {suffix or '(sans extension)'} » "
        f"(attendu : {', '.join(sorted(SUPPORTED))}){hint}",
    )


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode an export's bytes; returns (text, encoding name).

    UTF-8 (with or without BOM) and UTF-16 with BOM first; then Windows-1252, which is what Excel
    writes for "CSV (séparateur: point-virgule)" on a French Windows and is a superset of Latin-1
    for every printable character; ISO-8859-15 when the text shows its signs (c½ur). A UTF-8 file
    that was once opened as Windows-1252 and saved again ("Ã©") is repaired.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise InputFileError.at(path, "fichier UTF-16 corrompu") from None
    if b"\x00" in raw[:4096]:
        raise InputFileError.at(path, "fichier binaire ou corrompu (octets nuls) : exportez-le en CSV ou XLSX")
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return _repair_double_encoding(raw[3:].decode("utf-8"), "UTF-8 (BOM)")
        except UnicodeDecodeError as exc:
            line = raw[: 3 + exc.start].count(b"\n") + 1
            raise InputFileError.at(
                path, "fichier marqué UTF-8 (BOM) mais contenant des octets invalides", row=line
            ) from None
    try:
        return _repair_double_encoding(raw.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"
    if _LATIN9_SIGNS.search(text):
        return raw.decode("iso-8859-15"), "ISO-8859-15"
    return text, "Windows-1252"


def _repair_double_encoding(text: str, encoding: str) -> tuple[str, str]:
    """Undo UTF-8 read as Windows-1252 (or Latin-1) and saved again, run by run.

    Only runs that decode as valid UTF-8 are changed, so a legitimate "éé" stays as it is, and a
    file where only some lines were damaged is repaired line by line.
    """
    if not _MOJIBAKE.search(text):
        return text, encoding

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        for wrong in ("cp1252", "latin-1"):
            try:
                return run.encode(wrong).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
        return run

    repaired = _HIGH_RUN.sub(fix, text)
    return (repaired, f"{encoding}, double encodage réparé") if repaired != text else (text, encoding)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first records into the most, and most regular, columns.

    Parsed with quotes, so commas inside quoted answers do not count (csv.Sniffer is fooled by them).
    """
    sample = text[:200_000]
    cut = sample.rfind("\n")
    if 0 < cut < len(sample) - 1:
        sample = sample[:cut]
    best, best_score = ",", (0, 0.0, 0)
    for delimiter in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter) if r][:50]
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for r in rows]
        width = max(set(widths), key=lambda w: (widths.count(w), w))
        regular = widths.count(width) / len(widths)
        score = (int(width > 1), regular, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(path: Path, header_row: int | None, header_hint: str | None) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputFileError.at(path, "fichier vide")
    text, encoding = decode(raw, path)
    delimiter = sniff_delimiter(text)
    data = raw if encoding == "UTF-8" else text.encode("utf-8")
    grid = _read_csv_arrow(data, text, delimiter)
    rows: list[list[str]] | None = None
    if grid is None:
        rows = _read_csv_rows(path, text, delimiter)
        width = max((len(r) for r in rows), default=0)
        grid = pd.DataFrame([[*r, *[""] * (width - len(r))] for r in rows], dtype=str)
    table = _to_table(path, grid, header_row, header_hint, fmt="csv")
    table.encoding, table.delimiter = encoding, delimiter
    if rows is not None:
        _flag_short_rows(table, rows, delimiter)
    return table


def _flag_short_rows(table: Table, rows: list[list[str]], delimiter: str) -> None:
    """A row with fewer fields than headers is padded (a file cut short, trailing empty cells
    dropped by the tool), unless it was written with another delimiter: then its cells would land
    in the wrong columns, so it is set aside."""
    width = len(table.frame.columns)
    offset = table.first_data_row - 1  # index in `rows` of the frame's row 0
    for idx in table.frame.index:
        fields = rows[offset + int(idx)]
        if len(fields) >= width or int(idx) in table.malformed:
            continue
        line = delimiter.join(fields)
        other = next((d for d in _DELIMITERS if d != delimiter and line.count(d) + 1 >= width - 1), None)
        if other is not None:
            table.malformed[int(idx)] = (
                f"ligne mal formée : {len(fields)} champ{'s' if len(fields) > 1 else ''} pour {width} "
                f"en-têtes (écrite avec le séparateur « {other} » ?)"
            )


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))  # pandas' default "str" columns, Arrow-backed


def _read_csv_arrow(data: bytes, text: str, delimiter: str) -> pd.DataFrame | None:
    """Fast path (Arrow's multithreaded parser) for the usual export: every row as wide as the first.

    None when it cannot be trusted: rows of other widths (Arrow refuses them), or an odd number of
    quotes (an unclosed quote, which Arrow would silently run to the end of the file).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.count(b'"') % 2:
        return None
    try:
        first = next(csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    names = [f"c{i}" for i in range(len(first))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data.removeprefix(b"\xef\xbb\xbf")),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    frame = table.to_pandas(types_mapper=lambda _: _STR)
    frame.columns = range(frame.shape[1])
    return frame


def _read_csv_rows(path: Path, text: str, delimiter: str) -> list[list[str]]:
    """Slow path, for rows of unequal length (a title line, a stray delimiter) or odd quotes."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        return list(reader)
    except csv.Error as exc:
        raise InputFileError.at(
            path, f"CSV mal formé ({exc}) : un guillemet n'est probablement pas fermé", row=reader.line_num
        ) from None


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | int | None, header_row: int | None, header_hint: str | None) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-Excel file
        raise InputFileError.at(path, f"classeur Excel illisible ({type(exc).__name__})") from None
    def rows_of(name: str, limit: int | None = None) -> list[list[object]]:
        sheet_data = book[name]
        # Some tools write a wrong <dimension> (e.g. "A1"): read every cell that is really there.
        sheet_data.reset_dimensions()
        return [list(r) for r in sheet_data.iter_rows(min_row=1, max_row=limit, values_only=True)]

    try:
        names = list(book.sheetnames)
        if sheet is not None:
            chosen = _pick_sheet(path, names, sheet)
        else:
            # The first sheet that has the expected header: a "Notice" sheet before the data is common.
            chosen = next(
                (
                    name for name in names
                    if header_row or header_hint is None
                    or _find_header_in(rows_of(name, HEADER_SEARCH_ROWS), header_hint) is not None
                ),
                names[0],
            )
        grid = rows_of(chosen)
    finally:
        book.close()
    if _has_formulas(path):
        grid = _formulas_where_no_value(path, chosen, grid)
    if not grid:
        raise InputFileError.at(path, f"feuille « {chosen} » vide")
    width = max(len(r) for r in grid)
    frame = pd.DataFrame([[_cell_text(v) for v in r] + [""] * (width - len(r)) for r in grid], dtype=str)
    try:
        table = _to_table(path, frame, header_row, header_hint, fmt="xlsx")
    except InputFileError as exc:
        for problem in exc.problems:
            problem.message += f" (feuille « {chosen} »)"
        raise InputFileError(exc.problems) from None
    table.sheet = chosen
    return table


def _has_formulas(path: Path) -> bool:
    """Cheap look into the workbook's sheets for formula cells (<f> elements)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return any(
                b"<f>" in archive.read(n) or b"<f " in archive.read(n)
                for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
    except (zipfile.BadZipFile, OSError, KeyError):
        return False


def _formulas_where_no_value(path: Path, sheet: str, grid: list[list[object]]) -> list[list[object]]:
    """A formula cell whose value was never computed (a workbook written by a tool, not by Excel)
    keeps its formula as text rather than becoming empty: the answer is not silently lost."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        data = book[sheet]
        data.reset_dimensions()
        formulas = [list(r) for r in data.iter_rows(min_row=1, values_only=True)]
    finally:
        book.close()
    out = []
    for values, texts in zip(grid, formulas, strict=False):
        row = list(values)
        for i, text in enumerate(texts):
            if i < len(row) and row[i] is None and isinstance(text, str) and text.startswith("="):
                row[i] = text
        out.append(row)
    return out


def _pick_sheet(path: Path, names: list[str], sheet: str | int) -> str:
    if isinstance(sheet, int):
        if 1 <= sheet <= len(names):
            return names[sheet - 1]
    else:
        if sheet in names:
            return sheet
        loose = [n for n in names if header_key(n) == header_key(sheet)]
        if len(loose) == 1:
            return loose[0]
    raise InputFileError.at(
        path, f"feuille « {sheet} » introuvable (feuilles : {', '.join(names)})", value=sheet
    )


# --------------------------------------------------------------------------
# JSON Lines, JSON, Parquet
# --------------------------------------------------------------------------


def _read_json(path: Path, suffix: str) -> Table:
    text, _ = decode(path.read_bytes(), path)
    if not text.strip():
        raise InputFileError.at(path, "fichier vide")
    if suffix == ".json" and text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError.at(path, f"JSON illisible ({exc.msg})", row=exc.lineno) from None
        if not all(isinstance(r, dict) for r in records):
            raise InputFileError.at(path, "JSON attendu : une liste d'objets {colonne: valeur}")
        rows: list[dict | None] = list(records)
        fmt = "json"
    else:
        rows, fmt = [], "jsonl"
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                rows.append(None)
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputFileError.at(path, f"ligne JSON illisible ({exc.msg})", row=number, value=line) from None
            if not isinstance(record, dict):
                raise InputFileError.at(path, "objet {colonne: valeur} attendu", row=number, value=line)
            rows.append(record)
    frame = pd.DataFrame([r or {} for r in rows], dtype=object)
    frame = _stringify(frame)
    frame = frame.loc[[r is not None and any(v not in (None, "") for v in r.values()) for r in rows]]
    return Table(path=path, frame=frame, first_data_row=1, fmt=fmt)


def _read_parquet(path: Path) -> Table:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError…
        raise InputFileError.at(path, f"fichier Parquet illisible ({type(exc).__name__})") from None
    frame = _stringify(frame.reset_index(drop=True))
    frame.columns = _unique([str(c) for c in frame.columns])
    return Table(path=path, frame=_drop_blank(frame), first_data_row=1, fmt="parquet")


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, column by column (vectorised for numbers, the common big case)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col):
            text = col.map(_cell_text)
        elif pd.api.types.is_integer_dtype(col):
            text = col.astype("Int64").astype("string").fillna("")
        elif pd.api.types.is_float_dtype(col):
            whole = col.notna() & (col % 1 == 0) & (col.abs() < 1e15)
            text = col.astype("string").fillna("")
            text[whole] = col[whole].astype("int64").astype("string")
        elif pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col):
            text = col.fillna("")
        else:
            text = col.map(_cell_text)
        out[str(name)] = text.astype(str)
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value: object) -> str:
    """One spreadsheet/JSON cell as the text a user sees (34000, not 34000.0; '' for empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --------------------------------------------------------------------------
# Header row and frame
# --------------------------------------------------------------------------


def _to_table(
    path: Path, grid: pd.DataFrame, header_row: int | None, header_hint: str | None, *, fmt: str
) -> Table:
    """Split a headerless grid into headers and data; rows wider than the header are flagged."""
    grid = grid.reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    if header_row is not None:
        header_idx = header_row - 1
        if header_idx >= len(grid):
            raise InputFileError.at(path, f"ligne d'en-tête {header_row} au-delà de la fin du fichier", row=header_row)
    else:
        header_idx = _find_header_in(grid.head(HEADER_SEARCH_ROWS).to_numpy().tolist(), header_hint)
        if header_idx is None:
            raise InputFileError.at(
                path,
                "ligne d'en-tête introuvable"
                + (f" : aucune colonne « {header_hint} » dans les {HEADER_SEARCH_ROWS} premières lignes" if header_hint else ""),
                column=header_hint,
            )
    header = [str(h).strip() for h in grid.iloc[header_idx].tolist()]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise InputFileError.at(path, "ligne d'en-tête vide", row=header_idx + 1)
    width = len(header)
    body = grid.iloc[header_idx + 1 :].reset_index(drop=True)
    malformed: dict[int, str] = {}
    if body.shape[1] > width:
        extra = body.iloc[:, width:]
        overflow = extra.ne("").any(axis=1)
        for idx in overflow[overflow].index:
            fields = int(body.loc[idx].ne("").to_numpy().nonzero()[0].max()) + 1
            malformed[int(idx)] = (
                f"ligne mal formée : {fields} champs pour {width} en-têtes "
                "(séparateur dans un texte sans guillemets ?)"
            )
        body = body.iloc[:, :width]
    elif body.shape[1] < width:
        for i in range(body.shape[1], width):
            body[i] = ""
    body.columns = _unique(header)
    return Table(
        path=path, frame=_drop_blank(body), first_data_row=header_idx + 2, fmt=fmt, malformed=malformed
    )


def _drop_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with nothing in them (trailing lines of exports) are not rows; they keep their numbering."""
    if frame.empty:
        return frame
    filled = frame.apply(lambda col: col.str.strip().ne(""))
    return frame.loc[filled.any(axis=1)]


def _find_header_in(rows: list[list[object]], hint: str | None) -> int | None:
    if not rows:
        return None
    if hint is None:
        return next((i for i, row in enumerate(rows) if any(str(c or "").strip() for c in row)), None)
    wanted = header_key(hint)
    for idx, row in enumerate(rows):
        if any(c is not None and header_key(c) == wanted for c in row):
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
