"""Normalise the free-text "region" typed by survey respondents.

Respondents answer the region question in every imaginable way: current
region names with or without accents, acronyms (PACA, IDF, AURA), the
pre-2016 regions, a department number or name, or even a postal code.
Analyses need one of the 18 current regions (2016 map, INSEE codes), so this
module maps every such answer to a :class:`Region`, or says why it could not.

The department -> region table is package data (``data/departements.csv``,
INSEE Code officiel géographique 2024) so that it can be checked and updated
without touching code.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import numbers
import re
from dataclasses import dataclass
from importlib import resources
from typing import Final, Literal

from consultation.text import fold

__all__ = [
    "DEPARTMENT_REGION_CODES",
    "REGIONS",
    "REGIONS_BY_CODE",
    "UNKNOWN_REGION",
    "MatchMethod",
    "Region",
    "RegionMatch",
    "department_of_postal_code",
    "normalise_region",
    "region_of_department",
]

UNKNOWN_REGION: Final = "Région inconnue"
"""User-facing label for answers that cannot be mapped to a region."""

MatchMethod = Literal[
    "name",
    "old_region",
    "department_code",
    "department_name",
    "postal_code",
    "empty",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class Region:
    """One of the 18 current French regions, identified by its INSEE code."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class RegionMatch:
    """Result of :func:`normalise_region`: the region and how it was found.

    Keeping the method lets analysts audit the normalisation (e.g. how many
    answers were only a postal code) instead of trusting it blindly.
    """

    region: Region | None
    method: MatchMethod

    @property
    def label(self) -> str:
        """French label for reports: the region name or ``UNKNOWN_REGION``."""
        return self.region.name if self.region is not None else UNKNOWN_REGION


# --------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------

_CSV_COLUMNS: Final = ("code_departement", "nom_departement", "code_region", "nom_region")


@dataclass(frozen=True, slots=True)
class _Department:
    """A row of ``departements.csv``."""

    code: str
    name: str
    region: Region


@functools.cache
def _load_departments() -> tuple[_Department, ...]:
    """Read the packaged COG table once; fail loudly if it is malformed."""
    text = (resources.files("consultation") / "data" / "departements.csv").read_text(
        encoding="utf-8"
    )
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _CSV_COLUMNS:
        raise ValueError(f"departements.csv: unexpected header {reader.fieldnames!r}")
    regions: dict[str, Region] = {}
    departments: list[_Department] = []
    for row in reader:
        code_region = row["code_region"].strip()
        region = regions.setdefault(code_region, Region(code_region, row["nom_region"].strip()))
        if region.name != row["nom_region"].strip():
            raise ValueError(f"departements.csv: region {code_region} has two names")
        departments.append(
            _Department(row["code_departement"].strip(), row["nom_departement"].strip(), region)
        )
    return tuple(departments)


def _region_sort_key(region: Region) -> tuple[bool, str]:
    """Metropolitan regions alphabetically first, then overseas ones by code."""
    overseas = region.code < "10"
    return (overseas, region.code if overseas else _region_key(region.name))


def _build_regions() -> tuple[Region, ...]:
    """Distinct regions of the CSV in a stable, human-friendly order."""
    unique = {d.region.code: d.region for d in _load_departments()}
    return tuple(sorted(unique.values(), key=_region_sort_key))


# --------------------------------------------------------------------------
# Folding: make spelling variants collide on one key
# --------------------------------------------------------------------------

_NON_ALNUM: Final = re.compile(r"[^0-9a-z]+")
_TOKEN_ALIASES: Final = {"st": "saint", "ste": "sainte"}


def _region_key(text: str) -> str:
    """Fold (`text.fold`, « œ » and « æ » written out), turn non-alphanumerics into single
    spaces, read « st »/« ste » as « saint »/« sainte ».

    "Provence-Alpes-Côte d'Azur" and "provence alpes cote d azur" both give
    "provence alpes cote d azur", so one dict entry serves every variant.
    """
    tokens = _NON_ALNUM.sub(" ", fold(text, ligatures=True)).split()
    return " ".join(_TOKEN_ALIASES.get(token, token) for token in tokens)


def _compact(folded: str) -> str:
    """Drop the spaces too, so "Cote dOr" and "Côte-d'Or" share a key."""
    return folded.replace(" ", "")


# --------------------------------------------------------------------------
# Lookup tables
# --------------------------------------------------------------------------

# Pre-2016 regions (merged on 1 January 2016) -> current INSEE region code.
# "Centre", Bretagne, Corse, Pays de la Loire, Île-de-France, PACA and the
# overseas regions kept their territory, so they are names, not old regions.
_OLD_REGIONS: Final[dict[str, str]] = {
    "Alsace": "44",
    "Aquitaine": "75",
    "Auvergne": "84",
    "Basse-Normandie": "28",
    "Bourgogne": "27",
    "Champagne-Ardenne": "44",
    "Franche-Comté": "27",
    "Haute-Normandie": "28",
    "Languedoc-Roussillon": "76",
    "Limousin": "75",
    "Lorraine": "44",
    "Midi-Pyrénées": "76",
    "Nord-Pas-de-Calais": "32",
    "Picardie": "32",
    "Poitou-Charentes": "75",
    "Rhône-Alpes": "84",
}

# Other ways people name a current region: acronyms, the provisional 2016
# names, official nicknames, the former name of Centre-Val de Loire and the
# former ARS name "Océan Indien". Deliberately absent because ambiguous:
# "Antilles" (Guadeloupe or Martinique), "DOM", "Outre-mer", "Sud", "Nord-Est".
_REGION_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "84": ("AURA", "ARA"),
    "27": ("BFC",),
    "53": ("BZH", "Breizh"),
    "24": ("Centre", "CVL"),
    "94": ("Collectivité de Corse", "Corsica"),
    "44": ("ACAL", "ALCA", "Alsace-Champagne-Ardenne-Lorraine", "Alsace-Lorraine", "Alsace-Moselle"),
    "32": ("HDF", "Nord-Pas-de-Calais-Picardie", "NPDCP", "NPDC"),
    "11": ("IDF", "Région parisienne"),
    "75": ("ALPC", "Aquitaine-Limousin-Poitou-Charentes"),
    "76": (
        "Languedoc",  # short for Languedoc-Roussillon, as often typed
        "LRMP",
        "Languedoc-Roussillon-Midi-Pyrénées",
        "Occitanie Pyrénées-Méditerranée",
    ),
    "52": ("PDL", "Pays-de-Loire"),
    "93": ("PACA", "Région Sud", "Provence", "Côte d'Azur"),
    "03": ("Guyane française",),
    "04": ("Réunion", "Île de la Réunion", "Océan Indien"),
}

_DEPARTMENT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "90": ("Belfort",),
}

_METHOD_PRIORITY: Final[dict[str, int]] = {"department_name": 0, "old_region": 1, "name": 2}


@dataclass(frozen=True, slots=True)
class _Tables:
    """Everything precomputed from the CSV, built once."""

    names: dict[str, tuple[Region, MatchMethod]]
    departments: dict[str, Region]


@functools.cache
def _tables() -> _Tables:
    """Build the folded-name and department dicts (once, on first use)."""
    departments = _load_departments()
    by_code = {d.region.code: d.region for d in departments}
    names: dict[str, tuple[Region, MatchMethod]] = {}

    def add(label: str, region: Region, method: MatchMethod) -> None:
        key = _compact(_region_key(label))
        previous = names.get(key)
        if previous is not None:
            if previous[0] != region:
                raise ValueError(f"ambiguous region key {key!r}: {previous[0]} vs {region}")
            if _METHOD_PRIORITY[previous[1]] >= _METHOD_PRIORITY[method]:
                return
        names[key] = (region, method)

    for dep in departments:
        add(dep.name, dep.region, "department_name")
        for alias in _DEPARTMENT_ALIASES.get(dep.code, ()):
            add(alias, dep.region, "department_name")
    for old_name, code in _OLD_REGIONS.items():
        add(old_name, by_code[code], "old_region")
    for region in by_code.values():
        add(region.name, region, "name")
        for alias in _REGION_ALIASES.get(region.code, ()):
            add(alias, region, "name")

    codes = {d.code: d.region for d in departments}
    # "20" was the single Corsican department until 1976 and is still typed;
    # both of its successors are in Corse, so the region is unambiguous.
    codes["20"] = by_code["94"]
    return _Tables(names=names, departments=codes)


REGIONS: Final[tuple[Region, ...]] = _build_regions()
"""The 18 current regions: 13 metropolitan (alphabetical) then 5 overseas."""

REGIONS_BY_CODE: Final[dict[str, Region]] = {r.code: r for r in REGIONS}

DEPARTMENT_REGION_CODES: Final[dict[str, str]] = {
    d.code: d.region.code for d in _load_departments()
}
"""Department code -> INSEE region code, exactly as in the CSV (101 entries)."""


# --------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------

_DEPT_CODE_RE: Final = re.compile(r"0?(\d{1,2})|(97\d)|0?(2[ab])", re.IGNORECASE)
_POSTAL_RE: Final = re.compile(r"\d{4,5}")
_OVERSEAS_POSTAL_EXCLUDED: Final = frozenset({"97133", "97150"})
"""Saint-Barthélemy and Saint-Martin use 971xx codes but left Guadeloupe in 2007."""


def _canonical_department(code: str) -> str | None:
    """'1' -> '01', '2b' -> '2B', '034' -> '34'; None if not code-shaped."""
    match = _DEPT_CODE_RE.fullmatch(code.strip())
    if match is None:
        return None
    two_digits, overseas, corsica = match.groups()
    if two_digits is not None:
        return two_digits.zfill(2)
    return overseas if overseas is not None else corsica.upper()


def region_of_department(code: str) -> Region | None:
    """Region of an INSEE department code ("34", "1", "2A", "974"), else None.

    The legacy Corsican code "20" gives Corse; "975" and non-codes give None.
    """
    if not isinstance(code, str):
        return None
    canonical = _canonical_department(code)
    return _tables().departments.get(canonical) if canonical is not None else None


def department_of_postal_code(code: str) -> str | None:
    """Department code of a French postal code, or None if it has none.

    A 4-digit code is read as a 5-digit one that lost its leading zero in a
    spreadsheet ("1000" -> "01000" -> "01"). Corsica: 200xx-201xx -> 2A,
    202xx-206xx -> 2B. Overseas: 971xx-974xx and 976xx; 975xx
    (Saint-Pierre-et-Miquelon), 97133/97150 (Saint-Barthélemy, Saint-Martin),
    98xxx (Monaco, Pacific) and unassigned prefixes give None.
    """
    if not isinstance(code, str):
        return None
    code = code.strip()
    if _POSTAL_RE.fullmatch(code) is None:
        return None
    code = code.zfill(5)
    prefix = code[:2]
    if prefix == "20":
        if code[2] in "01":
            return "2A"
        return "2B" if code[2] in "23456" else None
    if prefix == "97":
        if code in _OVERSEAS_POSTAL_EXCLUDED:
            return None
        department = code[:3]
    else:
        department = prefix
    return department if department in _tables().departments else None


def _region_of_postal_code(code: str) -> Region | None:
    """Region of a postal code via its department."""
    department = department_of_postal_code(code)
    return _tables().departments.get(department) if department is not None else None


# --------------------------------------------------------------------------
# Free text
# --------------------------------------------------------------------------

_EMPTY_TOKENS: Final = frozenset({"", "nan", "na", "n a", "nat", "none", "null"})
"""Folded forms that mean "no answer" (pandas/Excel/SQL missing markers)."""

_PREFIXES: Final = frozenset(
    [
        "region",
        "ancienne",
        "ex",
        "departement",
        "dept",
        "dpt",
        "dep",
        "la",
        "le",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "en",
        "a",
        "au",
        "aux",
        "dans",
    ]
)
"""Words people put before the name ("Région Occitanie", "dépt. du Nord")."""

_SUFFIXES: Final = frozenset({"france"})
"""Words put after it ("Bretagne, France"); tried only after a direct miss."""

_FLOAT_RE: Final = re.compile(r"(\d+)[.,]0+")
_SPLIT_POSTAL_RE: Final = re.compile(r"(\d{2}) (\d{3})")
_MAX_LENGTH: Final = 200
_MAX_NUMBER: Final = 1_000_000

_EMPTY: Final = RegionMatch(None, "empty")
_UNKNOWN: Final = RegionMatch(None, "unknown")


def _lookup_name(tokens: list[str]) -> tuple[Region, MatchMethod] | None:
    """Dict lookup of a folded name, retrying without filler words."""
    names = _tables().names
    start, end = 0, len(tokens)
    while start < end:
        hit = names.get("".join(tokens[start:end]))
        if hit is not None:
            return hit
        if tokens[start] in _PREFIXES:
            start += 1
        elif tokens[end - 1] in _SUFFIXES:
            end -= 1
        else:
            return None
    return None


def _strip_prefixes(tokens: list[str]) -> list[str]:
    """Remove leading filler words ("département 34" -> "34")."""
    start = 0
    while start < len(tokens) - 1 and tokens[start] in _PREFIXES:
        start += 1
    return tokens[start:]


def _match_code(token: str, *, alone: bool) -> RegionMatch | None:
    """Read one token as a department or postal code.

    4-digit postal codes are only accepted when they are the whole answer,
    so that "Occitanie 2024" is not read as a postal code of the Aisne.
    """
    if len(token) == 5 or (alone and len(token) == 4):
        if token.isdigit():
            region = _region_of_postal_code(token)
            return RegionMatch(region, "postal_code") if region else _UNKNOWN
        return None
    canonical = _canonical_department(token)
    if canonical is None:
        return None
    region = _tables().departments.get(canonical)
    return RegionMatch(region, "department_code") if region else _UNKNOWN


def _match_tokens(tokens: list[str]) -> RegionMatch:
    """Resolve the folded tokens of a non-empty answer."""
    named = _lookup_name(tokens)
    if named is not None:
        return RegionMatch(*named)
    tokens = _strip_prefixes(tokens)
    if len(tokens) == 1:
        return _match_code(tokens[0], alone=True) or _UNKNOWN
    joined = " ".join(tokens)
    if _SPLIT_POSTAL_RE.fullmatch(joined):  # "34 000", French thousands style
        return _match_code(joined.replace(" ", ""), alone=True) or _UNKNOWN

    # A code with text around it: "34 - Hérault", "Hérault (34)",
    # "34000 Montpellier". The text must not contradict the code. A leading
    # department number needs text confirming it ("12 rue de la Paix" is an
    # address, not the Aveyron); a trailing one or a postal code does not.
    for code_token, rest, needs_confirmation in (
        (tokens[0], tokens[1:], True),
        (tokens[-1], tokens[:-1], False),
    ):
        by_code = _match_code(code_token, alone=False)
        if by_code is None:
            continue
        if by_code.region is None:
            return _UNKNOWN
        by_name = _lookup_name(rest)
        if by_name is not None:
            return by_code if by_name[0] == by_code.region else _UNKNOWN
        if needs_confirmation and by_code.method == "department_code":
            return _UNKNOWN
        return by_code
    return _UNKNOWN


@functools.lru_cache(maxsize=8192)
def _normalise_text(text: str) -> RegionMatch:
    """Cached core of :func:`normalise_region` for one string."""
    stripped = text.strip()
    float_like = _FLOAT_RE.fullmatch(stripped)
    if float_like is not None:  # "34000.0" pasted from a spreadsheet
        stripped = float_like.group(1)
    folded = _region_key(stripped)
    if folded in _EMPTY_TOKENS:
        return _EMPTY
    match = _match_tokens(folded.split())
    if match.region is None and _SEPARATORS.search(stripped):
        return _match_parts(stripped)
    return match


_SEPARATORS: Final = re.compile(r"[/,;()|]|\s[-–]\s")


def _match_parts(text: str) -> RegionMatch:
    """ "Normandie (Rouen)", "Occitanie / Hérault", "Bretagne, France": the parts that name a
    region must all name the same one; parts naming none are ignored, a contradiction is unknown."""
    found = [m for part in _SEPARATORS.split(text) if part.strip() and (m := _normalise_text(part)).region]
    if found and all(m.region == found[0].region for m in found):
        return found[0]
    return _UNKNOWN


def _as_text(value: object) -> str | RegionMatch:
    """Turn a raw spreadsheet cell into text, or decide its match directly."""
    if value is None:
        return _EMPTY
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _UNKNOWN
    if isinstance(value, numbers.Integral):
        integer = int(value)
        # Bounded: no code has more than 5 digits, and str() of a huge int raises.
        return str(integer) if 0 <= integer < _MAX_NUMBER else _UNKNOWN
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return _EMPTY
        if not (0 <= number < _MAX_NUMBER and number.is_integer()):
            return _UNKNOWN
        return str(int(number))
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return _UNKNOWN  # a container is never a cell value ("[]" is not blank)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    try:
        if value != value:  # NaN-like objects (Decimal NaN, pandas.NaT)
            return _EMPTY
    except Exception:  # pandas.NA: its truth value is ambiguous and raises
        pass
    try:
        return str(value)
    except Exception:  # a cell whose __str__ fails is just unknown
        return _UNKNOWN


def normalise_region(value: object) -> RegionMatch:
    """Map a raw answer (region, old region, department, postal code) to a region.

    Never raises: the input is a raw spreadsheet cell of any type. Empty cells
    (None, NaN, "", "N/A") give method "empty"; anything unrecognised or
    ambiguous ("Antilles", "Monaco", "975") gives method "unknown".
    """
    text = _as_text(value)
    if isinstance(text, RegionMatch):
        return text
    if len(text) > _MAX_LENGTH:  # free-text paragraphs: not a region, not worth caching
        return _UNKNOWN if text.strip() else _EMPTY
    return _normalise_text(text)
