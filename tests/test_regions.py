"""Tests for consultation.ingest.regions: the region normalisation of survey answers."""

from __future__ import annotations

import csv
import decimal
import io
import math
import unicodedata
from importlib import resources

import pytest

from consultation.ingest.regions import (
    DEPARTMENT_REGION_CODES,
    REGIONS,
    REGIONS_BY_CODE,
    UNKNOWN_REGION,
    Region,
    RegionMatch,
    department_of_postal_code,
    normalise_region,
    region_of_department,
)

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    HAS_HYPOTHESIS = True
except ImportError:  # pragma: no cover - hypothesis is optional
    HAS_HYPOTHESIS = False

EXPECTED_REGIONS: dict[str, str] = {
    "84": "Auvergne-Rhône-Alpes",
    "27": "Bourgogne-Franche-Comté",
    "53": "Bretagne",
    "24": "Centre-Val de Loire",
    "94": "Corse",
    "44": "Grand Est",
    "32": "Hauts-de-France",
    "11": "Île-de-France",
    "28": "Normandie",
    "75": "Nouvelle-Aquitaine",
    "76": "Occitanie",
    "52": "Pays de la Loire",
    "93": "Provence-Alpes-Côte d'Azur",
    "01": "Guadeloupe",
    "02": "Martinique",
    "03": "Guyane",
    "04": "La Réunion",
    "06": "Mayotte",
}

EXPECTED_DEPARTMENT_CODES: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 20)]
    + ["2A", "2B"]
    + [f"{n:02d}" for n in range(21, 96)]
    + ["971", "972", "973", "974", "976"]
)

VALID_METHODS = {
    "name",
    "old_region",
    "department_code",
    "department_name",
    "postal_code",
    "empty",
    "unknown",
}


def region(code: str) -> Region:
    """The expected Region object for an INSEE region code."""
    return Region(code, EXPECTED_REGIONS[code])


def read_csv_rows() -> list[dict[str, str]]:
    """The packaged CSV, read independently of the module under test."""
    text = (resources.files("consultation") / "data" / "departements.csv").read_text(
        encoding="utf-8"
    )
    return list(csv.DictReader(io.StringIO(text)))


def strip_accents(text: str) -> str:
    """'Île-de-France' -> 'Ile-de-France', to build respondent-like variants."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# --------------------------------------------------------------------------
# Package data
# --------------------------------------------------------------------------


def test_csv_has_101_departments_with_expected_codes() -> None:
    rows = read_csv_rows()
    assert len(rows) == 101
    assert list(rows[0]) == ["code_departement", "nom_departement", "code_region", "nom_region"]
    codes = [row["code_departement"] for row in rows]
    assert len(set(codes)) == 101
    assert set(codes) == EXPECTED_DEPARTMENT_CODES
    assert "975" not in codes  # Saint-Pierre-et-Miquelon is not a region


def test_csv_has_the_18_regions_with_insee_codes() -> None:
    rows = read_csv_rows()
    pairs = {(row["code_region"], row["nom_region"]) for row in rows}
    assert pairs == set(EXPECTED_REGIONS.items())


def test_csv_department_names_are_unique_and_non_empty() -> None:
    names = [row["nom_departement"] for row in read_csv_rows()]
    assert all(name.strip() == name and name for name in names)
    assert len(set(names)) == len(names)


def test_csv_departments_per_region() -> None:
    counts: dict[str, int] = {}
    for row in read_csv_rows():
        counts[row["code_region"]] = counts.get(row["code_region"], 0) + 1
    assert counts == {
        "84": 12, "27": 8, "53": 4, "24": 6, "94": 2, "44": 10, "32": 5, "11": 8,
        "28": 5, "75": 12, "76": 13, "52": 5, "93": 6,
        "01": 1, "02": 1, "03": 1, "04": 1, "06": 1,
    }  # fmt: skip


def test_regions_constant() -> None:
    assert len(REGIONS) == 18
    assert {r.code: r.name for r in REGIONS} == EXPECTED_REGIONS
    assert {r.code: r for r in REGIONS} == REGIONS_BY_CODE
    assert [r.code for r in REGIONS[-5:]] == ["01", "02", "03", "04", "06"]
    assert {
        row["code_departement"]: row["code_region"] for row in read_csv_rows()
    } == DEPARTMENT_REGION_CODES


def test_dataclasses_are_frozen() -> None:
    match = normalise_region("Bretagne")
    with pytest.raises(AttributeError):
        match.method = "unknown"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        REGIONS[0].name = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------
# Region names and their variants
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name"), sorted(EXPECTED_REGIONS.items()))
def test_every_region_by_exact_name(code: str, name: str) -> None:
    assert normalise_region(name) == RegionMatch(region(code), "name")


# 19 of the 144 daily, each region and each spelling at least once; all of them in the full run.
@pytest.mark.daily_cases(19)
@pytest.mark.parametrize(("code", "name"), sorted(EXPECTED_REGIONS.items()))
@pytest.mark.parametrize(
    "transform",
    [
        str.upper,
        str.lower,
        strip_accents,
        lambda s: strip_accents(s).lower().replace("-", " ").replace("'", " "),
        lambda s: f"  {s}\t",
        lambda s: f"Région {s}",
        lambda s: s.replace("-", " - ").replace("'", "’"),
        lambda s: s.replace(" ", "-"),
    ],
    ids=["upper", "lower", "no_accents", "plain", "padded", "prefixed", "spaced", "hyphens"],
)
def test_every_region_name_variant(code: str, name: str, transform: object) -> None:
    assert callable(transform)
    assert normalise_region(transform(name)).region == region(code)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Région Occitanie", "76"),
        ("region occitanie", "76"),
        ("Ile de France", "11"),
        ("ile-de-france", "11"),
        ("IDF", "11"),
        ("idf", "11"),
        ("PACA", "93"),
        ("Paca", "93"),
        ("Provence Alpes Cote d'Azur", "93"),
        ("provence-alpes-cote-d-azur", "93"),
        ("Provence-Alpes-Côte d’Azur", "93"),
        ("Région Sud", "93"),
        ("Auvergne Rhône-Alpes", "84"),
        ("Auvergne-Rhone-Alpes", "84"),
        ("AURA", "84"),
        ("BFC", "27"),
        ("Bourgogne Franche Comte", "27"),
        ("Hauts de France", "32"),
        ("HAUTS-DE-FRANCE", "32"),
        ("Centre", "24"),
        ("Région Centre", "24"),
        ("Centre Val de Loire", "24"),
        ("centre-val-de-loire", "24"),
        ("Grand-Est", "44"),
        ("grand est", "44"),
        ("Nouvelle Aquitaine", "75"),
        ("Pays de Loire", "52"),
        ("pays de la loire", "52"),
        ("Reunion", "04"),
        ("Réunion", "04"),
        ("La Réunion", "04"),
        ("la reunion", "04"),
        ("Ile de la Réunion", "04"),
        ("Île de La Réunion", "04"),
        ("Océan Indien", "04"),
        ("ocean indien", "04"),
        ("Guyane française", "03"),
        ("Bretagne, France", "53"),
        ("Ile-de-France, France", "11"),
        ("Collectivité de Corse", "94"),
    ],
)
def test_region_variants(text: str, code: str) -> None:
    assert normalise_region(text) == RegionMatch(region(code), "name")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Alsace", "44"),
        ("Aquitaine", "75"),
        ("Auvergne", "84"),
        ("Basse-Normandie", "28"),
        ("Bourgogne", "27"),
        ("Champagne-Ardenne", "44"),
        ("Franche-Comté", "27"),
        ("Haute-Normandie", "28"),
        ("Languedoc-Roussillon", "76"),
        ("Limousin", "75"),
        ("Lorraine", "44"),
        ("Midi-Pyrénées", "76"),
        ("Nord-Pas-de-Calais", "32"),
        ("Picardie", "32"),
        ("Poitou-Charentes", "75"),
        ("Rhône-Alpes", "84"),
    ],
)
def test_all_16_old_regions(text: str, code: str) -> None:
    expected = RegionMatch(region(code), "old_region")
    assert normalise_region(text) == expected
    assert normalise_region(strip_accents(text).upper().replace("-", " ")) == expected
    assert normalise_region(f"Région {text}") == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("midi pyrenees", "76"),
        ("Nord Pas de Calais", "32"),
        ("rhone alpes", "84"),
        ("Ancienne région Limousin", "75"),
    ],
)
def test_old_region_variants(text: str, code: str) -> None:
    assert normalise_region(text) == RegionMatch(region(code), "old_region")


# --------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("department", "code"),
    [
        ("34", "76"),
        ("2A", "94"),
        ("2B", "94"),
        ("976", "06"),
        ("59", "32"),
        ("21", "27"),
        ("44", "52"),
        ("67", "44"),
        ("75", "11"),
        ("13", "93"),
        ("35", "53"),
        ("33", "75"),
        ("69", "84"),
        ("14", "28"),
        ("45", "24"),
        ("971", "01"),
        ("972", "02"),
        ("973", "03"),
        ("974", "04"),
        ("90", "27"),
    ],
)
def test_region_of_department_explicit(department: str, code: str) -> None:
    assert region_of_department(department) == region(code)
    assert normalise_region(department) == RegionMatch(region(code), "department_code")


def test_every_department_in_csv_maps_to_its_region() -> None:
    for row in read_csv_rows():
        expected = region(row["code_region"])
        assert region_of_department(row["code_departement"]) == expected, row
        assert normalise_region(row["code_departement"]).region == expected, row
        by_name = normalise_region(row["nom_departement"])
        assert by_name.region == expected, row
        # Overseas departments share their name with their region.
        assert by_name.method in {"department_name", "name"}, row
        plain = strip_accents(row["nom_departement"]).lower().replace("-", " ")
        assert normalise_region(plain).region == expected, row


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("34", "76"),
        ("1", "84"),
        ("01", "84"),
        ("2A", "94"),
        ("2a", "94"),
        ("2b", "94"),
        ("974", "04"),
        (34, "76"),
        (1, "84"),
        (974, "04"),
        (34.0, "76"),
        ("34 - Hérault", "76"),
        ("34-Herault", "76"),
        ("Hérault (34)", "76"),
        ("Montpellier (34)", "76"),
        ("Département 34", "76"),
        ("dépt. 59", "32"),
        ("20", "94"),  # pre-1976 Corsican department code
        (" 93 ", "11"),  # department 93, not the PACA region code
    ],
)
def test_department_codes(value: object, code: str) -> None:
    assert normalise_region(value) == RegionMatch(region(code), "department_code")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Hérault", "76"),
        ("herault", "76"),
        ("HERAULT", "76"),
        ("Seine-Saint-Denis", "11"),
        ("Seine St Denis", "11"),
        ("Bouches du Rhône", "93"),
        ("bouches-du-rhone", "93"),
        ("Côte-d'Or", "27"),
        ("Cote dOr", "27"),
        ("Val d'Oise", "11"),
        ("Corse du Sud", "94"),
        ("Haute Corse", "94"),
        ("Territoire de Belfort", "27"),
        ("Paris", "11"),
        ("Nord", "32"),
        ("Département du Nord", "32"),
        ("Loire", "84"),
        ("Rhône", "84"),
    ],
)
def test_department_names(value: str, code: str) -> None:
    assert normalise_region(value) == RegionMatch(region(code), "department_name")


def test_region_of_department_rejects_non_codes() -> None:
    for value in ("975", "977", "00", "0", "96", "99", "100", "2C", "", "abc", "34000"):
        assert region_of_department(value) is None, value
    assert region_of_department(34) is None  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Postal codes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postal", "department"),
    [
        ("34000", "34"),
        ("75001", "75"),
        ("01000", "01"),
        ("1000", "01"),
        ("20000", "2A"),
        ("20090", "2A"),
        ("20137", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("20250", "2B"),
        ("97100", "971"),
        ("97200", "972"),
        ("97300", "973"),
        ("97400", "974"),
        ("97600", "976"),
        ("97615", "976"),
        ("59000", "59"),
        ("13001", "13"),
    ],
)
def test_department_of_postal_code(postal: str, department: str) -> None:
    assert department_of_postal_code(postal) == department


@pytest.mark.parametrize(
    "postal",
    ["97500", "97133", "97150", "98000", "98800", "00000", "00100", "96000", "20700",
     "123", "123456", "3400a", "", "abcde"],
)  # fmt: skip
def test_department_of_postal_code_none(postal: str) -> None:
    assert department_of_postal_code(postal) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("34000", "76"),
        ("20000", "94"),
        ("20200", "94"),
        ("97400", "04"),
        ("97600", "06"),
        ("97620", "06"),
        ("97100", "01"),
        ("97200", "02"),
        ("97300", "03"),
        ("75001", "11"),
        ("1000", "84"),
        (1000, "84"),
        (34000, "76"),
        (34000.0, "76"),
        ("34000.0", "76"),
        ("34 000", "76"),
        ("34000 Montpellier", "76"),
        ("Montpellier 34000", "76"),
        ("Ajaccio 20000", "94"),
        ("13100 Aix-en-Provence", "93"),
    ],
)
def test_postal_codes(value: object, code: str) -> None:
    assert normalise_region(value) == RegionMatch(region(code), "postal_code")


# --------------------------------------------------------------------------
# Empty and unknown
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [None, "", " ", "\t\n", float("nan"), decimal.Decimal("NaN"), "nan", "NaN", "NA", "N/A",
     "n/a", "None", "null", "-", "?", "<NA>", "NaT"],
)  # fmt: skip
def test_empty_inputs(value: object) -> None:
    match = normalise_region(value)
    assert match == RegionMatch(None, "empty")
    assert match.label == UNKNOWN_REGION


UNKNOWN_INPUTS: list[object] = [
    "Antilles",
    "DOM",
    "DOM-TOM",
    "Outre-mer",
    "Sud",
    "Nord-Est",
    "France",
    "Monaco",
    "Belgique",
    "Suisse",
    "975",
    "Saint-Pierre-et-Miquelon",
    "98000",
    "97133",
    "97500",
    "0",
    "00",
    "96",
    "100",
    "999",
    "123456",
    "12 rue de la Paix",
    "Bretagne 34",  # contradicting name and code
    "34 Gironde",
    "Occitanie 2024",
    "Montpellier",
    "je ne sais pas",
    "xyz",
    "1.5",
    34.5,
    -34,
    float("inf"),
    10**30,
    True,
    False,
    [],
    {},
    object(),
]


def _stable_id(value: object) -> str:
    """The test id: repr, except for a bare object, whose repr holds its address (pytest-xdist's
    workers each collect the tests and must find the same ids)."""
    return "object()" if type(value) is object else repr(value)


@pytest.mark.parametrize("value", UNKNOWN_INPUTS, ids=_stable_id)
def test_unknown_inputs(value: object) -> None:
    match = normalise_region(value)
    assert match == RegionMatch(None, "unknown")
    assert match.label == UNKNOWN_REGION


def test_label() -> None:
    assert normalise_region("PACA").label == "Provence-Alpes-Côte d'Azur"


class _BrokenStr:
    """A cell object whose conversion to text fails."""

    def __str__(self) -> str:
        raise RuntimeError("boom")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("boom")

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "value",
    [_BrokenStr(), 10**5000, 1e308, -0.0, b"34", bytearray(b"\xff\xfe"), "x" * 10_000,
     "\x00", "\ud800", "𝟑𝟒", "İstanbul", "ǅ", decimal.Decimal("sNaN"), (1, 2)],
    ids=lambda value: type(value).__name__,
)  # fmt: skip
def test_weird_inputs_never_raise(value: object) -> None:
    match = normalise_region(value)
    assert match.method in VALID_METHODS


def test_numpy_and_pandas_cells() -> None:
    np = pytest.importorskip("numpy")
    assert normalise_region(np.int64(34)).region == region("76")
    assert normalise_region(np.float64(34000.0)) == RegionMatch(region("76"), "postal_code")
    assert normalise_region(np.float64("nan")).method == "empty"
    pd = pytest.importorskip("pandas")
    assert normalise_region(pd.NA).method == "empty"
    assert normalise_region(pd.NaT).method == "empty"


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["PACA", "34", "75001", "Alsace", "Hérault", "Océan Indien"])
def test_normalisation_is_idempotent(value: str) -> None:
    first = normalise_region(value).region
    assert first is not None
    assert normalise_region(first.name) == RegionMatch(first, "name")


def test_region_name_maps_to_itself() -> None:
    for reg in REGIONS:
        assert normalise_region(reg.name).region == reg
        assert normalise_region(normalise_region(reg.name).label).region == reg


def test_result_invariants_on_known_samples() -> None:
    samples: list[object] = [*EXPECTED_REGIONS.values(), *UNKNOWN_INPUTS, None, "", "34"]
    for value in samples:
        match = normalise_region(value)
        assert match.method in VALID_METHODS
        assert (match.region is None) == (match.method in {"empty", "unknown"})
        if match.region is not None:
            assert match.region in REGIONS


if HAS_HYPOTHESIS:

    @settings(max_examples=500, deadline=None)
    @given(st.text())
    def test_never_raises_on_arbitrary_text(text: str) -> None:
        match = normalise_region(text)
        assert match.method in VALID_METHODS
        assert (match.region is None) == (match.method in {"empty", "unknown"})
        if match.region is not None:
            assert match.region in REGIONS
            assert normalise_region(match.region.name).region == match.region

    @settings(max_examples=300, deadline=None)
    @given(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(allow_nan=True, allow_infinity=True),
            st.decimals(allow_nan=True),
            st.binary(),
            st.text(alphabet="0123456789 .,-2AaBb()", max_size=12),
            st.lists(st.integers(), max_size=3),
        )
    )
    def test_never_raises_on_arbitrary_cells(value: object) -> None:
        match = normalise_region(value)
        assert match.method in VALID_METHODS
        assert (match.region is None) == (match.method in {"empty", "unknown"})

    @settings(max_examples=200, deadline=None)
    @given(st.sampled_from(sorted(EXPECTED_REGIONS.values())), st.sampled_from(["", " ", "  "]))
    def test_surrounding_whitespace_is_ignored(name: str, pad: str) -> None:
        assert normalise_region(f"{pad}{name}{pad}") == normalise_region(name)

    @settings(max_examples=300, deadline=None)
    @given(st.integers(min_value=1000, max_value=99999))
    def test_integer_postal_codes_agree_with_department_of_postal_code(number: int) -> None:
        department = department_of_postal_code(str(number).zfill(5))
        match = normalise_region(number)
        if number < 10_000 or department is None:
            assert match.method in {"postal_code", "unknown"}
        if department is not None and match.method == "postal_code":
            assert match.region == region_of_department(department)

else:  # pragma: no cover

    def test_never_raises_on_arbitrary_text() -> None:
        for text in ["", "\x00", "é" * 300, "34 34 34", "- 2A -", "Région", "la la la"]:
            assert normalise_region(text).method in VALID_METHODS


def test_is_cached_and_fast() -> None:
    """A call on an already seen string must be a cache hit (spreadsheets repeat)."""
    import time

    normalise_region("Provence Alpes Cote d'Azur")
    start = time.perf_counter()
    for _ in range(10_000):
        normalise_region("Provence Alpes Cote d'Azur")
    assert time.perf_counter() - start < 1.0
    assert not math.isnan(start)


# --------------------------------------------------------------------------
# Answers with a remark or two names (added with the ingestion work)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Normandie (Rouen)", "28"),
        ("Occitanie / Hérault", "76"),
        ("Bretagne, France", "53"),
        ("Marseille / 13", "93"),
        ("Grand Est - Alsace", "44"),
        ("NPDC", "32"),
        ("Alsace Lorraine", "44"),
        ("Alsace-Moselle", "44"),
        ("Languedoc", "76"),
    ],
)
def test_parts_and_extra_aliases(value: str, code: str) -> None:
    assert normalise_region(value).region == region(code)


@pytest.mark.parametrize("value", ["Bretagne / 34", "Bretagne (ex-Limousin)", "Corse ; Guadeloupe", "a/b"])
def test_parts_that_contradict_each_other_are_unknown(value: str) -> None:
    assert normalise_region(value) == RegionMatch(None, "unknown")
