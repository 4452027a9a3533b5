"""Fuzzing the readers and normalisers: whatever a file or a cell holds, the only exceptions that
escape are the project's own (consultation.errors.ConsultationError), which the CLI turns into a
message. Bounded (a few hundred examples in all) so that the suite stays fast.
"""

from __future__ import annotations

import io
import os
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation.errors import ConsultationError
from consultation.ingest.readers import header_key, read_table
from consultation.ingest.regions import RegionMatch, normalise_region
from consultation.text import normalise_text, segment

# FUZZ_EXAMPLES=5000 for a long campaign before a release; the default keeps CI fast.
_N = int(os.environ.get("FUZZ_EXAMPLES", "150"))
_QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
FUZZ = settings(max_examples=_N, deadline=None, suppress_health_check=_QUIET)
FEW = settings(max_examples=max(_N // 4, 10), deadline=None, suppress_health_check=_QUIET)

# What exports are made of: delimiters, quotes, line ends, BOMs, accents, control characters, RTL.
_PIECES = [
    ";", ",", "\t", "|", '"', "'", "\n", "\r\n", "\r", " ", "\ufeff", "\x00", "\x1a", "é", "È", "œ", "’",
    "«", "»", "\u00a0", "\u202f", "\u202e", "😷", "ש", "ع", "=", "+", "-", "@", "Identifiant", "Région",
    "Q1.", "A1", "34", "PACA", "Ã©", "â€™", "_x000D_", "#N/A", "nan", "NULL", "0", "1e308",
]
csv_like = st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=60).map("".join)
any_text = st.text(max_size=200) | csv_like
cells = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | any_text | st.binary(max_size=20)
_ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _read_quietly(path: Path, **kwargs) -> None:
    """Read a file; a domain error is a fine answer, anything else fails the test."""
    try:
        table = read_table(path, **kwargs)
    except ConsultationError as exc:
        assert str(exc).strip(), "an error without a message"
        return
    assert all(isinstance(c, str) for c in table.frame.columns)


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".txt", ".tsv", ".xlsx", ".jsonl", ".json", ".parquet"]))
def test_read_table_on_random_bytes_raises_only_domain_errors(scratch, data, suffix):
    path = scratch / f"random{suffix}"
    path.write_bytes(data)
    _read_quietly(path)


@FUZZ
@given(text=csv_like, encoding=st.sampled_from(_ENCODINGS), hint=st.sampled_from([None, "Identifiant"]))
def test_read_table_on_random_csv_text_raises_only_domain_errors(scratch, text, encoding, hint):
    path = scratch / "random_text.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _read_quietly(path, header_hint=hint)


@FEW
@given(
    rows=st.lists(
        st.lists(st.none() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.booleans()
                 | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30), max_size=6),
        max_size=8,
    )
)
def test_read_table_on_random_workbooks_raises_only_domain_errors(scratch, rows):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path = scratch / "random.xlsx"
    path.write_bytes(buffer.getvalue())
    _read_quietly(path, header_hint="Identifiant")


@FUZZ
@given(value=cells)
def test_header_key_and_normalise_text_never_raise(value):
    key = header_key(value)
    assert isinstance(key, str)
    assert key == key.strip()
    assert set(key) <= set(string.ascii_lowercase + string.digits + " ")
    clean = normalise_text(value)
    assert isinstance(clean, str)
    assert normalise_text(clean) == clean  # idempotent: storing twice changes nothing


@FUZZ
@given(value=cells | st.lists(st.integers(), max_size=3) | st.decimals() | st.integers(min_value=10**30))
def test_normalise_region_never_raises(value):
    match = normalise_region(value)
    assert isinstance(match, RegionMatch)
    assert (match.region is None) == (match.method in {"empty", "unknown"})


@FUZZ
@given(text=any_text)
def test_segment_never_raises_and_keeps_only_wordy_propositions(text):
    parts = segment(text)
    assert all(isinstance(p, str) and p == p.strip() and p for p in parts)
    assert all(re.search("[A-Za-zÀ-ÿ]{2}", p) for p in parts), parts  # no proposition without a word


# --- issue 15: no silent reshaping, encodings, inert Markdown ------------------------------------

_WORDS = st.sampled_from(["équipe", "déçus", "très", "à", "où", "ça", "coûté", "Noël", "l'hôpital", "mobilisée",
                          "soignants", "masques", "« bravo »", "fenêtre", "maïs", "cœur", "été", "reçu", "crise"])
_ANSWER = st.lists(_WORDS, min_size=1, max_size=6).map(" ".join)


@FEW
@given(
    answers=st.lists(st.tuples(_ANSWER, _ANSWER, _ANSWER), min_size=1, max_size=15),
    shifted=st.sets(st.integers(0, 14)),
    column=st.integers(0, 2),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_a_row_with_an_unquoted_delimiter_is_flagged_and_no_other_row_moves(
    scratch, answers, shifted, column, delimiter
):
    """Whatever rows hold a stray delimiter (followed by empty answers), exactly those are flagged."""
    header = delimiter.join(["Identifiant", "Q1", "Q2", "Q3"])
    lines, expected = [header], set()
    for i, row in enumerate(answers):
        cells = [f"R{i}", *row]
        if i in shifted:
            cells[1 + column] = f"début{delimiter} suite"
            cells[2 + column :] = [""] * (len(cells) - 2 - column)
            expected.add(i)
        lines.append(delimiter.join(cells))
    path = scratch / "shifted.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    table = read_table(path, header_hint="Identifiant")
    assert set(table.malformed) == expected
    for i, row in enumerate(answers):
        if i not in expected:
            assert list(table.frame.loc[i, ["Q1", "Q2", "Q3"]]) == list(row)


@FUZZ
@given(
    text=st.lists(_WORDS, min_size=4, max_size=40).map(" ".join),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "mac_roman"]),
)
def test_french_text_is_decoded_as_written_in_every_usual_encoding(text, encoding):
    from consultation.ingest.readers import decode_checked

    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        return  # « œ » has no place in Latin-1-like code pages: not this encoding's text
    decoded, _, warnings = decode_checked(raw, Path("x.csv"))
    assert decoded.removeprefix("\ufeff") == text
    assert warnings == []


@FUZZ
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), max_size=120) | csv_like)
def test_discover_markdown_text_renders_as_plain_text(text):
    import html

    import markdown_it

    from consultation.coding.discover import md_text

    text = "".join(c for c in text if c.isprintable() or c.isspace()).replace("\x00", "")
    rendered = markdown_it.MarkdownIt("commonmark", {"html": True}).render(f"- « {md_text(text)} »")
    tags = re.findall(r"<(/?[a-zA-Z][^>]*)>", rendered)
    assert tags == ["ul", "li", "/li", "/ul"], rendered
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    assert " ".join(shown.split()) == " ".join(f"« {' '.join(text.split())} »".split())


_FORMAT_PIECES = [
    "0", "#", "?", ".", ",", "%", "E+", "E-", "@", ";", '"€"', "\\", "_", "*", "[Red]", "[$-40C]", "[$€-40C]",
    "[h]", "[mm]", "[>=100]", "y", "yy", "yyyy", "m", "mm", "mmm", "mmmm", "mmmmm", "d", "dd", "ddd", "dddd",
    "h", "hh", "s", "ss", ".00", "AM/PM", "A/P", "General", " ", "/", "-", ":", "(", ")", '"', "[",
]
_format_codes = st.lists(st.sampled_from(_FORMAT_PIECES) | st.text(max_size=3), max_size=12).map("".join)
_cell_values = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats() | st.text(max_size=10)
    | st.datetimes() | st.dates() | st.times() | st.timedeltas()
)


@FUZZ
@given(value=_cell_values, code=_format_codes)
def test_a_cell_is_shown_in_any_number_format_without_an_error(value, code):
    """Whatever format code a workbook holds (damaged, unknown, hostile), a cell gives a text."""
    from consultation.ingest.numfmt import shown

    assert isinstance(shown(value, code), str)


@FEW
@given(data=st.binary(max_size=4000), cut=st.integers(0, 4000))
def test_the_formats_of_a_damaged_xls_are_none_rather_than_an_error(scratch, data, cut):
    """An .xls whose compound document or records are damaged gives no formats (its values are
    then read as calamine gives them), never an exception."""
    from consultation.ingest.xls_formats import cell_formats

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + data
    path = scratch / "damaged.xls"
    path.write_bytes(header[: 8 + cut])
    assert isinstance(cell_formats(path, "Feuille1"), dict)
