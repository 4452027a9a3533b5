"""The number format of each number cell of an old Excel (.xls, BIFF8) sheet.

calamine reads an .xls cell's value without its format: 7 where the sheet shows « 007 », 0.25
where it shows « 25 % ». This reads only what calamine leaves out: the workbook's formats (FORMAT
and XF records) and, for one sheet, the format of each cell holding a number (NUMBER, RK, MULRK,
FORMULA records), from the file's compound-document streams. Cells in the « General » format are
not kept, so memory follows the formatted cells, at most the sheet's 65,536 × 256.

Anything unexpected (another BIFF version, a damaged stream) gives no formats: the values are then
read as calamine gives them, never an error.
"""

from __future__ import annotations

import struct
from pathlib import Path

from openpyxl.styles.numbers import BUILTIN_FORMATS

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTORS = 1 << 22  # 2 GB of 512-byte sectors: beyond, the file is not read for formats


class _Unreadable(Exception):
    pass


def cell_formats(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column), 0-based, -> format code, for the number cells of `sheet` whose format is not
    « General ». Empty when the file cannot be read this way."""
    try:
        stream = _workbook_stream(path.read_bytes())
        return _sheet_formats(stream, sheet)
    except (_Unreadable, struct.error, IndexError, ValueError, UnicodeDecodeError, OSError):
        return {}


# --------------------------------------------------------------------------
# Compound document (OLE2): the « Workbook » stream
# --------------------------------------------------------------------------


def _workbook_stream(data: bytes) -> bytes:
    if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Unreadable
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
    first_dir, cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from("<I4xIIIII", data, 0x30)
    if sector not in (512, 4096):
        raise _Unreadable

    def at(n: int) -> bytes:
        start = (n + 1) * sector
        return data[start : start + sector]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    n = first_difat
    for _ in range(min(n_difat, _MAX_SECTORS)):
        if n in (_FREE, _END):
            break
        block = struct.unpack(f"<{sector // 4}I", at(n))
        difat.extend(block[:-1])
        n = block[-1]
    fat: list[int] = []
    for n in difat:
        if n in (_FREE, _END) or len(fat) > _MAX_SECTORS:
            continue
        fat.extend(struct.unpack(f"<{sector // 4}I", at(n).ljust(sector, b"\xff")))

    def chain(n: int) -> bytes:
        out, seen = [], set()
        while n not in (_FREE, _END) and n < len(fat):
            if n in seen:
                raise _Unreadable  # a loop in the chain
            seen.add(n)
            out.append(at(n))
            n = fat[n]
        return b"".join(out)

    directory = chain(first_dir)
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        name_len = struct.unpack_from("<H", directory, offset + 64)[0]
        name = directory[offset : offset + max(0, name_len - 2)].decode("utf-16-le", "replace")
        start, size = struct.unpack_from("<II", directory, offset + 0x74)
        entries.append((name, directory[offset + 66], start, size))
    root = next((e for e in entries if e[1] == 5), None)
    book = next((e for e in entries if e[0] in ("Workbook", "Book") and e[1] == 2), None)
    if book is None or root is None:
        raise _Unreadable
    _, _, start, size = book
    if size >= cutoff:
        return chain(start)[:size]
    ministream = chain(root[2])
    minifat_bytes = chain(first_minifat)[: n_minifat * sector]
    minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
    out, n, seen = [], start, set()
    while n not in (_FREE, _END) and n < len(minifat) and n not in seen:
        seen.add(n)
        out.append(ministream[n * mini : (n + 1) * mini])
        n = minifat[n]
    return b"".join(out)[:size]


# --------------------------------------------------------------------------
# BIFF8 records
# --------------------------------------------------------------------------

_BOF, _EOF, _SHEET, _FORMAT, _XF = 0x0809, 0x000A, 0x0085, 0x041E, 0x00E0
_NUMBER, _RK, _MULRK, _FORMULA = 0x0203, 0x027E, 0x00BD, 0x0006
_ROW, _COLINFO = 0x0208, 0x007D
_ROW_HIDDEN = 0x20  # fDyZero in a ROW record's flags: hidden by hand or by a filter
_LAST_COLUMN = 255  # a BIFF8 sheet's last column (IV)


def hidden_rows_columns(path: Path, sheet: str) -> tuple[list[int], list[int]]:
    """The rows and columns hidden in `sheet` of an .xls, 0-based (ROW records whose row is
    hidden, COLINFO records whose columns are): calamine reads the cells, not these. Empty when
    the file cannot be read this way."""
    try:
        stream = _workbook_stream(path.read_bytes())
        offset = _sheet_offset(stream, sheet)
        rows: list[int] = []
        columns: list[int] = []
        header = struct.Struct("<HH").unpack_from
        pos = offset
        while pos + 4 <= len(stream):  # record headers only: the cells' bodies are not copied
            kind, length = header(stream, pos)
            if kind == _EOF or (kind == _BOF and pos != offset):
                break
            if kind == _ROW and length >= 16 and struct.unpack_from("<I", stream, pos + 16)[0] & _ROW_HIDDEN:
                rows.append(struct.unpack_from("<H", stream, pos + 4)[0])
            elif kind == _COLINFO and length >= 10:
                first, last, _, _, options = struct.unpack_from("<HHHHH", stream, pos + 4)
                if options & 1:
                    columns.extend(range(first, min(last, _LAST_COLUMN) + 1))
            pos += 4 + length
        return rows, columns
    except (_Unreadable, struct.error, IndexError, ValueError, UnicodeDecodeError, OSError):
        return [], []


def _sheet_offset(stream: bytes, sheet: str) -> int:
    """Where `sheet`'s records start in the workbook stream (its BOUNDSHEET record says)."""
    if struct.unpack_from("<H", stream)[0] != _BOF or struct.unpack_from("<H", stream, 4)[0] != 0x0600:
        raise _Unreadable  # not BIFF8
    for kind, body, _ in _records(stream):
        if kind == _SHEET and _short_string(body, 6) == sheet:
            return int(struct.unpack_from("<I", body)[0])
        if kind == _EOF:
            break
    raise _Unreadable


def _records(stream: bytes, start: int = 0):  # type: ignore[no-untyped-def]
    pos = start
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        yield kind, stream[pos + 4 : pos + 4 + length], pos
        pos += 4 + length


def _unicode_string(body: bytes, at: int) -> str:
    """An XLUnicodeString: a 16-bit count, a flags byte, then Latin-1 or UTF-16 characters."""
    count, flags = struct.unpack_from("<HB", body, at)
    if flags & 1:
        return body[at + 3 : at + 3 + 2 * count].decode("utf-16-le")
    return body[at + 3 : at + 3 + count].decode("latin-1")


def _short_string(body: bytes, at: int) -> str:
    """A ShortXLUnicodeString (sheet names): an 8-bit count, a flags byte, the characters."""
    count, flags = struct.unpack_from("<BB", body, at)
    if flags & 1:
        return body[at + 2 : at + 2 + 2 * count].decode("utf-16-le")
    return body[at + 2 : at + 2 + count].decode("latin-1")


def _sheet_formats(stream: bytes, sheet: str) -> dict[tuple[int, int], str]:
    kind = struct.unpack_from("<H", stream)[0]
    if kind != _BOF or struct.unpack_from("<H", stream, 4)[0] != 0x0600:
        raise _Unreadable  # not BIFF8 (Excel 97 to 2003): BIFF5's strings are written otherwise
    formats: dict[int, str] = {}
    xf_format: list[int] = []
    offset = None
    for kind, body, _ in _records(stream):
        if kind == _FORMAT:
            formats[struct.unpack_from("<H", body)[0]] = _unicode_string(body, 2)
        elif kind == _XF:
            xf_format.append(struct.unpack_from("<H", body, 2)[0])
        elif kind == _SHEET and _short_string(body, 6) == sheet:
            offset = struct.unpack_from("<I", body)[0]
        elif kind == _EOF:
            break
    if offset is None:
        raise _Unreadable

    def code(xf: int) -> str | None:
        if xf >= len(xf_format):
            return None
        number = xf_format[xf]
        text = formats.get(number) or BUILTIN_FORMATS.get(number, "General")
        return None if text == "General" else text

    out: dict[tuple[int, int], str] = {}
    for kind, body, pos in _records(stream, offset):
        if kind == _EOF:
            break
        if kind == _BOF and pos != offset:
            break
        if kind in (_NUMBER, _RK, _FORMULA):
            row, col, xf = struct.unpack_from("<HHH", body)
            text = code(xf)
            if text:
                out[(row, col)] = text
        elif kind == _MULRK:
            row, first = struct.unpack_from("<HH", body)
            for i in range((len(body) - 6) // 6):
                text = code(struct.unpack_from("<H", body, 4 + 6 * i)[0])
                if text:
                    out[(row, first + i)] = text
    return out
