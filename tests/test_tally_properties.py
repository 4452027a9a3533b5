"""Property tests: on any coding, the tallies add up (Hypothesis generates the codings).

Each example is a small consultation written straight into an in-memory database: respondents
spread over regions and structure types, answers (some blank), units with automatic codes (some
on blank answers, some duplicated) and human codes that must win. The tallies are checked against
the invariants an analyst relies on and against a plain-Python recount.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consultation import store
from consultation.compare import compare_frame
from consultation.publish.disclosure import suppress
from consultation.tally import select_tally

CID = "prop"
REGIONS = ["Occitanie", "Bretagne", "Région inconnue"]
TYPES = ["ACT", "LAM", None]
QUESTIONS = {"q1": "respondents", "p1": "propositions"}
THEMES = {q: [f"{q}_a", f"{q}_b", f"{q}_autres"] for q in QUESTIONS}
UNIT_TEXTS = ["", "une idée", "une autre idée"]

respondent = st.fixed_dictionaries({
    "region": st.sampled_from(REGIONS),
    "structure_type": st.sampled_from(TYPES),
    "answers": st.fixed_dictionaries({
        q: st.fixed_dictionaries({
            "text": st.sampled_from(["", "  ", "Une réponse."]),
            # per unit: the themes the automatic coder gave (possibly none, possibly repeated)
            "auto": st.lists(st.lists(st.sampled_from(THEMES[q]), max_size=3), max_size=3),
            "human": st.lists(st.tuples(st.sampled_from(THEMES[q]), st.sampled_from(UNIT_TEXTS)), max_size=3),
        })
        for q in QUESTIONS
    }),
})
consultations = st.lists(respondent, min_size=1, max_size=12)


@pytest.fixture(scope="module")
def con():
    c = store.connect(None)
    yield c
    c.close()


def load(con, people: list[dict]) -> None:
    for table in ("respondents", "answers", "units", "auto_codes", "human_codes", "questions", "themes"):
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
    store.insert_df(con, "questions", pd.DataFrame(
        [(CID, q, i, "Section", "Question ?", unit) for i, (q, unit) in enumerate(QUESTIONS.items())],
        columns=["consultation_id", "question_id", "position", "section", "text", "unit"]))
    store.insert_df(con, "themes", pd.DataFrame(
        [(CID, q, t, i, t, None, t.endswith("autres")) for q in QUESTIONS for i, t in enumerate(THEMES[q])],
        columns=["consultation_id", "question_id", "theme_id", "position", "label", "category", "is_other"]))
    respondents, answers, units, autos, humans = [], [], [], [], []
    for i, person in enumerate(people):
        rid = f"R{i}"
        respondents.append((CID, rid, None, person["structure_type"], person["region"], None,
                            person["region"], "test", "gen.csv", i))
        for q, answer in person["answers"].items():
            answers.append((CID, rid, q, answer["text"], None))
            for unit_no, themes in enumerate(answer["auto"]):
                units.append((CID, rid, q, unit_no, f"unité {unit_no}"))
                autos.extend((CID, rid, q, unit_no, t, "rule", 0.5, False, None, 1, datetime(2024, 1, 1))
                             for t in themes)
            humans.extend((CID, rid, q, t, text, 1, "h.csv") for t, text in answer["human"])
    for table, rows in (("respondents", respondents), ("answers", answers), ("units", units),
                        ("auto_codes", autos), ("human_codes", humans)):
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        store.insert_df(con, table, pd.DataFrame(rows, columns=columns[: len(rows[0])] if rows else columns))


def recount(people: list[dict]) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(question, theme) -> (answered, citing, mentions), national, in plain Python."""
    answered: dict[str, int] = defaultdict(int)
    citing: dict[tuple[str, str], int] = defaultdict(int)
    mentions: dict[tuple[str, str], int] = defaultdict(int)
    for person in people:
        for q, answer in person["answers"].items():
            if not answer["text"].strip():
                continue
            answered[q] += 1
            if answer["human"]:  # human codes win for the whole answer
                units = {(t, "h:" + text) for t, text in answer["human"]}
            else:
                units = {(t, n) for n, themes in enumerate(answer["auto"]) for t in themes}
            for theme in {t for t, _ in units}:
                citing[q, theme] += 1
                mentions[q, theme] += sum(1 for t, _ in units if t == theme)
    return {(q, t): (answered[q], citing[q, t], mentions[q, t]) for q in QUESTIONS for t in THEMES[q] if answered[q]}


def _all_scopes(con) -> pd.DataFrame:
    return select_tally(con, CID, use_cache=False)


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check_national_equals_recount(df: pd.DataFrame, people: list[dict]) -> None:
    national = df[df["scope_kind"] == "national"]
    got = {(q, t): (a, c, m) for q, t, a, c, m in zip(
        national["question_id"], national["theme_id"], national["respondents_answered"],
        national["respondents_citing"], national["mentions"], strict=True)}
    assert got == recount(people)


def check_bounds(df: pd.DataFrame) -> None:
    assert (df["respondents_citing"] <= df["respondents_answered"]).all()
    assert (df["mentions"] >= df["respondents_citing"]).all()
    assert df["share_pct"].between(0, 100).all()
    expected_count = df["mentions"].where(df["unit"] == "propositions", df["respondents_citing"])
    assert (df["count"] == expected_count).all()
    assert (df["rank"] >= 1).all()


def check_scopes_add_up(df: pd.DataFrame) -> None:
    """Each respondent is in one region and one structure type: the parts sum to the whole."""
    key = ["question_id", "theme_id"]
    figures = ["respondents_answered", "respondents_citing", "mentions"]
    national = df[df["scope_kind"] == "national"].set_index(key)[figures].sort_index()
    for kind in ("region", "structure_type", "region_structure_type"):
        summed = df[df["scope_kind"] == kind].groupby(key)[figures].sum().sort_index()
        pd.testing.assert_frame_equal(summed, national, check_dtype=False, obj=kind)
    cross = df[df["scope_kind"] == "region_structure_type"].groupby(["region", *key])[figures].sum().sort_index()
    regions = df[df["scope_kind"] == "region"].set_index(["region", *key])[figures].sort_index()
    pd.testing.assert_frame_equal(cross, regions, check_dtype=False)


def check_drill_down(con, df: pd.DataFrame) -> None:
    """The answers behind each regional count: as many respondents as cite, as many rows as mentions."""
    behind = con.execute(
        "SELECT region, question_id, theme_id, count(DISTINCT respondent_id) AS citing, count(*) AS mentions "
        "FROM coded_answers WHERE consultation_id = ? GROUP BY ALL", [CID]
    ).df().set_index(["region", "question_id", "theme_id"])
    for row in df[df["scope_kind"] == "region"].itertuples():
        k = (row.region, row.question_id, row.theme_id)
        got = tuple(behind.loc[k]) if k in behind.index else (0, 0)
        assert got == (row.respondents_citing, row.mentions)


@SETTINGS
@given(people=consultations)
def test_tallies_equal_a_plain_recount_stay_in_bounds_and_add_up(con, people):
    load(con, people)
    df = _all_scopes(con)
    check_national_equals_recount(df, people)
    check_bounds(df)
    check_scopes_add_up(df)
    check_drill_down(con, df)


@SETTINGS
@given(people=consultations, threshold=st.integers(min_value=1, max_value=5))
def test_published_tallies_never_show_a_small_regional_count(con, people, threshold):
    load(con, people)
    published = suppress(_all_scopes(con), threshold)
    regional = published[published["scope_kind"] != "national"]
    for col in ("respondents_answered", "respondents_citing", "mentions", "count"):
        numbers = [v for v in regional[col] if not isinstance(v, str)]
        assert all(v == 0 or v >= threshold for v in numbers), col


@SETTINGS
@given(people=consultations)
def test_the_rest_of_the_country_is_national_minus_the_region(con, people):
    load(con, people)
    df = _all_scopes(con)
    national = df[df["scope_kind"] == "national"]
    for region, rows in df[df["scope_kind"] == "region"].groupby("region"):
        out = compare_frame(national, rows)
        assert (out["scope_citing"] + out["rest_citing"] == out["national_citing"]).all()
        assert (out["scope_answered"] + out["rest_answered"] == out["national_answered"]).all()
        assert out["p_value"].between(0, 1).all()
        assert not (out["significant"] & out["too_small"]).any(), region
