"""Bulk cell cleaning gives exactly `normalise_text`, and the data checks of store/sql/checks.sql pass on
ingested data and catch each kind of damage they are written for."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation, normalise_series, run_checks
from consultation.text import normalise_text
from test_ingest_formats import INGEST_DATA

# Characters that cleaning changes or keeps on purpose, plus plain letters.
TRICKY = list("ab é’‘`´\u00a0\u202f\t\n\r\x0b\x0c\x1c\x1f\x85\u2028\u2029\u3000\u2000\u200b\x00\x7fe\u0301Å\u212bœ«»ﬁ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(st.sampled_from(TRICKY), max_size=12), st.text(max_size=20)), min_size=1, max_size=6))
def test_bulk_cleaning_is_exactly_normalise_text(cells):
    assert normalise_series(pd.Series(cells, dtype=object)).tolist() == [normalise_text(c) for c in cells]


# Only characters cleaned in bulk (Arrow), so that the bulk path itself is what is compared.
BULK = [*"ab é’‘`´\u00a0\u202f\t\n\r«»œ€—–…“”•\u200b\ufe0f🤔👍🇫🇷→", "  ", " \n ", "\r\n", "\n\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(BULK), max_size=15).map("".join), min_size=1, max_size=6))
def test_bulk_cleaning_of_common_punctuation_is_exactly_normalise_text(cells):
    assert normalise_series(pd.Series(cells, dtype=object)).tolist() == [normalise_text(c) for c in cells]


def test_characters_cleaned_in_bulk_cannot_change_under_nfc_nor_strip():
    """The bulk path skips NFC and strips only spaces and line breaks: sound only for characters
    that NFC never changes, that never combine with the one before, and that are not blank."""
    import unicodedata

    from consultation.ingest.core import _EXTRA_RANGES

    composes = set()
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<") and len(decomposition.split()) == 2:
            composes.add(int(decomposition.split()[1], 16))
    replaced = {0x2018, 0x2019, 0xB4, 0x60}
    ranges = [(0x21, 0x5F), (0x61, 0x7E), (0xA1, 0xB3), (0xB5, 0x24F), *_EXTRA_RANGES]
    wrong = [
        hex(cp) for lo, hi in ranges for cp in range(lo, hi + 1)
        if cp not in replaced and (
            unicodedata.normalize("NFC", chr(cp)) != chr(cp) or chr(cp).isspace()
            or unicodedata.combining(chr(cp)) or cp in composes or (unicodedata.category(chr(cp)).startswith("C")
            and unicodedata.category(chr(cp)) not in ("Cf", "Cn"))
        )
    ]
    assert wrong == []


def test_bulk_cleaning_keeps_index_and_turns_missing_into_empty():
    cleaned = normalise_series(pd.Series(["  a  b ", None, "L’été"], index=[5, 7, 9], dtype=object))
    assert cleaned.to_dict() == {5: "a b", 7: "", 9: "L'été"}


@pytest.fixture(scope="module")
def ingested():
    con = store.connect(None)
    ingest_consultation(con, load_consultation(INGEST_DATA), INGEST_DATA)
    yield con
    con.close()


def test_all_checks_pass_after_an_ingest(ingested):
    results = run_checks(ingested)
    assert len(results) == 16
    assert {name: len(rows) for name, rows in results.items() if len(rows)} == {}


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        ("UPDATE respondents SET region = 'Bretagne' WHERE respondent_id = 'F01'", "accepted_regions"),
        ("UPDATE respondents SET region = 'Atlantide', region_code = NULL WHERE respondent_id = 'F01'", "accepted_regions"),
        ("UPDATE respondents SET region_method = 'guess' WHERE respondent_id = 'F01'", "accepted_region_methods"),
        ("UPDATE respondents SET region_method = 'empty' WHERE respondent_id = 'F01'", "accepted_region_methods"),
        ("UPDATE answers SET question_id = 'q9' WHERE respondent_id = 'F01' AND question_id = 'q1'", "answers_to_known_questions"),
        ("DELETE FROM respondents WHERE respondent_id = 'F02'", "answers_of_known_respondents"),
        ("UPDATE source_files SET rows_ingested = rows_ingested - 1 WHERE kind = 'responses'", "rows_read_are_ingested_or_quarantined"),
        ("DELETE FROM quarantine WHERE source_row = 10", "quarantine_matches_file_counts"),
        ("UPDATE human_codes SET theme_id = 'q2_isolement' WHERE respondent_id = 'F01'", "human_codes_of_current_codebook_known"),
        ("UPDATE human_codes SET codebook_version = 7 WHERE respondent_id = 'F01'", "codes_have_a_codebook_version"),
        ("UPDATE quarantine SET reason = '' WHERE source_row = 10", "not_null_quarantine_reason"),
        ("UPDATE source_files SET kind = 'other' WHERE kind = 'human_codes'", "accepted_source_kinds"),
    ],
)
def test_each_check_catches_its_damage(ingested, damage, check):
    ingested.execute("BEGIN TRANSACTION")
    try:
        ingested.execute(damage)
        failing = {name for name, rows in run_checks(ingested).items() if len(rows)}
    finally:
        ingested.execute("ROLLBACK")
    assert check in failing


def test_duplicate_rows_are_caught_by_the_unique_checks():
    """The tables have primary keys, but a database made by older code or by hand may not."""
    con = store.connect(None)
    con.execute("CREATE TEMP TABLE respondents AS SELECT * FROM main.respondents")  # shadows, without the key
    con.execute("INSERT INTO respondents VALUES ('c','R1',NULL,NULL,NULL,NULL,'Région inconnue','empty','f',2)")
    con.execute("INSERT INTO respondents VALUES ('c','R1',NULL,NULL,NULL,NULL,'Région inconnue','empty','f',3)")
    rows = run_checks(con)["unique_respondents"]
    assert rows.to_dict(orient="records") == [{"consultation_id": "c", "respondent_id": "R1", "n": 2}]
    con.close()
