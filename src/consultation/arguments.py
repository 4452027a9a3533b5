"""Checks of the arguments of the Python API (consultation.api, consultation.notebook).

An analyst in a notebook passes what a notebook holds: a department as 34 or 34.0 (a cell of a
frame), a numpy integer, a list of regions, a padded or differently cased name, « oui » for True.
Each check here either returns the canonical value, when the meaning is unambiguous, or raises
ArgumentError with a French message naming the argument, the value received and what is
accepted; no raw duckdb, pandas or numpy exception, no English message, reaches the analyst.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from consultation.errors import ArgumentError
from consultation.publish.typography import NNBSP, french

_MAX_SHOWN = 80


_VALUE = "\ue000"  # where the value received goes, after French typography (it is shown as typed)


def shown(value: object) -> str:
    """How a message shows the value received: « text » for a string or a path, else its repr
    (numpy's names its type: np.int64(34)). The text inside « » is as typed: « 5% » stays « 5% »."""
    if isinstance(value, str):
        if not value.strip():
            return "une chaîne vide" if not value else f"une chaîne d'espaces ({value!r})"
        text = value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN - 1] + "…"
        return f"«{NNBSP}{text}{NNBSP}»"
    if isinstance(value, os.PathLike):
        return f"«{NNBSP}{os.fspath(value)}{NNBSP}»"  # whole: its end names the file
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN - 1] + "…"


def message(template: str, value: object) -> str:
    """`template` with French typography, then `shown(value)` where it says {value}."""
    return french(template.replace("{value}", _VALUE)).replace(_VALUE, shown(value))


def refuse(name: str, value: object, expected: str, hint: str = "") -> ArgumentError:
    """The error for argument `name`: « name : expected (reçu : value) ; hint »."""
    return ArgumentError(message(f"{name} : {expected} (reçu : {{value}})" + (f" ; {hint}" if hint else ""), value))


def _is_bool(value: object) -> bool:
    """A bool or a numpy boolean (np.True_, named bool_ or bool as numpy versions go)."""
    return isinstance(value, bool) or (
        type(value).__module__ == "numpy" and type(value).__name__ in ("bool_", "bool"))


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def text(name: str, value: object, expected: str, *, required: bool = False, hint: str = "") -> str | None:
    """A name or an identifier: a string, stripped of surrounding spaces; None when not required."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise refuse(name, value, expected, hint)
    return value.strip()


def matching(value: str, known: Iterable[str]) -> str:
    """`value` as stored among `known`: itself, else the one known value equal to it but for case."""
    known = list(known)
    if value in known:
        return value
    same = [k for k in known if k.casefold() == value.casefold()]
    return same[0] if len(same) == 1 else value


def choice(name: str, value: object, choices: Sequence[str]) -> str:
    """One of `choices`, whatever its case and surrounding spaces."""
    accepted = ", ".join(f"« {c} »" for c in choices)
    if not isinstance(value, str) or not value.strip():
        raise refuse(name, value, f"une de ces valeurs attendue : {accepted}")
    key = value.strip().casefold()
    for c in choices:
        if c.casefold() == key:
            return c
    close = difflib.get_close_matches(key, [c.casefold() for c in choices], n=1, cutoff=0.6)
    guess = f" ; vouliez-vous dire « {choices[[c.casefold() for c in choices].index(close[0])]} » ?" if close else ""
    raise ArgumentError(message(f"{name} : {{value}} n'est pas accepté ; valeurs acceptées : {accepted}{guess}", value))


def flag(name: str, value: object, *, nullable: bool = False) -> bool | None:
    """True or False (a numpy boolean, 0 or 1 too); a string is refused: « non » would be true."""
    if value is None and nullable:
        return None
    if _is_bool(value):
        return bool(value)
    if _is_integer(value) and int(value) in (0, 1):  # type: ignore[call-overload]
        return bool(value)
    expected = "True ou False attendu" + (" (ou None : sans filtre)" if nullable else "")
    hint = "écrivez True ou False, sans guillemets" if isinstance(value, str) else ""
    raise refuse(name, value, expected, hint)


def whole(name: str, value: object, *, minimum: int) -> int:
    """A whole number ≥ `minimum`: an int, a numpy integer or a float without decimals (3.0)."""
    if _is_integer(value):
        number = int(value)  # type: ignore[call-overload]
    elif _is_real(value) and math.isfinite(float(value)) and float(value).is_integer():  # type: ignore[arg-type]
        number = int(float(value))  # type: ignore[arg-type]
    else:
        raise refuse(name, value, f"un nombre entier supérieur ou égal à {minimum} attendu")
    if number < minimum:
        raise refuse(name, value, f"un nombre entier supérieur ou égal à {minimum} attendu")
    return number


def share(name: str, value: object, *, closed_high: bool = False, hint: str = "") -> float:
    """A number strictly between 0 and 1 (up to 1 included with `closed_high`)."""
    bound = "compris entre 0 (exclu) et 1 (inclus)" if closed_high else "strictement compris entre 0 et 1"
    if _is_real(value):
        number = float(value)  # type: ignore[arg-type]
        if 0 < number < 1 or (closed_high and number == 1):
            return number
    raise refuse(name, value, f"un nombre {bound} attendu", hint)


REGION_EXPECTED = ("une région attendue : son nom (« Occitanie », « PACA »), ou un numéro de département "
                   "(34, « 34 », « 2A »)")


def region(name: str, value: object) -> str | None:
    """A region as typed: a name, or a department number as an int, a numpy integer or a float
    without decimals (34.0, as a frame's cell holds it), read as the same number in a string."""
    if value is None:
        return None
    if _is_integer(value) and int(value) > 0:  # type: ignore[call-overload]
        return str(int(value))  # type: ignore[call-overload]
    if _is_real(value) and math.isfinite(float(value)) and float(value).is_integer() and float(value) > 0:  # type: ignore[arg-type]
        return str(int(float(value)))  # type: ignore[arg-type]
    if isinstance(value, str) and value.strip():
        return value.strip()
    hint = ""
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ in ("Series", "ndarray", "Index"):
        hint = ("une seule région à la fois : pour toutes, db.tallies(by=\"region\") ; sinon une boucle, "
                "[db.comparison(r) for r in regions]")
    raise refuse(name, value, REGION_EXPECTED, hint)


TABLE_SUFFIXES = (".csv", ".xlsx", ".xls", ".json", ".parquet", ".txt", ".ods")


def path(name: str, value: object, expected: str = "un chemin attendu (texte ou Path)") -> Path:
    """A path: a non-empty string or an os.PathLike ("" would silently be the current folder)."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip()):
        return Path(value)
    raise refuse(name, value, expected)


def output_folder(name: str, value: object, files: str) -> Path:
    """A folder to write `files` into: refused when it is an existing file, or a name with a
    table's suffix that is not an existing folder (« decomptes.xlsx »: the files would land in a
    new folder of that name)."""
    folder = path(name, value, "un dossier attendu (texte ou Path)")
    if folder.exists() and not folder.is_dir():
        raise refuse(name, value, f"un dossier attendu, c'est un fichier ; y seront écrits {files}")
    if not folder.exists() and folder.suffix.lower() in TABLE_SUFFIXES:
        raise refuse(
            name, value, f"un dossier attendu, c'est un nom de fichier ; y seront écrits {files}",
            f"donnez le dossier (« {folder.parent / folder.stem} » ou « {folder.parent} ») et le format "
            f"par fmt=\"{folder.suffix.lower().lstrip('.')}\"",
        )
    return folder
