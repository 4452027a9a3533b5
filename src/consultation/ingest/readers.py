"""Read survey-tool exports as tables of text, whatever their encoding, delimiter or format.

Every reader returns a `Table`: string cells ('' for empty), the file's own headers, and the
spreadsheet row number of each data row, so that every later message can point at a row.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from consultation.errors import InputFileError
from consultation.fmt import count, integer, plural
from consultation.ingest.numfmt import shown
from consultation.ingest.xls_formats import cell_formats, hidden_rows_columns
from consultation.text import fold

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
# LibreOffice's (and Google Sheets' download) OpenDocument, and Excel's format before 2007: read by
# calamine (python-calamine), which openpyxl is not.
OTHER_WORKBOOK_SUFFIXES = {".ods", ".xls"}
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = CSV_SUFFIXES | EXCEL_SUFFIXES | OTHER_WORKBOOK_SUFFIXES | JSON_SUFFIXES | PARQUET_SUFFIXES
HEADER_SEARCH_ROWS = 30
MAX_JSON_DEPTH = 64  # nesting levels in one JSON value: survey records are flat, a few levels at most
_FIELD_LIMIT = 2**31 - 1  # the csv module's own limit (131,072 characters) refused long answers
_DELIMITERS = (";", ",", "\t", "|")
_DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation", "|": "barre verticale"}
# Numbering that survey tools put before a question: "Q3.", "3a.", "3)", "Question 3 :", "1.2 -",
# and "Q3 " or "Q3b " (a letter Q, then only a space).
_PREFIX = re.compile(
    r"^\s*(?:(?:q(?:uestion)?\s*)?\d{1,3}(?:[.,]\d{1,2})*[a-z]?\s*(?:[.):°-]|\s-)|q(?:uestion)?\s*\d{1,3}[a-z]?\s)\s*",
    re.IGNORECASE,
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
    # Column label -> every (1-based position, header) sharing its header: reading one of them
    # would silently drop the other, so `ingest.resolve_columns` refuses them by name.
    duplicates: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # Read from several sheets of one workbook (`_join_sheets`): (sheet, first frame index of its
    # rows, its first data row), in frame order. Empty for a table read from one place.
    sheets: list[tuple[str, int, int]] = field(default_factory=list)
    # The filled cells of each filled row above the header, when found among the first rows (a title).
    above: list[list[str]] = field(default_factory=list)

    def row_number(self, index: int) -> int:
        """The row a user sees (in its sheet, when the table was read from several)."""
        if not self.sheets:
            return self.first_data_row + index
        _, start, first = self.sheets[self._part(index)]
        return first + index - start

    def row_numbers(self, index: Sequence[int] | pd.Index) -> np.ndarray:
        """`row_number` of many rows at once."""
        positions = np.asarray(index, dtype=np.int64)
        if not self.sheets:
            return positions + self.first_data_row
        starts = np.array([s for _, s, _ in self.sheets], dtype=np.int64)
        firsts = np.array([f for _, _, f in self.sheets], dtype=np.int64)
        part = self._parts(positions)
        return firsts[part] + positions - starts[part]

    def sheet_names(self, index: Sequence[int] | pd.Index) -> np.ndarray:
        """`sheet_of` many rows at once (read from several sheets only)."""
        return np.array([s for s, _, _ in self.sheets], dtype=object)[self._parts(np.asarray(index, dtype=np.int64))]

    def _parts(self, positions: np.ndarray) -> np.ndarray:
        starts = np.array([s for _, s, _ in self.sheets], dtype=np.int64)
        return np.maximum(np.searchsorted(starts, positions, side="right") - 1, 0)

    def sheet_of(self, index: int) -> str | None:
        """The sheet of a row when the table was read from several sheets (None otherwise)."""
        return self.sheets[self._part(index)][0] if self.sheets else None

    def _part(self, index: int) -> int:
        return max(0, int(np.searchsorted([s for _, s, _ in self.sheets], index, side="right")) - 1)

    def lines(self, index: Sequence[int] | pd.Index, limit: int = 10) -> str:
        """« ligne 5 », « lignes 3, 5, 9 » (at most `limit`, the rest counted); grouped by sheet,
        « feuille « Réponses 1 », lignes 3, 5 ; feuille « Réponses 2 », ligne 4 », when the table
        was read from several sheets: a row number alone would not say where to look."""
        groups: dict[str | None, list[int]] = {}
        for i in index:
            groups.setdefault(self.sheet_of(int(i)), []).append(self.row_number(int(i)))
        out = []
        for sheet, rows in groups.items():
            where = f"ligne{'s' if len(rows) > 1 else ''} {_rows_list(rows, limit)}"
            out.append(f"feuille « {sheet} », {where}" if sheet is not None else where)
        return " ; ".join(out)

    def place(self, index: int) -> str:
        """« ligne 5 », or « ligne 5 (feuille « Réponses 2 ») » when read from several sheets."""
        sheet = self.sheet_of(index)
        return f"ligne {self.row_number(index)}" + (f" (feuille « {sheet} »)" if sheet is not None else "")

    def describe(self) -> str:
        """How the file was read, in French, for the run summary."""
        if self.fmt == "csv":
            name = _DELIMITER_NAMES.get(self.delimiter or "", repr(self.delimiter))
            return f"CSV, {self.encoding}, séparateur {name}, en-têtes ligne {self.first_data_row - 1}"
        if self.sheets:
            return f"Excel, feuilles {', '.join(f'« {s} »' for s, _, _ in self.sheets)}"
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
        if suffix in OTHER_WORKBOOK_SUFFIXES:
            return _read_other_workbook(path, sheet, header_row, header_hint)
        if suffix in JSON_SUFFIXES:
            return _read_json(path, header_hint)
        if suffix in PARQUET_SUFFIXES:
            return _read_parquet(path)
    except PermissionError:
        raise InputFileError.at(path, "lecture refusée (droits du fichier)") from None
    except OSError as exc:
        raise InputFileError.at(path, f"fichier illisible ({exc.strerror or exc})") from None
    raise InputFileError.at(
        path,
        f"format non pris en charge « {suffix or '(sans extension)'} » "
        f"(attendu : {', '.join(sorted(SUPPORTED))})",
    )


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode an export's bytes; returns (text, encoding name). See `decode_checked`."""
    text, encoding, _ = decode_checked(raw, path)
    return text, encoding


def decode_checked(raw: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode an export's bytes; returns (text, encoding name, warnings for the user).

    UTF-8 (with or without BOM) and UTF-16 (with BOM, or without one when every other byte of the
    text is zero) first. Otherwise a one-byte encoding, chosen among those survey tools and
    spreadsheets write (Windows-1252, Mac Roman, ISO-8859-15, Latin-1) by how French the
    characters it gives look (`_guess_single_byte`); a guess that leaves unlikely characters is
    announced, with the first line where one appears. A UTF-8 file that was once opened as
    Windows-1252 and saved again ("Ã©") is repaired.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "UTF-16", []
        except UnicodeDecodeError:
            raise InputFileError.at(path, "fichier UTF-16 corrompu") from None
    if b"\x00" in raw[:4096]:
        utf16 = _utf16_without_bom(raw)
        if utf16 is None:
            raise InputFileError.at(path, "fichier binaire ou corrompu (octets nuls) : exportez-le en CSV ou XLSX")
        try:
            return raw.decode(utf16), "UTF-16 (sans BOM)", []
        except UnicodeDecodeError:
            raise InputFileError.at(path, "fichier UTF-16 (sans BOM) corrompu") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return (*_repair_double_encoding(raw[3:].decode("utf-8"), "UTF-8 (BOM)"), [])
        except UnicodeDecodeError as exc:
            line = raw[: 3 + exc.start].count(b"\n") + 1
            raise InputFileError.at(
                path, "fichier marqué UTF-8 (BOM) mais contenant des octets invalides", row=line
            ) from None
    try:
        return (*_repair_double_encoding(raw.decode("utf-8"), "UTF-8"), [])
    except UnicodeDecodeError:
        mixed = _mixed_with_utf8(raw, path)
        if mixed is not None:
            return mixed
        text, encoding, odd = _guess_single_byte(raw)
    return text, encoding, _odd_characters(path, text, encoding, odd)


# Two bytes that start a UTF-8 accented letter or French sign (é is C3 A9, « is C2 AB, ’ is E2 80 99).
_UTF8_PAIR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


def _mixed_with_utf8(raw: bytes, path: Path) -> tuple[str, str, list[str]] | None:
    """A file that is not UTF-8 as a whole, but whose lines are UTF-8 or a one-byte encoding, line by
    line (two exports pasted together, a line added in another editor): each line is read in its own
    encoding, with a warning naming the lines read as UTF-8. Read whole in the one-byte encoding,
    the UTF-8 lines would hold « Ã© » for « é » (and regions that map to nothing).

    A line is read as UTF-8 only when it holds non-ASCII bytes and all of them are valid UTF-8,
    which French text in a one-byte encoding practically never is (« é » alone is not).
    """
    if not _UTF8_PAIR.search(raw):
        return None
    lines = raw.splitlines(keepends=True)
    utf8: list[int] = []
    other: list[int] = []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
    if not utf8 or not other:
        return None
    _, encoding, odd = _guess_single_byte(b"".join(lines[i] for i in other))
    codec = {name: codec for codec, name in (*_SINGLE_BYTE, ("iso-8859-15", "ISO-8859-15"))}[encoding]
    as_utf8 = set(utf8)
    text = "".join(
        line.decode("utf-8") if i in as_utf8 else line.decode(codec) for i, line in enumerate(lines)
    )
    shown = [i + 1 for i in utf8]
    where = ", ".join(map(str, shown[:10])) + (f" … (+{len(shown) - 10})" if len(shown) > 10 else "")
    warning = (
        f"{path.name} : encodages mêlés : {len(shown)} ligne{'s' if len(shown) > 1 else ''} en UTF-8 "
        f"(ligne{'s' if len(shown) > 1 else ''} {where}), les autres en {encoding} (fichiers mis bout à bout ?) ; "
        "chaque ligne est lue dans son encodage, vérifiez les accents"
    )
    return text, f"{encoding} et UTF-8 mêlés", [warning, *_odd_characters(path, text, encoding, odd)]


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the zero bytes fall on one side only (mostly-Latin text)."""
    sample = raw[:4096]
    half = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


# One-byte encodings tried when a file is not UTF-8, in order of preference on a tie.
_SINGLE_BYTE = (("cp1252", "Windows-1252"), ("mac_roman", "Mac Roman"), ("latin-1", "Latin-1"))
# Characters French answers are made of (lower case and typography weigh most: they are frequent).
_FRENCH_COMMON = set("àâçéèêëîïôùûœ’«»…–—°€\u00a0")
_FRENCH_RARE = set("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆæäöüÿ‘“”•·²³½¼¾×")
_UNLIKELY = re.compile("[\u0080-\u009f\ufffd]")


def _guess_single_byte(raw: bytes) -> tuple[str, str, str | None]:
    """The one-byte encoding under which the non-ASCII bytes read most like French text, and an
    example of an unlikely character when even the best guess gives some (a guess to check).

    Scored on the byte counts of the first megabytes (each distinct byte decoded once), so the
    cost does not grow with the file; a candidate that cannot decode the whole file is dropped.
    """
    counts = Counter(raw[:4_000_000])
    high = {b: n for b, n in counts.items() if b >= 0x80}

    def score(codec: str) -> float:
        total = 0.0
        for byte, n in high.items():
            try:
                char = bytes([byte]).decode(codec)
            except UnicodeDecodeError:
                return float("-inf")
            total += n * (1.0 if char in _FRENCH_COMMON else 0.3 if char in _FRENCH_RARE else -1.0)
        return total

    ranked = sorted(_SINGLE_BYTE, key=lambda c: -score(c[0]))  # stable: preference order on a tie
    for codec, name in ranked:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec == "cp1252" and _LATIN9_SIGNS.search(text):
            codec, name, text = "iso-8859-15", "ISO-8859-15", raw.decode("iso-8859-15")
        odd = next(
            (c for c in (bytes([b]).decode(codec) for b in sorted(high, key=lambda b: -high[b]))
             if c not in _FRENCH_COMMON and c not in _FRENCH_RARE),
            None,
        )
        return text, name, odd if score(codec) <= 0 or (odd and _UNLIKELY.match(odd)) else None
    return raw.decode("latin-1"), "Latin-1", None


def _odd_characters(path: Path, text: str, encoding: str, odd: str | None) -> list[str]:
    """A warning when the guessed encoding leaves characters a French answer rarely holds
    (control characters U+0080-U+009F above all): the guess is probably wrong, a person checks."""
    if odd is None:
        return []
    line = text.count("\n", 0, max(0, text.find(odd))) + 1
    n = text.count(odd)
    return [
        f"{path.name}, ligne {line} : encodage incertain (lu en {encoding}) : {n} caractère"
        f"{'s' if n > 1 else ''} inattendu{'s' if n > 1 else ''} « {odd.encode('unicode_escape').decode() if _UNLIKELY.match(odd) else odd} » "
        f"(U+{ord(odd):04X}) ; vérifiez les accents, ou réenregistrez le fichier en UTF-8"
    ]


def _repair_double_encoding(text: str, encoding: str) -> tuple[str, str]:
    """Undo UTF-8 read as Windows-1252 (or Latin-1) and saved again, run by run.

    Only runs that decode as valid UTF-8 are changed, so a legitimate "éé" stays as it is, and a
    file where only some lines were damaged is repaired line by line.
    """
    if not _MOJIBAKE.search(text):
        return text, encoding

    repaired = _unmojibake(text)
    return (repaired, f"{encoding}, double encodage réparé") if repaired != text else (text, encoding)


def _unmojibake(text: str) -> str:
    """`_undo_mojibake` over a text, again while it changes something (a file damaged twice,
    « ÃƒÂ© », is « Ã© » after one pass), three passes at most."""
    for _ in range(3):
        repaired = _HIGH_RUN.sub(_undo_mojibake, text)
        if repaired == text or not _MOJIBAKE.search(repaired):
            return repaired
        text = repaired
    return text


def _undo_mojibake(match: re.Match[str]) -> str:
    """One run of « Ã© »-like characters back to the UTF-8 text it was, when it decodes as such."""
    run = match.group(0)
    for wrong in ("cp1252", "latin-1"):
        try:
            return run.encode(wrong).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return run


def _repair_mojibake_cells(frame: pd.DataFrame) -> int:
    """A workbook's cells typed from a UTF-8 CSV that a spreadsheet opened as Windows-1252 (« RÃ©gion »,
    « capacitÃ© ») and saved as .xlsx or .ods: repaired in place, as a CSV's are when read. Returns
    how many cells changed."""
    changed = 0
    for column in frame.columns:
        cells = frame[column]
        damaged = cells.str.contains(_MOJIBAKE, na=False)
        if damaged.any():
            repaired = cells[damaged].map(_unmojibake)
            changed += int((repaired != cells[damaged]).sum())
            frame.loc[damaged, column] = repaired
    return changed


@contextlib.contextmanager
def _long_fields() -> Iterator[None]:
    """The csv module refuses fields over 131,072 characters by default; answers can be longer."""
    old = csv.field_size_limit(_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(old)


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
            with _long_fields():
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
    decoded, encoding, warnings = decode_checked(raw, path)
    text = _line_start_boms(path, decoded, warnings)
    # Ctrl-Z (0x1A), the end-of-file mark of DOS-era tools after the last line: not a row.
    text = text.rstrip("\x1a") if text.endswith("\x1a") else text
    delimiter = sniff_delimiter(text)
    marked = text if any(m in text for m in _MARKS) else _mark_literal_quotes(text, delimiter)
    if marked is not text:
        delimiter = sniff_delimiter(marked)
    # A lone carriage return in a file whose lines end with LF or CRLF: read inside its cell first;
    # kept only if no row then holds more fields than the file's rows (else it ended rows after all).
    inside = _LONE_CR.sub(_MARK_CR, marked) if "\n" in marked and _LONE_CR.search(marked) and not any(
        m in text for m in _MARKS) else None
    for attempt in ([inside, marked] if inside is not None else [marked]):
        # The file's own bytes only for the text as decoded: a mark taken out (BOMs, Ctrl-Z) is
        # in the bytes still.
        data = raw if encoding == "UTF-8" and attempt is decoded else attempt.encode("utf-8")
        grid = _read_csv_arrow(data, attempt, delimiter)
        rows: list[list[str]] | None = None
        counts: np.ndarray | None = None
        if grid is None:
            rows = _read_csv_rows(path, attempt, delimiter)
            counts = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
            width = int(counts.max()) if len(counts) else 0
            if attempt is inside and _lone_cr_ended_rows(rows, counts):
                continue
            grid = pd.DataFrame([_padded(r, width, delimiter) for r in rows], dtype=str)
        break
    _check_columns(path, grid)
    marks = _take_marks(grid) if attempt is not text else {}
    table = _to_table(path, grid, header_row, header_hint, fmt="csv", field_counts=counts, delimiter=delimiter)
    table.encoding, table.delimiter = encoding, delimiter
    table.warnings[:0] = warnings
    if rows is not None:
        _flag_short_rows(table, rows, delimiter)
        _flag_cut_end(table, rows, text)
    _report_marks(table, marks)
    return table


MAX_COLUMNS = 16_384  # Excel's own limit: no survey tool exports more columns


def _padded(row: list[str], width: int, delimiter: str) -> list[str]:
    """A row as wide as the grid, at most `MAX_COLUMNS` cells: the fields beyond are kept, joined
    in the last cell (the row has more fields than any header can, so it is set aside whole by its
    field count). A grid of one column per field made a line of 250,000 `";` take 19 s (pandas'
    work per column), 1 MB of them 53 s."""
    width = min(width, MAX_COLUMNS)
    if len(row) > width:
        return [*row[: width - 1], delimiter.join(row[width - 1 :])]
    return [*row, *[""] * (width - len(row))]


def _check_columns(path: Path, grid: pd.DataFrame) -> None:
    """Every row as wide as beyond `MAX_COLUMNS` (the header included): refused, with the width."""
    if grid.shape[1] > MAX_COLUMNS:
        raise InputFileError.at(
            path,
            f"{integer(grid.shape[1])} colonnes par ligne : au plus {integer(MAX_COLUMNS)} "
            "(la limite d'Excel) ; le séparateur est-il le bon ?",
        )


_LINE_BOM = re.compile("(?<=[\r\n])\ufeff+")


def _line_start_boms(path: Path, text: str, warnings: list[str]) -> str:
    """A byte order mark at the start of a line: two exports saved with a BOM and pasted together.
    Left there, it made the second header line differ from the first (the file was refused as
    « une autre ligne d'en-tête ») or sat in the first cell of a row. Removed, with a warning."""
    if "\ufeff" not in text:
        return text
    lines: list[int] = []
    line, counted = 1, 0
    for m in _LINE_BOM.finditer(text):  # lines counted from the previous mark on: linear in the text
        line += text.count("\n", counted, m.start())
        counted = m.start()
        lines.append(line)
    if not lines:
        return text
    warnings.append(
        f"{path.name}, ligne{'s' if len(lines) > 1 else ''} {_rows_list(lines)} : marque d'ordre des octets (BOM) "
        "en début de ligne, retirée (fichiers mis bout à bout ?)"
    )
    return _LINE_BOM.sub("", text)


# Private-use noncharacters put into a cell while the text is parsed, taken out of every cell after
# (a file that holds one already is read as before, without them).
_MARK_QUOTE = "\ufdd0"  # before a cell read as written: a quote opened it without closing it
_MARK_CUT = "\ufdd1"  # before a cell whose quote never closes: the file ends inside it
_MARK_CR = "\ufdd2"  # a lone carriage return inside a cell
_MARKS = (_MARK_QUOTE, _MARK_CUT, _MARK_CR)
_LONE_CR = re.compile(r"\r(?!\n)")


def _mark_literal_quotes(text: str, delimiter: str) -> str:
    """Cells that start with a quote which does not wrap them (`"Citation" puis suite`, written by a
    tool that never quotes) are quoted properly, so the parsers read them as written, quotes kept;
    csv and Arrow took the first quotes as quoting (« Citation puis suite ») or, with an odd number,
    ran the cell to the end of the file. Each such cell is marked (`_MARK_QUOTE`) to be named in a
    warning. A quoted cell never closed, when the lines after it are not rows (the rest of a quoted
    answer: the file was cut inside it), runs to the end of the file and is marked `_MARK_CUT`, so
    its row is set aside.

    A cell is properly quoted when its closing quote (inner ones doubled) is followed by the
    delimiter or a line end, as RFC 4180 writes it; spaces between the two are layout (`"Corse" ;`)
    and are dropped (csv and Arrow kept them after the text, which cleaning strips). Returns `text`
    itself when nothing changes.
    """
    d = re.escape(delimiter)
    width = _file_width(text, delimiter)
    many = max(2, width // 2)  # delimiters on a line that looks like a row
    # A cell-opening quote whose closing one is followed by something else, or never comes, or
    # whose quoted text goes on, on the next line, with many delimiters (a row, taken into a cell by
    # a quote that was never meant as quoting). The quote first: the search skips to quotes at C speed; a false
    # alert only costs the walk below.
    if not re.search(
        rf'"(?<![^{d}\r\n]")(?:[^"]*+(?:""[^"]*+)*+"(?![{d}\r\n]|\Z)|[^"]*+\Z|[^"\r\n]*+(?:\r\n?|\n)(?:[^"\r\n{d}]*+{d}){{{many}}})',
        text,
    ):
        return text
    opening = re.compile(rf'(?<![^{d}\r\n])"')
    good = re.compile(rf'"[^"]*+(?:""[^"]*+)*+"(?P<pad> +)?(?=[{d}\r\n]|\Z)')
    cell_end = re.compile(rf"[{d}\r\n]")
    out: list[str] = []
    done = pos = 0
    while (m := opening.search(text, pos)) is not None:
        start = m.start()
        quoted = good.match(text, start)
        if quoted is not None and _holds_rows(text, start, quoted.group(), delimiter, many):
            quoted = None
        if quoted is not None:
            if quoted.group("pad"):  # `"Corse" ;`: spaces after the closing quote are layout, dropped
                out.append(text[done : quoted.start("pad")])
                done = quoted.end()
            pos = quoted.end()
            continue
        if text.find('"', start + 1) < 0 and not _rows_follow(text, start, delimiter, width):
            out += [text[done:start], '"', _MARK_CUT, text[start:].replace('"', '""'), '"']
            done = pos = len(text)
            break
        end_match = cell_end.search(text, start + 1)
        end = end_match.start() if end_match else len(text)
        out += [text[done:start], '"', _MARK_QUOTE, text[start:end].replace('"', '""'), '"']
        done = pos = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)


def _file_width(text: str, delimiter: str) -> int:
    """Fields of the widest of the file's first lines (the header's, as a rule), quotes ignored."""
    head = text[:200_000].splitlines()[:HEADER_SEARCH_ROWS]
    return max((line.count(delimiter) + 1 for line in head), default=1)


def _line_start(text: str, at: int) -> int:
    """Where the line holding `at` starts, read back from `at` only as far as that line's start:
    `rfind` of one line end over the whole text before `at` read it to the file's start when the
    file has no such end at all (LF files have no CR), once per quoted cell: quadratic (a 270 MB
    export never finished reading)."""
    lo = at
    while lo > 0:
        chunk_start = max(0, lo - _BACK_CHUNK)
        chunk = text[chunk_start:lo]
        found = max(chunk.rfind("\n"), chunk.rfind("\r"))
        if found >= 0:
            return chunk_start + found + 1
        lo = chunk_start
    return 0


_BACK_CHUNK = 4_096  # characters read back at a time by `_line_start`: most lines are shorter


def _rows_follow(text: str, start: int, delimiter: str, width: int) -> bool:
    """Whether the lines after the one at `start` are rows (most have at least half as many fields
    as the file's first lines), not the rest of a quoted answer. On the last line: whether the
    line is a whole row read as written."""
    newline = re.compile(r"\r\n?|\n").search(text, start)
    after = [line for line in text[newline.end():].splitlines() if line.strip()] if newline else []
    if not after:
        line = text[_line_start(text, start) : newline.start() if newline else len(text)]
        return line.count(delimiter) + 1 >= width
    rows = sum(line.count(delimiter) + 1 >= max(2, width // 2) for line in after)
    return rows * 5 >= len(after) * 4


def _holds_rows(text: str, start: int, quoted: str, delimiter: str, many: int) -> bool:
    """Whether a quoted cell spanning lines holds a line that starts like the row it opens in (the
    same shape of first cell: a date, an id) with many delimiters: rows read into one cell between
    a quote opening a cell and one ending another, in a file that does not quote."""
    if "\n" not in quoted and "\r" not in quoted:
        return False
    head = text[_line_start(text, start) : start].split(delimiter, 1)[0]
    if head.startswith('"'):
        return False  # the row itself starts with a quoted cell: a quoting file
    shape = _shape(head)
    lines = quoted.splitlines()[1:]
    return any(line.count(delimiter) >= many and _shape(line.split(delimiter, 1)[0]) == shape for line in lines)


def _lone_cr_ended_rows(rows: list[list[str]], counts: np.ndarray) -> bool:
    """Read inside their cells, lone carriage returns joined rows (a row then holds more fields
    than the file's usual row): they were line ends (lines pasted from an old Mac file)."""
    if not len(counts):
        return False
    usual = int(np.bincount(counts).argmax())
    return any(len(r) > usual and any(_MARK_CR in c for c in r) for r in rows)


def _take_marks(grid: pd.DataFrame) -> dict[str, list[tuple[int, int]]]:
    """Take the marks out of the grid's cells (carriage returns put back); where the quote and cut
    marks were, by (grid row, column)."""
    found: dict[str, list[tuple[int, int]]] = {_MARK_QUOTE: [], _MARK_CUT: []}
    for position, name in enumerate(grid.columns):
        column = grid[name].astype(str)
        hit = column.str.contains("[\ufdd0-\ufdd2]", regex=True)
        if not hit.any():
            continue
        for row, value in column[hit].items():
            for mark in (_MARK_QUOTE, _MARK_CUT):
                if value.startswith(mark):
                    found[mark].append((int(row), position))
        grid[name] = column.where(~hit, column[hit].str.replace(_MARK_QUOTE, "", regex=False)
                                  .str.replace(_MARK_CUT, "", regex=False).str.replace(_MARK_CR, "\r", regex=False))
    return found


def _report_marks(table: Table, marks: dict[str, list[tuple[int, int]]]) -> None:
    """A warning naming the cells read as written around their quotes; the row of a quoted answer
    the file ends inside is set aside."""
    offset = table.first_data_row - 1  # grid row of the frame's row 0
    columns = list(table.frame.columns)
    literal = [(r - offset, c) for r, c in marks.get(_MARK_QUOTE, []) if r >= offset and c < len(columns)]
    literal = [(i, c) for i, c in literal if i in table.frame.index]
    if literal:
        where = sorted({table.row_number(i) for i, _ in literal})
        names = list(dict.fromkeys(columns[c] for _, c in literal))
        n = len(literal)
        table.warnings.append(
            f"{table.path.name}, ligne{'s' if len(where) > 1 else ''} {_rows_list(where)} : {n} réponse{'s' if n > 1 else ''} "
            f"commen{'cent' if n > 1 else 'ce'} par un guillemet qui ne l'entoure pas (colonne{'s' if len(names) > 1 else ''} "
            f"{', '.join(f'« {c[:60]} »' for c in names[:3])}{' …' if len(names) > 3 else ''}) : "
            f"lue{'s' if n > 1 else ''} telle{'s' if n > 1 else ''} qu'écrite{'s' if n > 1 else ''}, guillemets compris"
        )
    for r, c in marks.get(_MARK_CUT, []):
        i = r - offset
        if i in table.frame.index and c < len(columns):
            table.malformed[i] = (
                f"ligne coupée : un guillemet ouvert dans la colonne « {columns[c][:60]} » n'est jamais fermé, "
                "le fichier s'arrête dans cette réponse (fichier coupé ?)"
            )


def _rows_list(rows: list[int], limit: int = 10) -> str:
    return ", ".join(map(str, rows[:limit])) + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def _flag_cut_end(table: Table, rows: list[list[str]], text: str) -> None:
    """A file that stops in the middle of its last row (a download or a copy cut short): the row
    has fewer fields than the header and no line end after it. Padded, it was ingested with its
    answer cut. Set aside when every other row is whole; when other rows are short too (a tool that
    drops trailing empty cells), a warning names it."""
    if text.endswith(("\n", "\r")) or table.frame.empty:
        return
    last = int(table.frame.index[-1])
    fields = rows[table.first_data_row - 1 + last]
    width = len(table.frame.columns)
    if len(fields) >= width or last in table.malformed:
        return
    row = table.row_number(last)
    others = [int(i) for i in table.frame.index[:-1] if int(i) not in table.malformed]
    short = [i for i in others if len(rows[table.first_data_row - 1 + i]) < width]
    cut = (
        f"ligne coupée : le fichier s'arrête au milieu de la ligne {row} ({count(len(fields), 'champ')} pour "
        f"{count(width, 'en-tête')}, sans fin de ligne) : fichier coupé ?"
    )
    if not short:
        table.malformed[last] = cut
    else:
        table.warnings.append(f"{table.path.name}, ligne {row} : {cut} Lue complétée de cellules vides, vérifiez-la")


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
        if len(fields) > 2:  # a row written with another delimiter has one or two fields with this one
            continue
        line = delimiter.join(fields)
        other = next((d for d in _DELIMITERS if d != delimiter and line.count(d) + 1 >= width - 1), None)
        if other is not None:
            table.malformed[int(idx)] = (
                f"ligne mal formée : {count(len(fields), 'champ')} pour {count(width, 'en-tête')} "
                f"(écrite avec le séparateur « {other} » ?)"
            )
    _flag_cut_rows(table, rows, max(width, len(rows[offset - 1]) if offset else 0))


def _flag_cut_rows(table: Table, rows: list[list[str]], width: int) -> None:
    """A line break inside an unquoted answer cuts its row in two (or more): the first part ends
    early, the next starts with the rest of the answer, in the first column. Read apart, they
    would be a respondent missing answers and a respondent whose id is a piece of an answer.

    Consecutive rows whose fields add up to exactly one row (each break joins two fields into
    one: `n1 + n2 + … - (k - 1) == width`), all but the first shorter than the header line, are
    set aside together with a reason naming them, unless a continuation starts like the file's
    whole rows (same first-cell shape: an id, a date): two rows merely short of trailing empty
    cells (Excel's CSV) may add up by chance. A whole row followed by one-field lines (its last
    answer cut, or a note under the table) is read, and the lines are set aside. Rows cut by a
    quoted line break never get here (the parser joins them).
    """
    if width < 2:
        return
    offset = table.first_data_row - 1
    index = np.asarray(table.frame.index, dtype=np.int64)
    if len(index) < 2:
        return
    # A row already set aside (too many fields, another delimiter) neither starts nor continues one.
    counts = np.fromiter(
        (width + 1 if i in table.malformed else len(rows[offset + i]) for i in index.tolist()),
        dtype=np.int64, count=len(index),
    )
    if not (counts < width).any():
        return
    reach = np.cumsum(counts - 1)  # reach[e] - reach[s] + counts[s]: fields of rows s..e joined
    target = reach + (width - counts)
    last = np.searchsorted(reach, target, side="right") - 1  # the last row a chain from s can end at
    full = np.flatnonzero(counts >= width)  # a full (or longer) row cannot continue a chain
    after = np.searchsorted(full, np.arange(len(counts)), side="right")
    next_full = np.append(full, len(counts))[after]
    starts = np.flatnonzero(
        (counts <= width) & (last > np.arange(len(counts))) & (reach[last] == target) & (last < next_full)
    )
    if not len(starts):
        return
    # A row that only looks cut (two short rows whose fields happen to add up) starts like the
    # others: its first cell has the shape most whole rows' first cells have (an id, a date).
    whole = index[counts == width] if (counts == width).any() else index
    shapes = Counter(_shape(rows[offset + i][0]) for i in whole.tolist())
    commonest, seen = shapes.most_common(1)[0]
    usual = commonest if seen * 2 > len(whole) else None
    taken = -1
    for s in starts.tolist():
        if s <= taken:
            continue
        e = int(last[s])
        if usual is not None and any(_shape(rows[offset + i][0]) == usual for i in index[s + 1 : e + 1].tolist()):
            continue
        first, end = table.row_number(int(index[s])), table.row_number(int(index[e]))
        why = (
            f"ligne coupée : les lignes {first} à {end} ne font qu'une ligne de {count(width, 'champ')} "
            "(retour à la ligne sans guillemets dans une réponse ?) ; réexportez le fichier avec des "
            "guillemets autour des réponses"
        )
        if counts[s] == width:
            # A whole row, then one-field lines: the rest of its last answer, or a note under the
            # table (« Nombre de réponses : 47 »). The whole row is read; the lines are set aside.
            start, why = s + 1, (
                f"ligne d'un seul champ sous la ligne {first} : suite de sa dernière réponse, coupée par un "
                "retour à la ligne sans guillemets, ou note sous le tableau ?"
            )
        else:
            start = s
        for i in index[start : e + 1].tolist():
            table.malformed.setdefault(int(i), why)
        taken = e


_DIGITS = re.compile(r"\d+")
_LETTERS = re.compile(r"[^\W\d_]+")


def cell_shape(cell: str) -> str:
    """What ids or dates of one column share (`_shape`), for `ingest.core`."""
    return _shape(cell)


def _shape(cell: str) -> str:
    """'R01' -> 'a9', '16/06/2020 16:39' -> '9/9/9 9:9': what ids or dates of one column share."""
    return _LETTERS.sub("a", _DIGITS.sub("9", cell.strip()[:40]))


_STR = pd.StringDtype("pyarrow", na_value=float("nan"))  # pandas' default "str" columns, Arrow-backed


def _read_csv_arrow(data: bytes, text: str, delimiter: str) -> pd.DataFrame | None:
    """Fast path (Arrow's multithreaded parser) for the usual export: every row as wide as the first.

    None when it cannot be trusted: rows of other widths (Arrow refuses them), or an odd number of
    quotes (an unclosed quote, which Arrow would silently run to the end of the file). A row longer
    than Arrow's block (a very long answer) is retried with larger blocks.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.count(b'"') % 2:
        return None
    try:
        with _long_fields():
            first = next(csv.reader(io.StringIO(text[:1_000_000], newline=""), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    names = [f"c{i}" for i in range(len(first))]
    block = 1 << 20
    while True:
        try:
            table = pacsv.read_csv(
                io.BytesIO(data.removeprefix(b"\xef\xbb\xbf")),
                read_options=pacsv.ReadOptions(column_names=names, block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.large_string()),
                    strings_can_be_null=False, quoted_strings_can_be_null=False,
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block < len(data):
                block *= 8
                continue
            return None
        except pa.ArrowNotImplementedError:
            return None
    frame = table.to_pandas(types_mapper=lambda _: _STR)
    frame.columns = range(frame.shape[1])
    return frame


def _read_csv_rows(path: Path, text: str, delimiter: str) -> list[list[str]]:
    """Slow path, for rows of unequal length (a title line, a stray delimiter) or odd quotes."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        with _long_fields():
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
    grids: dict[str, tuple[list[list[object]], list[tuple[int, int]], object]] = {}
    try:
        names = list(book.sheetnames)
        hidden = [n for n in names if getattr(book[n], "sheet_state", "visible") != "visible"]
        chosen, others, warnings = _choose_sheet(
            path, names, hidden, sheet, header_row, header_hint,
            lambda name: _used_rows(book[name], HEADER_SEARCH_ROWS),
        )
        for name in [chosen, *others]:
            dates: list[tuple[int, int]] = []
            grids[name] = (_shown_rows(book[name], dates), dates, getattr(book[name], "_worksheet_path", None))
    finally:
        book.close()
    formulas = _has_formulas(path)

    def read_one(name: str) -> Table:
        grid, dates, sheet_xml = grids[name]
        if formulas:
            grid = _formulas_where_no_value(path, name, grid)
        marks = _xlsx_marks(path, sheet_xml) if isinstance(sheet_xml, str) else _SheetMarks()
        table = _sheet_table(path, name, grid, header_row, header_hint, marks.merges)
        _warn_dates_among_text(table, dates)
        _warn_hidden(table, marks)
        return table

    return _read_sheets(path, chosen, others, read_one, warnings)


def _shown_rows(sheet_data: object, dates: list[tuple[int, int]]) -> list[list[object]]:
    """The rows of an openpyxl sheet within its used range (`_used_rows`), each number, date or
    boolean as a French sheet shows it in its number format (`numfmt.shown`: « 007 », « 3,5 »,
    « 25 % », « 02/01/2026 »), as its CSV export writes it. `dates` receives the (row, column),
    0-based, of each date or time cell. The formats are read in the same pass as the values
    (one per style, looked up once)."""
    formats: dict[object, str] = {}

    def rows() -> Iterator[list[object]]:
        for i, row in enumerate(sheet_data.iter_rows(min_row=1, values_only=False)):  # type: ignore[attr-defined]
            out: list[object] = []
            for j, cell in enumerate(row):
                value = cell.value
                if value is None or isinstance(value, str):
                    out.append(value)
                    continue
                style = getattr(cell, "_style_id", None)
                code = formats.get(style)
                if code is None:
                    code = formats[style] = getattr(cell, "number_format", None) or "General"
                if isinstance(value, (date, time, timedelta)):
                    dates.append((i, j))
                out.append(shown(value, code))
            yield out

    sheet_data.reset_dimensions()  # type: ignore[attr-defined]
    return _trimmed(rows())


def _warn_dates_among_text(table: Table, dates: Sequence[tuple[int, int]], column_shift: int = 0) -> None:
    """A date in a column of text answers is most likely an answer the spreadsheet took for a date
    (« 1-2 » typed, 1 February saved): the text typed is not in the file. The cell is read as the
    sheet shows it, and a warning names the cells, so that a person can check them. Columns of
    dates (a timestamp) are not named. `dates`: 0-based sheet rows and grid columns; `column_shift`
    as for `_spread_merges`."""
    if not dates or table.frame.empty:
        return
    first = table.first_data_row - 1  # 0-based sheet row of the first data row
    columns = list(table.frame.columns)
    by_column: dict[int, list[int]] = {}
    for row, col in dates:
        if row >= first and col < len(columns) and (row - first) in table.frame.index:
            by_column.setdefault(col, []).append(row)
    name = table.path.name + (f", feuille « {table.sheet} »" if table.sheet else "")
    for col, rows in sorted(by_column.items()):
        filled = int(table.frame[columns[col]].str.strip().ne("").sum())
        if len(rows) * 2 > filled:
            continue
        refs = [f"{column_letter(col + 1 + column_shift)}{r + 1}" for r in rows]
        many = len(rows) > 1
        table.warnings.append(
            f"{name} : {len(rows)} date{'s' if many else ''} dans la colonne de texte "
            f"« {columns[col][:60]} » ({', '.join(refs[:10])}{' …' if len(refs) > 10 else ''}) : "
            + ("lues telles que la feuille les affiche" if many else "lue telle que la feuille l'affiche")
            + " ; si le tableur a pris une réponse pour une date (« 1-2 » tapé), le texte tapé n'est "
            "plus dans le fichier : vérifiez " + ("ces réponses" if many else "cette réponse")
        )


def _choose_sheet(
    path: Path, names: list[str], hidden: list[str], sheet: str | int | None, header_row: int | None,
    header_hint: str | None, first_rows: Callable[[str], list[list[object]]],
) -> tuple[str, list[str], list[str]]:
    """The sheet to read, the other visible sheets that have the expected header too (read when
    their headers are the same, `_read_sheets`), and the warnings saying which were skipped. By
    default, the first visible sheet that has the expected header: a "Notice" sheet before the data
    is common; a hidden sheet (old data, lookups) is read only when named, and a sheet named in
    consultation.yaml is read alone."""
    if sheet is not None:
        return _pick_sheet(path, names, sheet), [], []
    visible = [n for n in names if n not in hidden] or names
    if header_hint is None and not header_row:
        return _choose_unhinted(path, visible, hidden, first_rows)
    has_header = [name for name in names if header_row or _find_header_in(first_rows(name), header_hint) is not None]
    shown = [n for n in has_header if n not in hidden]
    if not shown and any(n in hidden for n in has_header):
        only = next(n for n in has_header if n in hidden)
        raise InputFileError.at(
            path,
            f"la feuille « {only} » qui contient les en-têtes est masquée : pour la lire, "
            f"nommez-la dans consultation.yaml (sheet: {only})",
            column=header_hint,
        )
    return (shown[0] if shown else visible[0]), [n for n in shown[1:] if first_rows(n)], _hidden_said(path, hidden)


def _table_width(rows: list[list[object]]) -> int:
    """The width of the table the first rows of a sheet hold (its header's filled cells); 0 for a
    sheet that is no table: a notice of one column, a title, headers with nothing under them."""
    at = _find_header_in(rows, None)
    if at is None or not any(str(c or "").strip() for row in rows[at + 1 :] for c in row):
        return 0
    width = sum(bool(str(c or "").strip()) for c in rows[at])
    return width if width >= 2 else 0


def _hidden_said(path: Path, hidden: list[str]) -> list[str]:
    many = len(hidden) > 1
    return [f"{path.name} : feuille{'s' if many else ''} masquée{'s' if many else ''} ignorée{'s' if many else ''} : "
            f"{', '.join(f'« {n} »' for n in hidden)}"] if hidden else []


def _choose_unhinted(
    path: Path, visible: list[str], hidden: list[str], first_rows: Callable[[str], list[list[object]]],
) -> tuple[str, list[str], list[str]]:
    """`_choose_sheet` for a draft (no column known yet): the answers are on the first visible sheet
    whose table is about as wide as the widest one (a notice, a summary or a list of codes before
    them is common), as an import finds the first sheet with the id column. Visible sheets that hold
    no table are named, never skipped without a word."""
    widths = {name: _table_width(first_rows(name)) for name in visible}
    found = [name for name in visible if widths[name]]
    warnings = _hidden_said(path, hidden)
    if not found:
        return visible[0], [n for n in visible[1:] if first_rows(n)], warnings
    widest = max(widths.values())
    chosen = next(n for n in found if widths[n] * 4 >= widest * 3)
    no_table = [n for n in visible if not widths[n] and first_rows(n)]
    if no_table:
        many = len(no_table) > 1
        warnings.append(
            f"{path.name} : feuille{'s' if many else ''} {', '.join(f'« {n} »' for n in no_table)} non "
            f"lue{'s' if many else ''} : pas de tableau de réponses (une ligne d'en-têtes d'au moins deux colonnes, "
            "des lignes dessous)"
        )
    return chosen, [n for n in found if n != chosen], warnings


def _read_sheets(
    path: Path, chosen: str, others: list[str], read_one: Callable[[str], Table], warnings: list[str]
) -> Table:
    """The chosen sheet, and each other sheet whose headers are the same (possibly in another
    order): an export split by region, by month, or by a tool's cap on rows per sheet (« Réponses
    1 », « Réponses 2 »). Reading the first alone lost the others' respondents without a word. A
    sheet with other headers is not read, and is named with what differs; the sheets read are
    named in a warning, with their rows. `warnings`: the workbook's (sheets hidden), put first."""
    main = read_one(chosen)
    if not others:
        main.warnings[:0] = warnings
        return main
    same, skipped, unread, respelled = [main], [], [], []
    for name in others:
        try:
            table = read_one(name)
        except InputFileError as exc:
            unread.append(f"{path.name} : feuille « {name} » non lue : {exc.problems[0].message}")
            continue
        differs = _header_difference(list(main.frame.columns), list(table.frame.columns), bool(main.duplicates))
        renamed = None if not differs or main.duplicates or table.duplicates else _respelled(
            list(main.frame.columns), list(table.frame.columns))
        if renamed:
            table.frame = table.frame.rename(columns=renamed)
            shown = ", ".join(f"« {_one_line(a)} » pour « {_one_line(b)} »" for a, b in list(renamed.items())[:3])
            respelled.append(f"« {name} » ({shown}{' …' if len(renamed) > 3 else ''})")
            same.append(table)
        elif differs:
            skipped.append(f"« {name} » ({differs})")
        else:
            same.append(table)
    table = _join_sheets(same) if len(same) > 1 else main
    if len(same) > 1:
        counts = ", ".join(f"« {t.sheet} » ({count(len(t.frame), 'ligne')})" for t in same)
        spelling = (
            f" ; les en-têtes de {' et de '.join(respelled)} ne diffèrent que par leur écriture (majuscules, accents, "
            f"espaces, ponctuation) de ceux de « {chosen} » : lus comme eux" if respelled else ""
        )
        table.warnings.insert(0, (
            f"{path.name} : réponses lues sur {integer(len(same))} feuilles aux mêmes en-têtes : {counts}{spelling} ; "
            "pour n'en lire qu'une, nommez-la dans consultation.yaml (sheet)"
        ))
    if skipped:
        many = len(skipped) > 1
        table.warnings.append(
            f"{path.name} : feuille{'s' if many else ''} {' ; '.join(skipped)} non lue{'s' if many else ''} : "
            f"en-têtes différents de ceux de la feuille « {chosen} » ; si elle{'s' if many else ''} "
            f"contien{'nent' if many else 't'} des réponses, exportez-les avec les mêmes colonnes, ou "
            "nommez la feuille à lire dans consultation.yaml (sheet)"
        )
    table.warnings[:0] = warnings
    table.warnings.extend(unread)
    return table


def _header_difference(main: list[str], other: list[str], twins: bool) -> str:
    """What keeps a sheet's columns from being the chosen sheet's ('' when they are the same, in
    any order; columns sharing a header (`twins`) are told apart by their place, so their order
    must be the same)."""
    if sorted(main) == sorted(other):
        return "colonnes de même en-tête dans un autre ordre" if twins and main != other else ""
    mains, others = set(main), set(other)
    missing = [c for c in main if c not in others]
    extra = [c for c in other if c not in mains]
    said = []
    if missing:
        said.append(f"colonne{'s' if len(missing) > 1 else ''} absente{'s' if len(missing) > 1 else ''} : "
                    + ", ".join(f"« {c[:60]} »" for c in missing[:3]) + (" …" if len(missing) > 3 else ""))
    if extra:
        said.append("en plus : " + ", ".join(f"« {c[:60]} »" for c in extra[:3]) + (" …" if len(extra) > 3 else ""))
    return " ; ".join(said)


def _respelled(main: list[str], other: list[str]) -> dict[str, str] | None:
    """The other sheet's headers renamed to the chosen sheet's, when they differ only by case,
    accents, spaces, punctuation or line breaks (`header_key`, numbering kept: « 1. Avis » is not
    « 2. Avis »), one for one; None when a header has no twin, or two share a key."""
    keys = {header_key(c, keep_number=True): c for c in main}
    theirs = {header_key(c, keep_number=True): c for c in other}
    if len(keys) != len(main) or len(theirs) != len(other) or set(keys) != set(theirs):
        return None
    return {c: keys[k] for k, c in theirs.items() if c != keys[k]}


def _one_line(header: str) -> str:
    """A header as shown in a message: its line breaks as « ↵ », its spaces kept (they may be all
    that differs)."""
    return header.replace("\r\n", "↵").replace("\n", "↵")[:60]


def _join_sheets(tables: list[Table]) -> Table:
    """Tables of several sheets as one, in the first one's column order; each row keeps its sheet
    and row number (`Table.sheets`), and each sheet's warnings name their sheet."""
    first = tables[0]
    columns = list(first.frame.columns)
    frames, parts, malformed, warnings = [], [], {}, []
    start = 0
    for table in tables:
        name = f"{table.path.name}, feuille « {table.sheet} »"
        warnings += [w if f"feuille « {table.sheet} »" in w else w.replace(table.path.name, name, 1)
                     for w in table.warnings]
        if table.frame.empty:
            continue
        frame = table.frame[columns]
        frame.index = frame.index + start
        frames.append(frame)
        parts.append((str(table.sheet), start, table.first_data_row))
        malformed.update({i + start: why for i, why in table.malformed.items()})
        start += int(table.frame.index.max()) + 1
    joined = Table(
        path=first.path, frame=pd.concat(frames) if frames else first.frame, first_data_row=first.first_data_row,
        sheet=first.sheet, fmt=first.fmt, malformed=malformed, warnings=list(dict.fromkeys(warnings)),
        duplicates=first.duplicates, sheets=parts,
    )
    return joined


def _sheet_table(
    path: Path, chosen: str, grid: list[list[object]], header_row: int | None, header_hint: str | None,
    merges: Sequence[_Merge] = (), column_shift: int = 0,
) -> Table:
    if not grid:
        raise InputFileError.at(path, f"feuille « {chosen} » vide")
    frame = _excel_frame(grid, header_row)
    repaired = _repair_mojibake_cells(frame)
    try:
        table = _to_table(path, frame, header_row, header_hint, fmt="xlsx")
    except InputFileError as exc:
        for problem in exc.problems:
            problem.message += f" (feuille « {chosen} »)"
        raise InputFileError(exc.problems) from None
    table.sheet = chosen
    if repaired:
        table.warnings.append(
            f"{path.name}, feuille « {chosen} » : accents mal décodés (« Ã© » pour « é ») dans "
            f"{count(repaired, 'cellule')}, réparés : un CSV en UTF-8 ouvert comme Windows-1252 puis "
            "enregistré en classeur ?"
        )
    _spread_merges(table, merges, column_shift)
    return table


# A merged range of cells, 0-based and inclusive: (first row, first column, last row, last column).
_Merge = tuple[int, int, int, int]
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + c - 64
    return n


_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s[^>]*?\bhidden="(?:1|true)"[^>]*>')
_HIDDEN_COL = re.compile(rb'<(?:\w+:)?col\s[^>]*?\bhidden="(?:1|true)"[^>]*>')
_ROW_NUMBER = re.compile(rb'\sr="([0-9]{1,7})"')
_COL_SPAN = re.compile(rb'\smin="([0-9]{1,5})"[^>]*?\smax="([0-9]{1,5})"|\smax="([0-9]{1,5})"[^>]*?\smin="([0-9]{1,5})"')
_AUTO_FILTER = re.compile(rb'<(?:\w+:)?autoFilter\s[^>]*?ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')


@dataclass
class _SheetMarks:
    """What a sheet's XML says beside its cells: merged ranges, rows and columns hidden (by hand
    or by a filter; 0-based), and the range of its filter, if any."""

    merges: list[_Merge] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[int] = field(default_factory=list)
    auto_filter: str = ""


def _xlsx_marks(path: Path, member: str) -> _SheetMarks:
    """The merged ranges (<mergeCell ref="E3:E8"/>), hidden rows (<row r="5" hidden="1">), hidden
    columns (<col min="3" max="4" hidden="1"/>) and filter (<autoFilter ref="A1:P48"/>) of one
    sheet, read a megabyte at a time."""
    import zipfile

    marks = _SheetMarks()

    def scan(window: bytes, end: int) -> None:
        for m in _MERGE_REF.finditer(window, 0, end):
            c1, r1 = _column_number(m.group(1)), int(m.group(2))
            c2, r2 = (_column_number(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
            marks.merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
        for m in _HIDDEN_ROW.finditer(window, 0, end):
            number = _ROW_NUMBER.search(m.group())
            if number:
                marks.hidden_rows.append(int(number.group(1)) - 1)
        for m in _HIDDEN_COL.finditer(window, 0, end):
            span = _COL_SPAN.search(m.group())
            if span:
                low, high = (int(span.group(1)), int(span.group(2))) if span.group(1) else (
                    int(span.group(4)), int(span.group(3)))
                marks.hidden_columns.extend(range(low - 1, min(high, MAX_COLUMNS)))
        found = _AUTO_FILTER.search(window, 0, end)
        if found:
            marks.auto_filter = found.group(1).decode()

    try:
        with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as xml:
            tail = b""
            for chunk in iter(lambda: xml.read(1 << 20), b""):
                window = tail + chunk
                cut = window.rfind(b"<")
                if cut < 0:
                    cut = len(window)
                scan(window, cut)
                tail = window[cut:][-4096:]
            scan(tail, len(tail))
    except (zipfile.BadZipFile, KeyError, OSError):
        return _SheetMarks()
    return marks


def _warn_hidden(table: Table, marks: _SheetMarks, column_shift: int = 0) -> None:
    """Rows and columns hidden in the sheet (by hand, or by a filter) are read like the others:
    hiding is a way of viewing the sheet, the answers are still in the file, and leaving them out
    would change the counts without a trace. A warning names them, so that whoever hid them knows
    they are counted (and deletes them if they must not be). Only rows of data and columns of
    the table are named. `column_shift` as for `_spread_merges`."""
    first = table.first_data_row - 1  # 0-based sheet row of the first data row
    rows = sorted({r + 1 for r in marks.hidden_rows if r >= first and (r - first) in table.frame.index})
    columns = list(table.frame.columns)
    hidden = sorted({c - column_shift for c in marks.hidden_columns if 0 <= c - column_shift < len(columns)})
    filled = [c for c in hidden if table.frame[columns[c]].str.strip().ne("").any()]
    if not rows and not filled:
        return
    name = table.path.name + f", feuille « {table.sheet} »"
    said = []
    if rows:
        by = f" par le filtre actif sur {marks.auto_filter} ou à la main" if marks.auto_filter else ""
        said.append(f"{integer(len(rows))} ligne{'s' if len(rows) > 1 else ''} masquée{'s' if len(rows) > 1 else ''} "
                    f"({_rows_list(rows)}){by}")
    if filled:
        said.append(
            f"{integer(len(filled))} colonne{'s' if len(filled) > 1 else ''} masquée{'s' if len(filled) > 1 else ''} ("
            + ", ".join(f"{column_letter(c + 1 + column_shift)} « {columns[c][:60]} »" for c in filled[:5])
            + (" …" if len(filled) > 5 else "") + ")"
        )
    many = len(rows) + len(filled) > 1
    table.warnings.append(
        f"{name} : {' et '.join(said)} : lue{'s' if many else ''} comme les autres, masquer ne retire "
        "rien du fichier ; " + ("si elles ne doivent pas compter, supprimez-les" if many else
                                "si elle ne doit pas compter, supprimez-la") + " de l'export"
    )


def _spread_merges(table: Table, merges: Sequence[_Merge], column_shift: int = 0) -> None:
    """A value typed once over merged cells (a region over the rows of its respondents, rows
    grouped by region) is, for whoever reads the sheet, the value of every row of the range; the
    reader gave it to the first row only, and the others went to « Région inconnue ». Over several
    rows of the data, the value is given to each row, and a warning names the ranges. Over several
    columns of one row, it stays in the first column only (given to each, one answer would count in
    several questions), and a warning names the range. Ranges above the data (a title) are left.
    `column_shift`: the sheet's first column, when the grid starts there (calamine), for the names."""
    columns = list(table.frame.columns)
    first = table.first_data_row - 1  # 0-based sheet row of the first data row
    down: dict[str, list[str]] = {}
    across: list[str] = []
    for r1, c1, r2, c2 in sorted(merges, key=lambda m: (m[1], m[0])):
        if r1 < first or c1 >= len(columns):
            continue
        ref = f"{column_letter(c1 + 1 + column_shift)}{r1 + 1}:{column_letter(c2 + 1 + column_shift)}{r2 + 1}"
        top = r1 - first
        if top not in table.frame.index:
            continue
        if c2 > c1 and table.frame.at[top, columns[c1]].strip():
            across.append(f"{ref} (« {columns[c1][:60]} »)")
        if r2 > r1:
            value = table.frame.at[top, columns[c1]]
            below = [i for i in range(top + 1, r2 - first + 1) if i in table.frame.index]
            if not value.strip() or not below:
                continue
            table.frame.loc[below, columns[c1]] = value
            down.setdefault(columns[c1], []).append(ref)
    name = table.path.name + (f", feuille « {table.sheet} »" if table.sheet else "")
    for column, refs in down.items():
        table.warnings.append(
            f"{name} : cellules fusionnées sur plusieurs lignes dans la colonne « {column[:60]} » "
            f"({', '.join(refs[:10])}{' …' if len(refs) > 10 else ''}) : la valeur de chaque plage est "
            "reprise sur chacune de ses lignes"
        )
    if across:
        table.warnings.append(
            f"{name} : cellules fusionnées sur plusieurs colonnes ({', '.join(across[:10])}"
            f"{' …' if len(across) > 10 else ''}) : la valeur n'est lue que dans la première colonne de chaque plage"
        )


def _read_other_workbook(path: Path, sheet: str | int | None, header_row: int | None, header_hint: str | None) -> Table:
    """An OpenDocument (.ods) or old Excel (.xls) workbook, read by calamine as `_read_excel`
    reads an .xlsx: the same choice of sheet, the same cells as text. The values are those the
    spreadsheet saved (a formula's last result: LibreOffice and Excel always save it)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    # calamine holds a sheet as a dense grid up to its last filled cell, and opens every sheet of
    # an .ods at once: one character typed in ZZ100000 is 70 million cells (5 GB). So an .ods
    # sheet's extent is read first from its XML, streamed; an .xls sheet (at most 65,536 × 256
    # cells, about 1 GB) is measured once loaded.
    ods_merges: dict[str, list[_Merge]] = {}
    ods_shown: dict[str, list[_OdsShown]] = {}
    ods_hidden: dict[str, _SheetMarks] = {}
    if path.suffix.lower() == ".ods":
        for name, (height, width) in _ods_extents(path, ods_merges, ods_shown, ods_hidden).items():
            _check_extent(path, name, height, width)
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = [m.name for m in book.sheets_metadata]
        hidden = [m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible]
    except Exception as exc:  # calamine raises its own types for a damaged or foreign file
        raise InputFileError.at(path, (
            f"classeur {path.suffix.lower()} illisible ({type(exc).__name__}) ; s'il s'ouvre dans un tableur, "
            "réenregistrez-le en .xlsx"
        )) from None
    rows: dict[str, list[list[object]]] = {}
    starts: dict[str, int] = {}

    def sheet_rows(name: str) -> list[list[object]]:
        if name not in rows:
            try:
                data = book.get_sheet_by_name(name)
                _check_extent(path, name, data.height, data.width)
                rows[name] = _trimmed(data.iter_rows())
                # calamine's rows start at the sheet's first row, but at its first filled column.
                starts[name] = (data.start or (0, 0))[1]
            except InputFileError:
                raise
            except Exception as exc:
                raise InputFileError.at(path, f"feuille « {name} » illisible ({type(exc).__name__})") from None
        return rows[name]

    chosen, others, warnings = _choose_sheet(
        path, names, hidden, sheet, header_row, header_hint, lambda name: sheet_rows(name)[:HEADER_SEARCH_ROWS],
    )

    def read_one(name: str) -> Table:
        shift = starts.get(name, 0)
        dates: list[tuple[int, int]] = []
        # Numbers, dates and booleans as the sheet shows them: an .xls cell in its format (read from
        # the file's records, `xls_formats`), an .ods cell as the text it holds (`_ods_shown`).
        formats = cell_formats(path, name) if path.suffix.lower() == ".xls" else {}
        grid: list[list[object]] = []
        for i, r in enumerate(sheet_rows(name)):
            grid.append(
                [v if isinstance(v, str) else _other_cell(v, formats.get((i, j + shift)), dates, i, j) for j, v in enumerate(r)]
                if r else r  # the shared empty row of `_trimmed`
            )
        if name in ods_shown:
            dates.clear()
            grid = _ods_shown(grid, ods_shown[name], shift, dates)
        if path.suffix.lower() == ".ods":
            found = [((r1, c1), (r2, c2)) for r1, c1, r2, c2 in ods_merges.get(name, [])]
        else:
            try:
                found = book.get_sheet_by_name(name).merged_cell_ranges or []
            except Exception:  # calamine raises its own types; the merges are a help, the cells are read
                found = []
        merges = [(r1, c1 - shift, r2, c2 - shift) for (r1, c1), (r2, c2) in found if c1 >= shift]
        table = _sheet_table(path, name, grid, header_row, header_hint, merges, shift)
        _warn_dates_among_text(table, dates, shift)
        if path.suffix.lower() == ".xls":
            hidden_rows, hidden_columns = hidden_rows_columns(path, name)
            marks = _SheetMarks(hidden_rows=hidden_rows, hidden_columns=hidden_columns)
        else:
            marks = ods_hidden.get(name, _SheetMarks())
        _warn_hidden(table, marks, shift)
        return table

    return _read_sheets(path, chosen, others, read_one, warnings)


def _other_cell(value: object, code: str | None, dates: list[tuple[int, int]], row: int, col: int) -> str:
    """A calamine cell that is not text, as the sheet shows it in its format (« General » when the
    format is unknown); a date or time cell's place goes to `dates`."""
    if isinstance(value, (date, time, timedelta)):
        dates.append((row, col))
    return shown(value, code)


# Cells of one sheet up to its last filled cell, read from an .ods or .xls: 1,000,000 rows of 10
# columns. Beyond, the sheet is refused, naming where its last filled cell is.
MAX_SHEET_CELLS = 10_000_000


def check_ods_size(path: Path) -> None:
    """Refuse an .ods whose sheets calamine would hold as more than MAX_SHEET_CELLS cells each,
    before it opens them (InputFileError naming the sheet and its last filled cell's place; an
    archive that is not an OpenDocument spreadsheet is an InputFileError too)."""
    for name, (height, width) in _ods_extents(path).items():
        _check_extent(path, name, height, width)


def _check_extent(path: Path, sheet: str, height: int, width: int) -> None:
    if height * width > MAX_SHEET_CELLS:
        raise InputFileError.at(path, (
            f"feuille « {sheet} » : des cellules remplies jusqu'à la ligne {integer(height)} et la colonne "
            f"{integer(width)}, soit {integer(height * width)} cellules (au plus {integer(MAX_SHEET_CELLS)} "
            "lues) : supprimez ce qui est rempli hors du tableau, ou réenregistrez le classeur en .xlsx"
        ))


@dataclass
class _OdsCursor:
    """Where `_ods_extents` is in content.xml: the sheet, row and column, and the last filled ones."""

    sheet: str = ""
    row: int = 0
    columns: int = 0  # the table's columns declared so far (<table:table-column>)
    last_row: int = 0
    last_col: int = 0
    col: int = 0
    row_last: int = 0
    row_rep: int = 1
    cell_rep: int = 1
    span: tuple[int, int] = (1, 1)
    filled: bool = False
    in_cell: bool = False
    kind: str = ""  # the value type of the number, date or boolean cell being read ('' otherwise)
    note: bool = False  # inside that cell's comment


# A number, date or boolean cell of an .ods as its sheet shows it: (row, rows repeated, column,
# columns repeated, the text the cell holds, its value type).
_OdsShown = tuple[int, int, int, int, str, str]


def _ods_extents(
    path: Path, merges: dict[str, list[_Merge]] | None = None, shown: dict[str, list[_OdsShown]] | None = None,
    hidden: dict[str, _SheetMarks] | None = None,
) -> dict[str, tuple[int, int]]:
    """Per sheet of an .ods, the rows and columns up to its last filled cell, counted from
    content.xml as it streams by (repeated rows and cells counted, nothing kept): the size the
    sheet would have in memory, known before it is loaded. `merges`, when given, receives each
    sheet's merged ranges (cells spanning rows or columns: calamine does not give them for .ods);
    `shown` each sheet's number, date and boolean cells with the text they hold in <text:p>
    (« 007 », « 3,5 », « 02/01/2026 »: calamine gives the value only), one entry per cell element
    (a repeated cell is one), so that memory follows the file, not the repeats."""
    import zipfile
    from xml.parsers import expat

    table, office = "urn:oasis:names:tc:opendocument:xmlns:table:1.0", "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    cells = {f"{table} table-cell", f"{table} covered-table-cell"}
    extents: dict[str, tuple[int, int]] = {}
    at = _OdsCursor()
    parts: list[str] = []  # the text of the typed cell being read, paragraph by paragraph
    paragraphs: list[str] = []

    def repeat(attrs: dict[str, str], key: str) -> int:
        try:
            return max(1, int(attrs.get(f"{table} {key}", "1")))
        except ValueError:
            return 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag in cells:
            at.cell_rep, at.in_cell, at.filled = repeat(attrs, "number-columns-repeated"), True, f"{office} value-type" in attrs
            kind = attrs.get(f"{office} value-type", "string")
            at.kind = kind if shown is not None and kind != "string" else ""
            if at.kind:
                parts.clear()
                paragraphs.clear()
            rows, cols = repeat(attrs, "number-rows-spanned"), repeat(attrs, "number-columns-spanned")
            if merges is not None and (rows > 1 or cols > 1):
                merges.setdefault(at.sheet, []).append((at.row, at.col, at.row + rows - 1, at.col + cols - 1))
        elif at.in_cell:
            at.filled = True  # a paragraph, an annotation…: the cell holds something
            if at.kind:
                if tag == f"{office} annotation":
                    at.note = True  # a comment on the cell: not what the cell shows
                elif tag == f"{text} s":
                    parts.append(" " * repeat({f"{table} c": attrs.get(f"{text} c", "1")}, "c"))
                elif tag == f"{text} tab":
                    parts.append("\t")
                elif tag == f"{text} line-break":
                    parts.append("\n")
        elif tag == f"{table} table-row":
            at.col, at.row_last, at.row_rep = 0, 0, repeat(attrs, "number-rows-repeated")
            if hidden is not None and attrs.get(f"{table} visibility", "visible") != "visible":
                # collapsed by hand or by a filter; a style repeated over the empty rows below is cut short
                hidden.setdefault(at.sheet, _SheetMarks()).hidden_rows.extend(range(at.row, at.row + min(at.row_rep, 10_000)))
        elif tag == f"{table} table-column":
            columns = repeat(attrs, "number-columns-repeated")
            if hidden is not None and attrs.get(f"{table} visibility", "visible") != "visible":
                hidden.setdefault(at.sheet, _SheetMarks()).hidden_columns.extend(
                    range(at.columns, min(at.columns + columns, MAX_COLUMNS)))
            at.columns += columns
        elif tag == f"{table} table":
            at.sheet, at.row, at.last_row, at.last_col = attrs.get(f"{table} name", ""), 0, 0, 0
            at.columns = 0

    def end(tag: str) -> None:
        if tag in cells:
            if at.kind and shown is not None:
                shown.setdefault(at.sheet, []).append(
                    (at.row, at.row_rep, at.col, at.cell_rep, "\n".join(paragraphs), at.kind)
                )
                at.kind = ""
            at.col += at.cell_rep
            if at.filled:
                at.row_last = at.col
            at.in_cell = False
        elif tag == f"{office} annotation":
            at.note = False
            parts.clear()
        elif tag == f"{text} p" and at.kind and not at.note:
            paragraphs.append("".join(parts))
            parts.clear()
        elif tag == f"{table} table-row":
            at.row += at.row_rep
            if at.row_last:
                at.last_row, at.last_col = at.row, max(at.last_col, at.row_last)
        elif tag == f"{table} table":
            extents[at.sheet] = (at.last_row, at.last_col)

    def chars(data: str) -> None:
        if at.kind and not at.note:
            parts.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if shown is not None:
        parser.CharacterDataHandler = chars
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            parser.ParseFile(content)
    except (zipfile.BadZipFile, KeyError, OSError, expat.ExpatError) as exc:
        raise InputFileError.at(path, (
            f"classeur .ods illisible ({type(exc).__name__}) ; s'il s'ouvre dans un tableur, réenregistrez-le en .xlsx"
        )) from None
    return extents


def _ods_shown(
    grid: list[list[object]], cells: Sequence[_OdsShown], shift: int, dates: list[tuple[int, int]]
) -> list[list[object]]:
    """The sheet's number, date and boolean cells (`_ods_extents`) put into calamine's `grid` as
    the text they hold, in place. `dates` receives the (row, grid column) of each date or time cell
    (at most 1,000 rows × 100 columns of one repeated cell: enough to name them)."""
    for row, rows, col, cols, shown_text, kind in cells:
        if kind in {"date", "time"}:
            dates.extend((row + r, col + c - shift) for r in range(min(rows, 1000)) for c in range(min(cols, 100)))
        for r in range(row, min(row + rows, len(grid))):
            line = grid[r]
            if not line:  # the shared empty row of `_trimmed`: no typed cell there
                continue
            for c in range(max(col - shift, 0), min(col + cols - shift, len(line))):
                line[c] = shown_text
    return grid


def _blank_cell(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _used_rows(sheet_data: object, limit: int | None = None) -> list[list[object]]:
    """The rows of an openpyxl sheet within its used range (`_trimmed`).

    Neither the declared <dimension> (tools write wrong ones, e.g. "A1") nor the furthest cell
    typed (a space in XFD1048576) decides the size: a row costs what it holds, and empty rows
    after the last filled one cost nothing.
    """
    sheet_data.reset_dimensions()  # type: ignore[attr-defined]
    return _trimmed(sheet_data.iter_rows(min_row=1, max_row=limit, values_only=True))  # type: ignore[attr-defined]


def _trimmed(values: Iterable[Sequence[object]]) -> list[list[object]]:
    """Rows without their trailing empty or blank cells, and without the empty rows after the
    last filled one (calamine gives an empty cell as "", openpyxl as None)."""
    rows: list[list[object]] = []
    pending = 0  # empty rows seen since the last filled one: kept only if a filled row follows
    for row in values:
        end = len(row)
        while end and _blank_cell(row[end - 1]):
            end -= 1
        if not end:
            pending += 1
            continue
        if pending:
            # One shared, immutable empty row: a million of them cost 8 MB.
            rows.extend([()] * pending)  # type: ignore[list-item]
            pending = 0
        rows.append(list(row[:end]))
    return rows


def _excel_frame(grid: list[list[object]], header_row: int | None) -> pd.DataFrame:
    """Cells as text, as wide as the header line plus one column: a row with cells beyond the
    headers keeps one of them there (so it is flagged) and no row makes every row wider."""
    head = grid[header_row - 1 : header_row] if header_row else grid[:HEADER_SEARCH_ROWS]
    width = max((len(r) for r in head), default=0) + 1
    out, positions = [], []
    for i, r in enumerate(grid):
        if not r:  # empty rows are filled in bulk below, keeping their numbering
            continue
        if len(r) > width:
            extra = next((v for v in r[width - 1 :] if not _blank_cell(v)), None)
            r = [*r[: width - 1], extra]
        cells = [cell_text(v) for v in r]
        out.append(cells + [""] * (width - len(cells)))
        positions.append(i)
    frame = pd.DataFrame(out, index=positions, columns=range(width), dtype=str)
    return frame if len(positions) == len(grid) else frame.reindex(range(len(grid)), fill_value="")


def _has_formulas(path: Path) -> bool:
    """Look into the workbook's sheets for formula cells (<f> elements), a megabyte at a time: a
    sheet's XML can be gigabytes once unzipped, and must not be held in memory for this."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as member:
                    tail = b""
                    for chunk in iter(lambda: member.read(1 << 20), b""):
                        window = tail + chunk
                        if b"<f>" in window or b"<f " in window:
                            return True
                        tail = window[-2:]
    except (zipfile.BadZipFile, OSError, KeyError):
        return False
    return False


def _formulas_where_no_value(path: Path, sheet: str, grid: list[list[object]]) -> list[list[object]]:
    """A formula cell whose value was never computed (a workbook written by a tool, not by Excel)
    keeps its formula as text rather than becoming empty: the answer is not silently lost."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = _used_rows(book[sheet])
    finally:
        book.close()
    out = []
    for i in range(max(len(grid), len(formulas))):  # row i is sheet row i + 1 in both lists
        row = list(grid[i]) if i < len(grid) else []
        texts = formulas[i] if i < len(formulas) else []
        for j, text in enumerate(texts):
            if isinstance(text, str) and text.startswith("=") and (j >= len(row) or row[j] is None):
                row.extend([None] * (j + 1 - len(row)))
                row[j] = text
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


def _read_json(path: Path, header_hint: str | None) -> Table:
    """JSON Lines (one object per line), or one JSON document holding a table: a list of objects,
    or any of pandas' `to_json()` layouts (columns, index, split, table). Anything else is refused:
    never one respondent whose answers are blobs of JSON."""
    text, _, warnings = decode_checked(path.read_bytes(), path)
    if not text.strip():
        raise InputFileError.at(path, "fichier vide")
    lines = text.split("\n")  # not splitlines(): U+2028 and U+2029 are valid inside JSON strings
    filled = sum(1 for line in lines if line.strip())
    try:
        document = _json_value(path, text, None)
    except InputFileError:
        if filled < 2:
            raise
        document = None  # several lines: JSON Lines, whose errors are reported line by line
    if document is not None:
        rows: list[dict | None] = _json_records(path, document, header_hint, warnings)
        fmt = "json"
    else:
        rows, fmt = [], "jsonl"
        for number, line in enumerate(lines, start=1):
            line = line.removesuffix("\r")
            if not line.strip():
                if number < len(lines):
                    rows.append(None)
                continue
            record = _json_value(path, line, number)
            if not isinstance(record, dict):
                raise InputFileError.at(path, "objet {colonne: valeur} attendu", row=number, value=line)
            rows.append(record)
    _check_json_columns(path, rows, lines=fmt == "jsonl")
    rows = _flatten_records(path, rows, warnings, lines=fmt == "jsonl")
    _check_json_columns(path, rows, lines=fmt == "jsonl")
    frame = pd.DataFrame([r or {} for r in rows], dtype=object)
    frame = _stringify(frame)
    frame = frame.loc[[r is not None and any(v not in (None, "") for v in r.values()) for r in rows]]
    return Table(path=path, frame=frame, first_data_row=1, fmt=fmt, warnings=warnings)


_OF_OBJECTS = "d'objets"


def _refuse_nested_list(path: Path, value: list, row: int | None, key: str) -> None:
    """A list of objects or of lists has no place in a cell of a table: refused, naming it."""
    inner = next((v for v in value if isinstance(v, (dict, list, tuple))), None)
    if inner is not None:
        raise InputFileError.at(
            path,
            f"liste {_OF_OBJECTS if isinstance(inner, dict) else 'de listes'} dans une valeur : une "
            "table n'a qu'une valeur par case ; exportez une ligne par répondant, aux valeurs simples",
            row=row, column=key, value=json.dumps(value, ensure_ascii=False, default=str)[:80],
        )


def _joined(values: list) -> str:
    """A list of plain values as one answer: its values joined by « / », empty ones left out."""
    return " / ".join(t for t in (cell_text(v).strip() for v in values) if t)


def _flatten_records(path: Path, rows: list[dict | None], warnings: list[str], *, lines: bool) -> list[dict | None]:
    """Objects inside a record (`{"id": 1, "reponses": {"q1": "…"}}`, as Typeform or an API write
    them) are read as columns named by their path, « reponses.q1 », which consultation.yaml can
    name; a list of plain values (`"q1": ["a", "b"]`, the options ticked) as one answer, its
    values joined by « / » as the parts of a question are. Both are named in a warning. A list of
    objects or lists has no place in a table: the file is refused, naming the line and the key.
    Before, each went in as its JSON text: an answer « {"q1": …} », a region that was none."""
    objects: dict[str, int] = {}
    lists: dict[str, list[int]] = {}
    out: list[dict | None] = []
    for number, record in enumerate(rows, start=1):
        if not record or not any(isinstance(v, (dict, list)) for v in record.values()):
            out.append(record)
            continue
        flat: dict[str, object] = {}
        stack: list[tuple[str, object]] = list(reversed(record.items()))
        while stack:
            key, value = stack.pop()
            if isinstance(value, dict):
                objects.setdefault(key, number)
                stack.extend(reversed([(f"{key}.{k}", v) for k, v in value.items()]))
                continue
            if isinstance(value, list):
                _refuse_nested_list(path, value, number if lines else None, key)
                lists.setdefault(key, []).append(number)
                value = _joined(value)
            if key in flat:
                raise InputFileError.at(
                    path, f"clé « {key} » écrite deux fois une fois les objets imbriqués mis à plat : renommez l'une",
                    row=number if lines else None, column=key,
                )
            flat[key] = value
        out.append(flat)
    names = [k for r in out if r for k in r]
    warnings.extend(_nested_warnings(path, objects, lists, names, "ligne" if lines else "enregistrement"))
    return out


def _nested_warnings(
    path: Path, objects: dict[str, int], lists: dict[str, list[int]], names: Iterable[str], where: str
) -> list[str]:
    """The warnings of nested values read flat: the objects and the columns they became (first
    seen at `where` n), and each column whose lists were joined, with their rows."""
    out = []
    if objects:
        flat = sorted({k for k in names if any(k.startswith(f"{o}.") for o in objects)})
        out.append(
            f"{path.name} : objets imbriqués ({', '.join(f'« {k} »' for k in list(objects)[:5])}"
            f"{' …' if len(objects) > 5 else ''}, {where} {min(objects.values())} d'abord) lus comme des colonnes "
            f"nommées par leur chemin : {', '.join(f'« {k} »' for k in flat[:8])}{' …' if len(flat) > 8 else ''} ; "
            "c'est ainsi qu'il faut les nommer dans consultation.yaml"
        )
    for key, numbers in lists.items():
        out.append(
            f"{path.name}, colonne « {key} » : {integer(len(numbers))} liste{'s' if len(numbers) > 1 else ''} de "
            f"valeurs ({where}{'s' if len(numbers) > 1 else ''} {_rows_list(numbers)}) : "
            f"lue{'s' if len(numbers) > 1 else ''} comme une réponse, valeurs séparées par « / »"
        )
    return out


def _check_json_columns(path: Path, rows: list[dict | None], *, lines: bool) -> None:
    """Records naming more than `MAX_COLUMNS` keys in all are refused before pandas makes one
    column of each (200,000 keys in one record took 52 s); JSON Lines name the line."""
    keys: set[str] = set()
    for number, record in enumerate(rows, start=1):
        if record:
            keys.update(record)
            if len(keys) > MAX_COLUMNS:
                raise InputFileError.at(
                    path,
                    f"plus de {integer(MAX_COLUMNS)} colonnes (clés différentes) : la limite d'Excel ; "
                    "ce n'est pas un export de questionnaire",
                    row=number if lines else None,
                )


def _json_value(path: Path, text: str, row: int | None) -> object:
    """One JSON value, its nesting bounded (no RecursionError, no value nested 50,000 deep)."""
    where = "ligne JSON illisible" if row else "JSON illisible"
    try:
        value = json.loads(text, object_pairs_hook=_no_repeated_key)
    except _RepeatedKey as exc:
        raise InputFileError.at(
            path, "clé écrite deux fois dans un même objet JSON : la seconde remplacerait la première",
            row=row, column=str(exc),
        ) from None
    except json.JSONDecodeError as exc:
        raise InputFileError.at(
            path, f"{where} ({exc.msg})", row=row or exc.lineno, value=text[:80] if row else None
        ) from None
    except RecursionError:
        value = None
        depth = MAX_JSON_DEPTH + 1
    else:
        # Counting brackets is done in C; only a text with many of them is walked.
        depth = _json_depth(value) if text.count("[") + text.count("{") > MAX_JSON_DEPTH else 0
    if depth > MAX_JSON_DEPTH:
        raise InputFileError.at(
            path,
            f"JSON imbriqué sur plus de {MAX_JSON_DEPTH} niveaux : ce n'est pas un export de questionnaire "
            "(une ligne par répondant, des valeurs simples)",
            row=row,
        )
    return value


class _RepeatedKey(ValueError):
    """A key twice in one JSON object (json keeps the last one silently)."""


def _no_repeated_key(pairs: list[tuple[str, object]]) -> dict:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        raise _RepeatedKey(next(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
    return record


def _json_depth(value: object) -> int:
    """Nesting depth, walked without recursion; stops counting past the limit."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _json_records(path: Path, document: object, header_hint: str | None, warnings: list[str]) -> list[dict | None]:
    """The records of a JSON document, whatever layout pandas or a survey tool wrote."""
    layouts = (
        "une liste d'objets [{colonne: valeur}, …], une liste de listes sous une ligne d'en-têtes, du JSON "
        "Lines (un objet par ligne), une sortie de pandas to_json(), ou une seule de ces listes dans un objet "
        "({\"responses\": […]})"
    )
    if isinstance(document, list):
        if all(isinstance(r, dict) for r in document):
            return list(document)
        if _is_record_list(document, header_key(header_hint) if header_hint else None):
            warnings.append(f"{path.name} : liste de listes, sa première ligne lue comme en-têtes de colonnes")
            return _listed_records(path, document)
        first = (f"dont la première n'a pas la colonne « {header_hint} »" if header_hint else
                 "dont la première ne nomme pas les colonnes : des textes tous différents, absents des lignes dessous")
        raise InputFileError.at(path, f"JSON sans en-têtes de colonnes (liste de listes ou de valeurs, {first}) ; attendu : {layouts}")
    if not isinstance(document, dict):
        raise InputFileError.at(path, f"JSON attendu : {layouts}")
    keys = set(document)
    if {"columns", "data"} <= keys and keys <= {"columns", "data", "index"} and isinstance(document["data"], list):
        columns = document["columns"]  # orient="split"
        if not isinstance(columns, list) or not all(isinstance(r, list) and len(r) == len(columns) for r in document["data"]):
            raise InputFileError.at(path, "JSON « split » incohérent : chaque ligne de « data » doit avoir une valeur par colonne")
        return [dict(zip(map(str, columns), r, strict=True)) for r in document["data"]]
    if keys == {"schema", "data"} and isinstance(document["data"], list) and all(isinstance(r, dict) for r in document["data"]):
        return list(document["data"])  # orient="table"
    enveloped = _enveloped_records(path, document, header_hint, warnings)
    if enveloped is not None:
        return enveloped
    values = list(document.values())
    if values and all(isinstance(v, dict) for v in values):
        wanted = header_key(header_hint) if header_hint else None
        outer = {header_key(k) for k in keys}
        inner = {header_key(k) for v in values[:50] for k in v}
        if (wanted and wanted in outer) or (not wanted and all(str(k).isdigit() for v in values[:50] for k in v)):
            frame = pd.DataFrame(document)  # orient="columns" (pandas' default): {colonne: {ligne: valeur}}
            return [dict(zip(frame.columns, r, strict=True)) for r in frame.itertuples(index=False)]
        if (wanted and wanted in inner) or (not wanted and all(str(k).isdigit() for k in keys)):
            return values  # orient="index": {ligne: {colonne: valeur}}
        raise InputFileError.at(
            path,
            (f"JSON d'objets imbriqués sans colonne « {header_hint} » ni aux clés ni aux sous-clés" if header_hint else
             "JSON d'objets imbriqués dont ni les clés ni les sous-clés ne numérotent les lignes : lignes et colonnes "
             "ne se distinguent pas") + f" ; attendu : {layouts}",
            column=header_hint,
        )
    if any(isinstance(v, (dict, list)) for v in values) and len(values) > 1 and sum(
        isinstance(v, (dict, list)) for v in values
    ) * 2 > len(values):
        raise InputFileError.at(path, f"JSON qui n'est pas une table (valeurs imbriquées) ; attendu : {layouts}")
    return [document]  # one object: one respondent


def _is_record_list(value: object, wanted: str | None) -> bool:
    """A list of records: objects, or lists under a first list of header names, one of them the
    id column's (`wanted`, as `header_key` writes it): pandas' to_json(orient="values") has no
    header row, and its first row of answers must not become one."""
    if not isinstance(value, list) or not value:
        return False
    if all(isinstance(r, dict) for r in value):
        return True
    if not all(isinstance(r, list) for r in value) or not all(isinstance(h, str) for h in value[0]):
        return False
    return wanted in {header_key(h) for h in value[0]} if wanted is not None else _names_columns(value)


def _names_columns(rows: list[list]) -> bool:
    """Without the id column's name (a draft from an export never seen), whether a list of lists
    starts with a header row: texts, all different, none found again in its column below (a
    first row of answers shares its region, its type of structure… with the rows under it)."""
    head = [h.strip() for h in rows[0]]
    if len(rows) < 2 or len(head) < 2 or not all(head) or len(set(head)) < len(head):
        return False
    return not any(j < len(row) and isinstance(row[j], str) and row[j].strip() == h
                   for row in rows[1:] for j, h in enumerate(head))


def _listed_records(path: Path, value: list) -> list[dict | None]:
    """A list of objects as it is; a list of lists as records named by its first list. A row
    shorter than the header ends with empty cells (the Google Sheets API drops trailing ones); a
    longer one has values without a column: refused, named."""
    if all(isinstance(r, dict) for r in value):
        return list(value)
    header, rows = [str(h) for h in value[0]], value[1:]
    for number, row in enumerate(rows, start=1):
        if len(row) > len(header):
            raise InputFileError.at(
                path, f"{count(len(row), 'valeur')} pour {count(len(header), 'en-tête')}, la première de trop : « {str(row[len(header)])[:60]} »",
                row=number,
            )
    return [dict(zip(header, [*row, *[None] * (len(header) - len(row))], strict=True)) for row in rows]


def _enveloped_records(
    path: Path, document: dict, header_hint: str | None, warnings: list[str]
) -> list[dict | None] | None:
    """The records of a survey tool's or an API's envelope (`{"meta": {…}, "responses": […]}`,
    under `data`, `results`, `items`…, or one level deeper: `{"data": {"responses": […]}}`): the one
    list of records in the document, named in a warning. An object holding the id column is a
    record, not an envelope (None). Several lists are refused by name, unless exactly one of them
    holds the id column: which one holds the answers is never guessed."""
    wanted = header_key(header_hint) if header_hint else None

    def holds_id(obj: dict) -> bool:
        return wanted is not None and any(header_key(k) == wanted for k in obj)

    if holds_id(document):
        return None
    found: dict[str, list] = {}
    for key, value in document.items():
        if _is_record_list(value, wanted):
            found[str(key)] = value
        elif isinstance(value, dict) and not holds_id(value):
            found.update({f"{key}.{inner}": v for inner, v in value.items() if _is_record_list(v, wanted)})
    if not found:
        return None
    names = ", ".join(f"« {k} »" for k in found)
    only = "la seule liste d'enregistrements du fichier"
    if len(found) > 1:
        found = {k: v for k, v in found.items() if isinstance(v[0], list) or holds_id(v[0])}
        if len(found) != 1:
            raise InputFileError.at(
                path, f"JSON à plusieurs listes d'enregistrements ({names}) : laquelle contient les réponses "
                "n'est pas devinée ; exportez les réponses seules, ou dans une seule liste",
            )
        only = f"la seule des listes d'enregistrements ({names}) qui a la colonne « {header_hint} »"
    ((key, value),) = found.items()
    others = [str(k) for k in document if str(k) != key.split(".")[0]]
    warnings.append(
        f"{path.name} : réponses lues dans « {key} » ({integer(len(value) - isinstance(value[0], list))} "
        f"enregistrement{'s' if len(value) > 1 + isinstance(value[0], list) else ''})"
        + f", {only}"
        + (f" ; non lu : {', '.join(f'« {k} »' for k in others[:5])}" + (" …" if len(others) > 5 else "") if others else "")
        + (" ; sa première ligne lue comme en-têtes de colonnes" if isinstance(value[0], list) else "")
    )
    return _listed_records(path, value)


class _TooWide(Exception):
    """A Parquet file with more columns than `MAX_COLUMNS` (its count in args[0])."""


def _read_parquet(path: Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # ParquetFile, not read_table: the dataset layer refuses two columns of the same name
        # (they must reach `_duplicate_headers`, to be named in the error).
        with pq.ParquetFile(path) as parquet:
            if parquet.metadata.num_columns > MAX_COLUMNS:
                raise _TooWide(parquet.metadata.num_columns)
            arrow = parquet.read()
    except _TooWide as wide:
        raise InputFileError.at(
            path, f"{integer(wide.args[0])} colonnes : au plus {integer(MAX_COLUMNS)} (la limite d'Excel)"
        ) from None
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError…
        raise InputFileError.at(path, f"fichier Parquet illisible ({type(exc).__name__})") from None
    pairs, warnings = _flat_parquet(path, [str(c) for c in arrow.column_names], arrow.columns)
    names = [name for name, _ in pairs]
    columns = []
    for name, column in pairs:
        kind = column.type
        if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
            # Bytes are text written by a tool that did not say so: UTF-8 or refused, never "b'…'".
            try:
                column = column.cast(pa.large_binary()).cast(pa.large_string())
            except pa.ArrowInvalid:
                row, value = next(
                    (i + 1, v) for i, v in enumerate(column.to_pylist()) if v is not None and not _is_utf8(v)
                )
                raise InputFileError.at(
                    path,
                    "colonne binaire qui n'est pas du texte UTF-8 : exportez-la en texte",
                    row=row, column=name, value=repr(value[:40]),
                ) from None
        columns.append(column)
    try:
        frame = pa.Table.from_arrays(columns, names=[f"c{i}" for i in range(len(names))]).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
        raise InputFileError.at(path, f"fichier Parquet illisible ({type(exc).__name__})") from None
    frame = _stringify(frame.reset_index(drop=True))
    labels = _unique(names)
    frame.columns = labels
    table = Table(path=path, frame=_drop_blank(frame), first_data_row=1, fmt="parquet", warnings=warnings)
    table.duplicates = _duplicate_headers(names, labels)
    return table


def _flat_parquet(path: Path, names: list[str], columns: list[Any]) -> tuple[list[tuple[str, Any]], list[str]]:
    """Parquet's nested columns read as JSON's are (`_flatten_records`): a struct as columns named
    by their path (« reponses.q1 »), a list of plain values as one answer joined by « / », a list
    of structs or lists refused. Before, a struct went in as its JSON text and a list as numpy's
    text (« ['a' 'b'] »)."""
    import pyarrow as pa

    objects: dict[str, int] = {}
    lists: dict[str, list[int]] = {}
    pending = list(zip(names, columns, strict=True))
    out: list[tuple[str, Any]] = []  # pyarrow ChunkedArrays (pyarrow is imported where it is used)
    while pending:
        name, column = pending.pop(0)
        kind = column.type
        if pa.types.is_struct(kind):
            valid = column.is_valid().to_pylist()
            objects.setdefault(name, next((i + 1 for i, v in enumerate(valid) if v), 1))
            pending[:0] = [(f"{name}.{kind.field(k).name}", child) for k, child in enumerate(column.flatten())]
            continue
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind) or pa.types.is_map(kind):
            texts: list[str | None] = []
            for row, value in enumerate(column.to_pylist(), start=1):
                if value is None:
                    texts.append(None)
                    continue
                _refuse_nested_list(path, value, row, name)
                lists.setdefault(name, []).append(row)
                texts.append(_joined(value))
            column = pa.chunked_array([pa.array(texts, type=pa.large_string())])
        out.append((name, column))
    if len(out) > MAX_COLUMNS:
        raise InputFileError.at(path, f"{integer(len(out))} colonnes une fois les structures mises à plat : au plus "
                                f"{integer(MAX_COLUMNS)} (la limite d'Excel)")
    return out, _nested_warnings(path, objects, lists, [n for n, _ in out], "ligne")


def _is_utf8(value: bytes) -> bool:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, column by column (vectorised for numbers, the common big case)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col):
            text = col.map(cell_text)
        elif pd.api.types.is_integer_dtype(col):
            text = col.astype("Int64").astype("string").fillna("")
        elif pd.api.types.is_float_dtype(col):
            whole = col.notna() & (col % 1 == 0) & (col.abs() < 1e15)
            text = col.astype("string").fillna("")
            text[whole] = col[whole].astype("int64").astype("string")
        elif pd.api.types.is_string_dtype(col) and not pd.api.types.is_object_dtype(col):
            text = col.fillna("")
        else:
            text = col.map(cell_text)
        out[str(name)] = text.astype(str)
    return pd.DataFrame(out, index=frame.index)


def cell_text(value: object) -> str:
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
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")  # never "b'…'": a non-UTF-8 value is refused by its reader
    return str(value)


# --------------------------------------------------------------------------
# Header row and frame
# --------------------------------------------------------------------------


def _to_table(
    path: Path,
    grid: pd.DataFrame,
    header_row: int | None,
    header_hint: str | None,
    *,
    fmt: str,
    field_counts: np.ndarray | None = None,
    delimiter: str | None = None,
) -> Table:
    """Split a headerless grid into headers and data; rows that do not fit the header are flagged.

    `field_counts` (CSV read row by row) is the number of fields of each grid row: a row with more
    fields than the header line is set aside even when the extra fields are empty, since its cells
    have moved (an unquoted delimiter inside an answer shifts the rest into the next questions).
    """
    grid = grid.reset_index(drop=True)
    grid.columns = range(grid.shape[1])
    header_idx: int | None
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
    header_idx, sub_rows, named = _extra_header_rows(grid, header_idx, choose=header_row is None and header_hint is None)
    header = [str(h).strip() for h in grid.iloc[header_idx].tolist()]
    header = [*named[: len(header)], *header[len(named):]] if named else header
    while header and not header[-1]:
        header.pop()
    if not header:
        raise InputFileError.at(path, "ligne d'en-tête vide", row=header_idx + 1)
    if field_counts is not None and int(field_counts[header_idx]) > MAX_COLUMNS:
        raise InputFileError.at(
            path,
            f"ligne d'en-tête de {integer(int(field_counts[header_idx]))} colonnes : au plus "
            f"{integer(MAX_COLUMNS)} (la limite d'Excel) ; le séparateur est-il le bon ?",
            row=header_idx + 1,
        )
    width = len(header)
    last_header = header_idx + sub_rows  # the extra header rows under the header are not answers
    body = grid.iloc[last_header + 1 :].reset_index(drop=True)
    malformed: dict[int, str] = {}
    if field_counts is not None:
        header_fields = max(int(field_counts[header_idx]), width)
        counts = field_counts[last_header + 1 :]
        if len(counts) >= _CONVENTION_ROWS:
            # A tool that ends every data row (not the header) with a delimiter: the file's own
            # width. Told from shifted rows by numbers only (one row alone cannot tell them apart).
            usual = int(np.bincount(counts).argmax())
            if usual > header_fields and (counts == usual).mean() >= 0.9 and body.loc[
                counts == usual, list(range(header_fields, usual))
            ].eq("").all(axis=None):
                header_fields = usual
        sep = f"« {delimiter} »" if delimiter and delimiter != "\t" else "séparateur"
        for idx in np.flatnonzero(counts > header_fields):
            malformed[int(idx)] = (
                f"ligne mal formée : {count(int(counts[idx]), 'champ')} pour {count(header_fields, 'en-tête')} "
                f"({sep} dans une réponse sans guillemets ?)"
            )
    if body.shape[1] > width:
        extra = body.iloc[:, width:]
        overflow = extra.ne("").any(axis=1)
        for idx in overflow[overflow].index:
            if int(idx) in malformed:
                continue
            fields = int(body.loc[idx].ne("").to_numpy().nonzero()[0].max()) + 1
            malformed[int(idx)] = (
                f"ligne mal formée : {count(fields, 'champ')} pour {count(width, 'en-tête')} "
                "(séparateur dans un texte sans guillemets ?)"
            )
        body = body.iloc[:, :width]
    elif body.shape[1] < width:
        for i in range(body.shape[1], width):
            body[i] = ""
    _flag_repeated_header(path, body, header, last_header, malformed)
    labels = _unique(header)
    body.columns = labels
    table = Table(
        path=path, frame=_drop_blank(body), first_data_row=last_header + 2, fmt=fmt, malformed=malformed
    )
    above = _rows_above(grid, header_idx)
    table.above = above
    if above and header_row is None:
        cells = [cell for row in above for cell in row]
        quoted = ", ".join(
            f"« {_shorten(cell)} »" + (", la consigne d'Excel qui nomme le séparateur" if _EXCEL_SEP.match(cell) else "")
            for cell in cells[:3]) + (", …" if len(cells) > 3 else "")
        table.warnings.append(
            f"{path.name} : {count(header_idx, 'ligne')} au-dessus des en-têtes ({_span(1, header_idx)} : {quoted}) : "
            f"{plural(header_idx, 'lue')} comme un titre, pas comme des réponses ; noms des colonnes pris ligne "
            f"{header_idx + 1}"
        )
    if sub_rows:
        tool, below = ("Qualtrics", "le texte des questions puis leur ImportId") if not named else (
            "SurveyMonkey", "« Response », « Open-Ended Response » ou les options cochables")
        table.warnings.append(
            f"{path.name} : {count(sub_rows, 'ligne')} d'en-tête sous celle des colonnes "
            f"({_span(header_idx + 2, last_header + 1)} : {below}, comme les exporte {tool}) : "
            f"{plural(sub_rows, 'lue comme en-tête', 'lues comme en-têtes')}, pas comme des réponses ; noms des "
            f"colonnes pris ligne {header_idx + 1}"
        )
    table.duplicates = _duplicate_headers(header, labels)
    repeats = sum(1 for why in malformed.values() if why.startswith(_REPEATED))
    if repeats:
        table.warnings.append(
            f"{path.name} : la ligne d'en-tête revient {repeats} fois plus bas (fichiers mis bout à bout ?) ; "
            "ces lignes sont en quarantaine, les réponses qui les suivent sont lues avec les mêmes colonnes"
        )
    return table


_REPEATED = "ligne d'en-tête répétée"
# The words SurveyMonkey writes in its second header row, under a question of one column.
_SUB_HEADERS = {"response", "open ended response", "reponse", "reponse ouverte", "reponse libre"}


def _rows_above(grid: pd.DataFrame, header_idx: int) -> list[list[str]]:
    """The filled cells of each filled row above the header (a title, an export date)."""
    rows = [[str(c).strip() for c in row if str(c or "").strip()] for row in grid.iloc[:header_idx].to_numpy().tolist()]
    return [row for row in rows if row]


# Excel's first line « sep=; » names the delimiter; split by it, « sep= » is left.
_EXCEL_SEP = re.compile(r"^sep=\S?$", re.I)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _span(first: int, last: int) -> str:
    return f"ligne {first}" if first == last else f"lignes {first} à {last}"


def _import_ids(row: list[object]) -> bool:
    """Qualtrics' third header row: every filled cell a JSON object naming its column's ImportId."""
    cells = [str(c).strip() for c in row if str(c or "").strip()]
    if len(cells) < 2:
        return False
    for cell in cells:
        if not cell.startswith("{") or "ImportId" not in cell:
            return False
        try:
            if not isinstance(json.loads(cell), dict):
                return False
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason: an answer
            return False
    return True


def _extra_header_rows(grid: pd.DataFrame, header_idx: int, *, choose: bool) -> tuple[int, int, list[str]]:
    """Header rows that survey tools write under the first one, which would otherwise be read as
    respondents whose answers are the questions' names. Two marks, neither a respondent can write:

    - Qualtrics: a row of `{"ImportId":"QID4_TEXT"}` one or two rows under the header; the rows down
      to it are headers. When nothing says where the header is (`choose`), the question text (the
      row above the ImportIds) is taken as the header rather than the export tags (« Q4 »).
    - SurveyMonkey: the row right under the header holding « Response » or « Open-Ended Response »
      and nothing under the header's first column (the respondent's id). A column whose second row
      names an option gets it after its question: « Thématiques - Logement ».

    Returns the header's row, how many rows under it are headers, and the SurveyMonkey headers
    (empty otherwise)."""
    rows = grid.iloc[header_idx + 1 : header_idx + 3].to_numpy().tolist()
    for k, row in enumerate(rows, start=1):
        if _import_ids(row):
            if choose and k == 2:
                return header_idx + 1, 1, []
            return header_idx, k, []
    if not rows:
        return header_idx, 0, []
    below = ["" if c is None else str(c).strip() for c in rows[0]]
    if below[0] or not any(header_key(c) in _SUB_HEADERS for c in below if c):
        return header_idx, 0, []
    named: list[str] = []
    base = ""
    for top, sub in zip(grid.iloc[header_idx].tolist(), below, strict=False):
        top = "" if top is None else str(top).strip()
        base = top or base
        named.append(f"{base} - {sub}" if sub and base and header_key(sub) not in _SUB_HEADERS else top)
    return header_idx, 1, named
_CONVENTION_ROWS = 20  # data rows needed before "every row ends with a delimiter" is believed


def _flag_repeated_header(
    path: Path, body: pd.DataFrame, header: list[str], header_idx: int, malformed: dict[int, str]
) -> None:
    """A row that is the header line again (two exports concatenated) would be a respondent whose
    answers are the question titles. The same header: the row is set aside and the rows after it
    are read with the same columns. Another header (columns moved, added or removed): the rows
    after it would land in the wrong questions, so the file is refused."""
    names = {h for h in header if h}
    if len(names) < 2 or body.empty:
        return
    probe = body.iloc[:, : min(3, body.shape[1])]
    candidates = probe.apply(lambda col: col.astype(str).str.strip().isin(names)).any(axis=1)
    if not candidates.any():
        return
    need = max(2, (len(names) + 1) // 2)
    hits = body.loc[candidates].apply(lambda col: col.astype(str).str.strip().isin(names)).sum(axis=1)
    for idx in hits[hits >= need].index:
        cells = [str(v).strip() for v in body.loc[idx].tolist()]
        row = header_idx + 2 + int(idx)
        if cells[: len(header)] == header:
            malformed[int(idx)] = f"{_REPEATED} (celle de la ligne {header_idx + 1})"
            continue
        moved = [f"{column_letter(i + 1)} : « {c} » au lieu de « {h} »"
                 for i, (c, h) in enumerate(zip(cells, header, strict=False)) if c != h][:3]
        raise InputFileError.at(
            path,
            f"une autre ligne d'en-tête commence ici, différente de celle de la ligne {header_idx + 1} "
            f"({' ; '.join(moved)}) : deux exports mis bout à bout ? Séparez-les en deux fichiers",
            row=row,
        )


def _duplicate_headers(header: list[str], labels: list[str]) -> dict[str, list[tuple[int, str]]]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, name in enumerate(header):
        if name:
            groups.setdefault(name, []).append((i + 1, name))
    out: dict[str, list[tuple[int, str]]] = {}
    for i, name in enumerate(header):
        if name and len(groups[name]) > 1:
            out[labels[i]] = groups[name]
    return out


def column_letter(position: int) -> str:
    """1 -> A, 27 -> AA: how a spreadsheet names a column."""
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _drop_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with nothing in them (trailing lines of exports) are not rows; they keep their numbering."""
    if frame.empty:
        return frame
    filled = frame.apply(lambda col: col.str.strip().ne(""))
    return frame.loc[filled.any(axis=1)]


def _find_header_in(rows: list[list[object]], hint: str | None) -> int | None:
    """The header's row among the first rows: the one holding `hint`, or with no hint (a draft from
    an export never seen), the first row as wide as the table. Rows above it with a cell or two are
    a title, not the header: the form's name, « Exporté le … », or Drupal webform's (Framaforms')
    title and « Submission Details » rows over its column names."""
    if not rows:
        return None
    if hint is None:
        width = max((len(row) for row in rows), default=0)
        cells = np.array([[bool(str(c or "").strip()) for c in row] + [False] * (width - len(row)) for row in rows])
        if not cells.any():
            return None
        filled = cells.sum(axis=1)
        for i in range(len(rows) - 1):
            # The table's columns: those filled in a quarter of the rows below at least (rows broken
            # by an unquoted delimiter, spilling into more columns, do not widen it).
            used = int((cells[i + 1 :].mean(axis=0) >= 0.25).sum())
            if filled[i] and filled[i] >= max(2, (used + 1) // 2):
                return i
        return int(np.flatnonzero(filled)[0])
    # A header of punctuation only (Typeform's « # ») has an empty key: matched as written, and
    # never by an empty cell (a title row's blanks were taken for it).
    wanted = header_key(hint) or hint.strip()

    def key(cell: object) -> str | None:
        text = str(cell).strip()
        return (header_key(text) or text) if text else None

    for idx, row in enumerate(rows):
        if any(c is not None and key(c) == wanted for c in row):
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
