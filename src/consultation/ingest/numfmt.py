"""A spreadsheet cell's value as a French sheet shows it, from the value saved and its number format.

A workbook saves 7 and the format « 000 », 0.25 and « 0% », a day count and « dd/mm/yyyy »; a
person sees « 007 », « 25 % », « 02/01/2026 », and the sheet's CSV export writes that text. Read
as the bare value, the same respondents from the workbook and from its CSV would be two.

French conventions are LibreOffice's in a French locale (the CSV it writes « as shown », the
reference of `tests/test_ingest_spreadsheet_values.py`): a decimal comma, thousands grouped by a
no-break space, « VRAI »/« FAUX », French month and day names, and Excel's built-in formats that
follow the system's locale (short date, date and time, percentages) in their French form.
Format codes are Excel's (those of .xlsx files); an unknown or damaged code gives the value in the
« General » format, never an error.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

GROUP = "\u00a0"  # thousands separator of LibreOffice's French locale (its CSV twin writes it)
_EPOCH = datetime(1899, 12, 30)
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
MONTHS_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc.")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DAYS_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")

# Excel's built-in formats that follow the system's locale, as a French Excel or LibreOffice
# shows them (openpyxl reports them by their English code).
_FRENCH_BUILTINS = {
    "mm-dd-yy": "dd/mm/yyyy",  # 14, the short date
    "d-mmm-yy": "dd-mmm-yy",  # 15
    "d-mmm": "dd-mmm",  # 16
    "mmm-yy": "mmm-yy",  # 17
    "m/d/yy h:mm": "dd/mm/yyyy hh:mm",  # 22
    "0%": "0 %",  # 9
    "0.00%": "0.00 %",  # 10
    "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy": "dddd d mmmm yyyy",  # the system's long date
    "[$-F400]h:mm:ss\\ AM/PM": "hh:mm:ss",  # the system's time
}

_Token = tuple[str, str]  # (kind, text): kinds below
_DATE_LETTERS = set("ymdhs")


def shown(value: object, code: str | None) -> str:
    """`value` (a number, bool, date, time, timedelta or text, as openpyxl gives a cell) as a
    French sheet shows it in the number format `code`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, str):
        return _text(value, code or "General")
    try:
        return general(value) if not code or code == "General" else _shown(value, code)
    except _UNSHOWABLE:
        try:
            return general(value)
        except _UNSHOWABLE:
            return str(value)  # a date beyond year 9999 once formatted: as Python writes it


_UNSHOWABLE = (ValueError, OverflowError, InvalidOperation, IndexError, TypeError)


def general(value: object) -> str:
    """The « General » format: 12 for 12.0, 3,5 for 3.5, at most 15 significant digits."""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.15g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}E{exponent[0]}{exponent[1:].zfill(2)}"
        return text.replace(".", ",")
    if isinstance(value, timedelta):  # « [h]:mm:ss »
        seconds = round(value.total_seconds())
        hours, rest = divmod(abs(seconds), 3600)
        return f"{'-' if seconds < 0 else ''}{hours}:{rest // 60:02d}:{rest % 60:02d}"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S" if value.time() != time(0) else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value)


def _text(value: str, code: str) -> str:
    sections = _sections(code)
    if len(sections) >= 4 and any(k == "@" for k, _ in sections[3]):
        return "".join(value if k == "@" else t for k, t in sections[3] if k in {"@", "lit"})
    return value


def _shown(value: object, code: str) -> str:
    sections = _sections(code)
    if not sections:
        return general(value)
    if isinstance(value, (datetime, date, time, timedelta)):
        section = sections[0]
        if not _is_date(section):
            return general(value)
        return _date_text(_as_datetime(value), section, value)
    if not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
        return general(value)
    negative = value < 0
    if negative and len(sections) > 1 and sections[1]:
        section, value, sign = sections[1], -value, ""
    elif value == 0 and len(sections) > 2:
        section, sign = sections[2], ""
    else:
        section, sign = sections[0], ""
        if negative:
            value, sign = -value, "-"
    if _is_date(section):
        serial = float(value) if sign == "" else -float(value)
        return _date_text(_EPOCH + timedelta(days=serial), section, timedelta(days=serial))
    kinds = {k for k, _ in section}
    if "general" in kinds:
        return "".join(sign + general(value) if k == "general" else t for k, t in section if k in {"general", "lit"})
    if not kinds & {"0", "#", "?"}:
        return "".join(t for k, t in section if k == "lit") or (sign + general(value))
    if ("lit", "/") in section:  # a fraction (« # ?/? »): not drawn, the number as « General »
        return sign + general(value)
    return sign + _number_text(float(value), section)


# --------------------------------------------------------------------------
# Parsing a format code
# --------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _sections(code: str) -> tuple[tuple[_Token, ...], ...]:
    code = _FRENCH_BUILTINS.get(code, code)
    sections, current, i = [], [], 0
    while i < len(code):
        c = code[i]
        if c == '"':
            end = code.find('"', i + 1)
            end = len(code) if end < 0 else end
            current.append(("lit", code[i + 1 : end]))
            i = end + 1
            continue
        if c == "\\" and i + 1 < len(code):
            current.append(("lit", code[i + 1]))
            i += 2
            continue
        if c == "_" and i + 1 < len(code):
            current.append(("lit", " "))
            i += 2
            continue
        if c == "*" and i + 1 < len(code):
            i += 2
            continue
        if c == "[":
            end = code.find("]", i)
            end = len(code) if end < 0 else end
            inner = code[i + 1 : end]
            if inner.startswith("$"):
                symbol = inner[1:].split("-", 1)[0]
                if symbol:
                    current.append(("lit", symbol))
            elif inner.lower() in {"h", "hh", "m", "mm", "s", "ss"}:
                current.append(("elapsed", inner.lower()))
            i = end + 1
            continue
        if c == ";":
            sections.append(tuple(current))
            current = []
            i += 1
            continue
        if code[i : i + 7].lower() == "general":
            current.append(("general", ""))
            i += 7
            continue
        if code[i : i + 5].upper() == "AM/PM":
            current.append(("ampm", "AM/PM"))
            i += 5
            continue
        if code[i : i + 3].upper() == "A/P":
            current.append(("ampm", "A/P"))
            i += 3
            continue
        low = c.lower()
        if low in _DATE_LETTERS:
            j = i
            while j < len(code) and code[j].lower() == low:
                j += 1
            current.append((low, code[i:j].lower()))
            i = j
            continue
        if c in "Ee" and i + 1 < len(code) and code[i + 1] in "+-":
            current.append(("exp", code[i + 1]))
            i += 2
            continue
        if c in "0#?.,%@":
            current.append((c, c))
        else:
            current.append(("lit", c))
        i += 1
    sections.append(tuple(current))
    return tuple(sections)


def _is_date(section: tuple[_Token, ...]) -> bool:
    return any(k in _DATE_LETTERS or k == "elapsed" for k, _ in section)


# --------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------


def _as_datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, time):
        return datetime.combine(_EPOCH.date(), value)
    if isinstance(value, timedelta):
        return _EPOCH + value
    raise TypeError(type(value).__name__)


def _date_text(moment: datetime, section: tuple[_Token, ...], value: object) -> str:
    decimals = 0
    for n, (kind, _) in enumerate(section):  # « ss.00 »: hundredths of a second
        if kind == "s" and n + 1 < len(section) and section[n + 1][0] == ".":
            decimals = sum(1 for k, _ in section[n + 2 :] if k == "0")
    step = 10 ** (6 - decimals)
    micro = (moment.microsecond + step // 2) // step * step
    moment = moment.replace(microsecond=0) + timedelta(microseconds=micro)
    twelve = any(k == "ampm" for k, _ in section)
    kinds = [k for k, _ in section if k in _DATE_LETTERS or k == "elapsed"]
    out: list[str] = []
    seen = 0
    skip_decimals = False
    for kind, text in section:
        if kind == "lit":
            out.append(text)
        elif kind == "y":
            out.append(f"{moment.year % 100:02d}" if len(text) <= 2 else f"{moment.year:04d}")
        elif kind == "m":
            before = kinds[seen - 1] if seen else ""
            after = kinds[seen + 1] if seen + 1 < len(kinds) else ""
            if len(text) <= 2 and (before in {"h", "elapsed"} or after == "s"):
                out.append(f"{moment.minute:0{len(text)}d}")
            elif len(text) <= 2:
                out.append(f"{moment.month:0{len(text)}d}")
            elif len(text) == 3:
                out.append(MONTHS_SHORT[moment.month - 1])
            elif len(text) == 5:
                out.append(MONTHS[moment.month - 1][0])
            else:
                out.append(MONTHS[moment.month - 1])
        elif kind == "d":
            if len(text) <= 2:
                out.append(f"{moment.day:0{len(text)}d}")
            elif len(text) == 3:
                out.append(DAYS_SHORT[moment.weekday()])
            else:
                out.append(DAYS[moment.weekday()])
        elif kind == "h":
            hour = (moment.hour % 12 or 12) if twelve else moment.hour
            out.append(f"{hour:0{min(len(text), 2)}d}")
        elif kind == "s":
            out.append(f"{moment.second:0{min(len(text), 2)}d}")
            if decimals:
                out.append("," + f"{moment.microsecond:06d}"[:decimals])
                skip_decimals = True
        elif kind == "elapsed":
            total = (value if isinstance(value, timedelta) else moment - _EPOCH).total_seconds()
            unit = {"h": 3600, "m": 60, "s": 1}[text[0]]
            out.append(f"{int(total // unit):0{len(text)}d}")
        elif kind == "ampm":
            morning = moment.hour < 12
            out.append(("AM" if morning else "PM") if text == "AM/PM" else ("A" if morning else "P"))
        elif kind in {".", "0"} and skip_decimals:
            continue
        else:
            out.append(text)
        if kind in _DATE_LETTERS or kind == "elapsed":
            seen += 1
            if kind != "s":
                skip_decimals = False
    return "".join(out)


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


def _number_text(value: float, section: tuple[_Token, ...]) -> str:
    kinds = [k for k, _ in section]
    value *= 100 ** kinds.count("%")
    placeholders = [n for n, k in enumerate(kinds) if k in {"0", "#", "?"}]
    last = placeholders[-1]
    scaling = 0
    n = last + 1
    while n < len(kinds) and kinds[n] == ",":  # « 0, » shows thousands
        scaling += 1
        n += 1
    value /= 1000 ** scaling
    point = next((n for n, k in enumerate(kinds) if k == "."), None)
    exp = next((n for n, k in enumerate(kinds) if k == "exp"), None)
    end_of_number = exp if exp is not None else len(kinds)
    int_slots = [n for n in placeholders if (point is None or n < point) and n < end_of_number]
    frac_slots = [n for n in placeholders if point is not None and point < n < end_of_number]
    exp_slots = [n for n in placeholders if exp is not None and n > exp]
    group = any(k == "," and int_slots and int_slots[0] < n < int_slots[-1] for n, k in enumerate(kinds))
    exponent = 0
    if exp is not None and value:
        exponent = math.floor(math.log10(abs(value))) - max(len(int_slots) - 1, 0)
        value /= 10.0 ** exponent
    digits = Decimal(repr(value)).quantize(Decimal(1).scaleb(-len(frac_slots)), rounding=ROUND_HALF_UP)
    if exp is not None and int_slots and abs(digits) >= Decimal(10) ** len(int_slots):
        exponent += 1
        digits = Decimal(repr(value / 10)).quantize(Decimal(1).scaleb(-len(frac_slots)), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{digits:f}".partition(".")
    whole = whole.lstrip("0")
    fills: dict[int, str] = {}
    # Decimals: a « # » drops a trailing zero, a « ? » makes it a space.
    frac = list(fraction.ljust(len(frac_slots), "0"))
    for i in range(len(frac_slots) - 1, -1, -1):
        slot = kinds[frac_slots[i]]
        if frac[i] != "0" or slot == "0":
            break
        frac[i] = "" if slot == "#" else " "
    for position, digit in zip(frac_slots, frac, strict=True):
        fills[position] = digit
    literal_inside = any(kinds[n] == "lit" for n in range(int_slots[0], int_slots[-1])) if int_slots else False
    if int_slots and not literal_inside:
        zeros = len(int_slots) - next((i for i, n in enumerate(int_slots) if kinds[n] == "0"), len(int_slots))
        text = whole.rjust(zeros, "0")
        if group:
            text = f"{int(text):,}".replace(",", GROUP) if text else ""
        if not text and any(kinds[n] == "?" for n in int_slots):
            text = " "
        for n in int_slots:
            fills[n] = ""
        fills[int_slots[-1]] = text
    elif int_slots:  # « 00 00 00 »: digits fill the places from the right
        rest = whole
        for n in reversed(int_slots):
            if rest:
                fills[n], rest = rest[-1], rest[:-1]
            else:
                fills[n] = {"0": "0", "#": "", "?": " "}[kinds[n]]
        fills[int_slots[0]] = rest + fills[int_slots[0]]
    if exp_slots:
        text = str(abs(exponent)).rjust(sum(1 for n in exp_slots if kinds[n] == "0"), "0")
        for n in exp_slots:
            fills[n] = ""
        fills[exp_slots[-1]] = text
    out = []
    for n, (kind, text) in enumerate(section):
        if n in fills:
            out.append(fills[n])
        elif kind == ".":
            out.append("," if n == point else "")
        elif kind == "exp":
            out.append("E" + ("-" if exponent < 0 else "+" if text == "+" else ""))
        elif kind in {"lit", "%"}:
            out.append(text)
    return "".join(out)
