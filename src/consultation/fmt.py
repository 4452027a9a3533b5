"""French numbers as every user-facing string writes them: the one place for digit grouping,
decimal commas, percentages and the agreement of a word with its count (typography.py spaces
punctuation in whole texts).

Thousands are grouped with a narrow no-break space (« 12 345 »), a decimal takes a comma
(« 0,82 »), a percentage has a no-break space before « % » (« 36 % »); a missing value is « — ».
A word counted agrees with its count, French style: « 0 fichier », « 1 fichier », « 2 fichiers »,
never « fichier(s) ».
"""

from __future__ import annotations

import math

NNBSP = "\u202f"
NBSP = "\u00a0"
MISSING = "—"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def integer(n: float | None) -> str:
    """« 12 345 »: a whole number, thousands grouped by a narrow no-break space."""
    if _missing(n):
        return MISSING
    return f"{round(n):,}".replace(",", NNBSP)  # type: ignore[arg-type]


def decimal(value: float | None, digits: int = 2) -> str:
    """« 0,82 », « 1 234,5 »: a decimal comma, thousands grouped."""
    if _missing(value):
        return MISSING
    return f"{value:,.{digits}f}".replace(",", NNBSP).replace(".", ",")


def exact_decimal(value: float) -> str:
    """« 4,526319818734212 »: every digit Python keeps, a decimal comma, no grouping, for a cell
    a spreadsheet in French must read back as the same number (CSV exports)."""
    return repr(float(value)).replace(".", ",")


def number(value: float | None, digits: int = 1) -> str:
    """A count that may be fractional (a weighted or corrected count): « 12 », else « 12,5 »."""
    if _missing(value):
        return MISSING
    assert value is not None
    return integer(value) if float(value).is_integer() else decimal(value, digits)


def percent(value: float | None, digits: int = 0) -> str:
    """« 36 % », « 12,5 % » from a value already in percent; « < 1 % » for a small non-zero share
    and « > 99 % » for a share short of 100 shown without decimals (a share that would round to
    « 0 % » is not zero, nor one that would round to « 100 % » everyone: 11,920 of 11,960)."""
    if _missing(value):
        return MISSING
    assert value is not None
    if digits == 0 and 0 < value < 0.5:
        return f"<{NBSP}1{NBSP}%"
    if digits == 0 and 99.5 <= value < 100:
        return f">{NBSP}99{NBSP}%"
    return f"{decimal(value, digits) if digits else integer(value)}{NBSP}%"


def _agreed(n: float, singular: str, many: str | None) -> str:
    return singular if abs(n) < 2 else (singular + "s" if many is None else many)


def plural(n: float, singular: str, plural: str | None = None) -> str:
    """The words agreed with a count, French style: the singular for 0 and 1 (and any count under
    2, « 1,5 million »), the plural from 2; the plural is the singular plus « s » unless given
    (« signal », « signaux » ; « mise de côté », « mises de côté »)."""
    return _agreed(n, singular, plural)


def count(n: float, singular: str, plural: str | None = None) -> str:
    """« 0 fichier ingéré », « 1 fichier ingéré », « 1 234 fichiers ingérés »: a whole count as
    `integer` writes it, then the words agreed with the count shown (see `plural`)."""
    return f"{integer(n)} {_agreed(round(n), singular, plural)}"
