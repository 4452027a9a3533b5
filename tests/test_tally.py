"""Tallies on the tiny consultation: the figures an analyst reads, scope by scope.

The mini database is built with the real ingestion and automatic codes written here by hand (as
the rules give them today), so the expected figures do not move when the coder changes.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from conftest import MINI_DIR
from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation
from consultation.tally import (
    CACHE_TABLE,
    input_stamp,
    refresh_tallies,
    select_tally,
    tally,
    tally_relation,
)

CID = "mini"


def national_counts(con, consultation_id: str) -> dict[tuple[str, str], int]:
    """{(question_id, theme label): count}: the figures the reference document publishes."""
    df = tally(con, consultation_id)
    return {(q, label): int(c) for q, label, c in zip(df["question_id"], df["label"], df["count"], strict=True)}

# (respondent, question, unit_no, unit text, theme): what the rules code today. A1, A2 and A4 also
# have human codes for q1, and A1 for p1: those automatic codes must lose.
AUTO_CODES = [
    ("A1", "q1", 0, "La mobilisation de toute l'équipe.", "q1_autres"),
    ("A2", "q1", 0, "Le manque de masques au début.", "q1_autres"),
    ("A3", "q1", 0, "Rien de particulier", "q1_autres"),
    ("A4", "q1", 0, "La solidarité entre équipes et le manque de masques", "q1_autres"),
    ("A5", "q1", 0, "Une équipe soudée", "q1_equipes"),
    ("A1", "p1", 0, "Revaloriser les salaires des IDE", "p1_autres"),
    ("A2", "p1", 0, "Plus de formation", "p1_formation"),
    ("A3", "p1", 0, "Augmenter la rémunération", "p1_salaires"),
    ("A3", "p1", 1, "former les bénévoles", "p1_formation"),
    ("A5", "p1", 0, "Former", "p1_formation"),
]


def add_auto_codes(con, rows, consultation_id: str = CID, *, with_units: bool = True) -> None:
    """Units and automatic codes as the coder writes them (source 'rule')."""
    units = pd.DataFrame(
        sorted({(r, q, n, text) for r, q, n, text, _ in rows}),
        columns=["respondent_id", "question_id", "unit_no", "text"],
    )
    units.insert(0, "consultation_id", consultation_id)
    codes = pd.DataFrame([(r, q, n, t) for r, q, n, _, t in rows],
                         columns=["respondent_id", "question_id", "unit_no", "theme_id"])
    codes.insert(0, "consultation_id", consultation_id)
    codes["source"] = "rule"
    codes["confidence"] = 0.6
    codes["needs_review"] = False
    codes["model_version"] = None
    codes["codebook_version"] = 1
    codes["coded_at"] = datetime(2024, 1, 1)
    if with_units:
        store.insert_df(con, "units", units)
    store.insert_df(con, "auto_codes", codes)


def build_mini(con) -> None:
    ingest_consultation(con, load_consultation(MINI_DIR), MINI_DIR)
    add_auto_codes(con, AUTO_CODES)


@pytest.fixture
def con():
    c = store.connect(None)
    build_mini(c)
    yield c
    c.close()


def _figures(df: pd.DataFrame) -> dict[str, tuple]:
    return {
        t: (a, c, m, cnt, s, rk)
        for t, a, c, m, cnt, s, rk in zip(
            df["theme_id"], df["respondents_answered"], df["respondents_citing"], df["mentions"],
            df["count"], df["share_pct"], df["rank"], strict=True,
        )
    }


def test_national_figures_count_respondents_mentions_shares_and_ranks(con):
    df = tally(con, CID)
    assert _figures(df[df["question_id"] == "q1"]) == {
        # (answered, citing, mentions, count, share %, rank); human codes win for A1, A2, A4
        "q1_equipes": (5, 3, 3, 3, 60.0, 1),
        "q1_epi": (5, 2, 2, 2, 40.0, 2),
        "q1_autres": (5, 1, 1, 1, 20.0, 3),
    }
    # A4 left p1 blank: 4 respondents answered. Counted in propositions: A1's two propositions
    # were coded by hand, A3's two by the rules.
    assert _figures(df[df["question_id"] == "p1"]) == {
        "p1_salaires": (4, 2, 2, 2, 50.0, 2),
        "p1_formation": (4, 4, 4, 4, 100.0, 1),
        "p1_autres": (4, 0, 0, 0, 0.0, 3),
    }


def test_question_and_theme_carry_section_and_category(con):
    df = select_tally(con, CID, scopes=[("national", None)], question_id="q1")
    assert set(df["section"]) == {"Gestion du COVID"}
    assert set(df["question_text"]) == {"Que retenez-vous de la crise ?"}
    assert dict(zip(df["theme_id"], df["category"], strict=True))["q1_epi"] == "ASPECTS NEGATIFS"
    assert list(df["label"]) == ["Mobilisation des équipes", "Manque d'EPI", "Autres"]  # codebook order


def test_regional_figures_and_unknown_region(con):
    occ = tally(con, CID, scope_kind="region", scope="Occitanie")  # A1, and A3 (department 34)
    assert _figures(occ) == {
        "q1_equipes": (2, 1, 1, 1, 50.0, 1),
        "q1_epi": (2, 0, 0, 0, 0.0, 3),
        "q1_autres": (2, 1, 1, 1, 50.0, 1),
        "p1_salaires": (2, 2, 2, 2, 100.0, 1),
        "p1_formation": (2, 2, 2, 2, 100.0, 1),
        "p1_autres": (2, 0, 0, 0, 0.0, 3),
    }
    unknown = tally(con, CID, scope_kind="region", scope="Région inconnue")  # A5, 'Atlantide'
    assert set(unknown["respondents_answered"]) == {1}


def test_structure_type_and_region_by_structure_type_scopes(con):
    lhss = tally(con, CID, scope_kind="structure_type", scope="LHSS")  # A2 only
    assert dict(zip(lhss["theme_id"], lhss["respondents_citing"], strict=True)) == {
        "q1_equipes": 0, "q1_epi": 1, "q1_autres": 0, "p1_salaires": 0, "p1_formation": 1, "p1_autres": 0,
    }
    cross = select_tally(con, CID, scopes=[("region_structure_type", "Occitanie × ACT")])
    assert set(cross["region"]) == {"Occitanie"} and set(cross["structure_type"]) == {"ACT"}
    assert set(cross["respondents_answered"]) == {2}


def test_a_scope_where_nobody_answered_has_no_rows(con):
    # A4 (Hauts-de-France) answered q1 but left p1 blank.
    hdf = tally(con, CID, scope_kind="region", scope="Hauts-de-France")
    assert set(hdf["question_id"]) == {"q1"}


def test_national_counts_are_what_the_reference_publishes(con):
    assert national_counts(con, CID)[("p1", "Formation")] == 4
    assert national_counts(con, CID)[("q1", "Manque d'EPI")] == 2


def test_a_human_code_left_on_a_blank_answer_is_not_counted(con):
    # A4 left p1 blank; a stray human code for it would make a theme cited by more respondents
    # than answered.
    con.execute("INSERT INTO human_codes VALUES ('mini', 'A4', 'p1', 'p1_salaires', '', 1, 'x.csv')")
    df = tally(con, CID, question_id="p1")
    assert dict(zip(df["theme_id"], df["respondents_citing"], strict=True))["p1_salaires"] == 2
    assert (df["respondents_citing"] <= df["respondents_answered"]).all()


def test_a_unit_coded_twice_with_the_same_theme_is_one_mention(con):
    add_auto_codes(con, [("A5", "p1", 0, "Former", "p1_formation")], with_units=False)  # same code again
    df = tally(con, CID, question_id="p1")
    assert dict(zip(df["theme_id"], df["mentions"], strict=True))["p1_formation"] == 4


def test_corrected_counts_appear_when_the_coding_engine_has_estimated_them(con):
    df = select_tally(con, CID, scopes=[("national", None)], question_id="q1")
    assert df["corrected_count"].isna().all()
    estimates = [
        ("q1", "q1_equipes", 3.0, 3.4, 2.1, 4.6, datetime(2024, 1, 1)),
        ("q1", "q1_equipes", 3.0, 3.2, 2.5, 4.0, datetime(2024, 2, 1)),  # the latest wins
    ]
    for q, t, raw, corrected, low, high, when in estimates:
        con.execute(
            "INSERT INTO count_estimates VALUES ('mini', ?, ?, 'national', 'France', ?, ?, ?, ?, 'bootstrap', 'm1', ?)",
            [q, t, raw, corrected, low, high, when],
        )
    df = select_tally(con, CID, scopes=[("national", None)], question_id="q1").set_index("theme_id")
    assert len(df) == 3  # no row duplicated by the two estimates
    assert tuple(df.loc["q1_equipes", ["raw_count", "corrected_count", "ci_low", "ci_high"]]) == (3.0, 3.2, 2.5, 4.0)
    assert df.loc["q1_equipes", "estimate_method"] == "bootstrap"
    assert pd.isna(df.loc["q1_epi", "corrected_count"])


def test_the_cache_gives_the_view_s_rows_and_follows_every_change(con):
    live = select_tally(con, CID, use_cache=False)
    cached = select_tally(con, CID)
    assert tally_relation(con, CID) == CACHE_TABLE
    pd.testing.assert_frame_equal(cached, live)
    before = input_stamp(con, CID)
    # A reviewer recodes A3's q1 answer by hand: the cache must not serve the old count.
    con.execute("INSERT INTO human_codes VALUES ('mini', 'A3', 'q1', 'q1_epi', '', 1, 'revue.csv')")
    assert input_stamp(con, CID) != before
    after = tally(con, CID, question_id="q1")
    assert dict(zip(after["theme_id"], after["respondents_citing"], strict=True)) == {
        "q1_equipes": 3, "q1_epi": 3, "q1_autres": 0,
    }


def test_refresh_tallies_materialises_every_consultation(con):
    refresh_tallies(con, CID)
    rows = con.execute(f"SELECT count(*) FROM {CACHE_TABLE} WHERE consultation_id = ?", [CID]).fetchone()[0]  # noqa: S608
    assert rows == con.execute("SELECT count(*) FROM tally WHERE consultation_id = ?", [CID]).fetchone()[0]
    assert tally_relation(con, CID) == CACHE_TABLE
