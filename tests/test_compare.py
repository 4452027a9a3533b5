"""Region against the rest of the country: shares, difference, Fisher's test, and when not to conclude."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import fisher_exact

from consultation import store
from consultation.compare import (
    FLAG_HIGHER,
    FLAG_LOWER,
    FLAG_NOT_SIGNIFICANT,
    FLAG_TOO_SMALL,
    SmallCountRule,
    compare_frame,
    compare_scope,
    fisher_p_value,
)
from consultation.tally import NotInDatabaseError
from test_tally import CID, build_mini


def rows(scope_kind: str, scope: str, figures: dict[str, tuple[int, int]], unit: str = "respondents") -> pd.DataFrame:
    """Tally rows of one question: {theme: (answered, citing)}."""
    return pd.DataFrame([
        {
            "question_id": "q", "question_position": 0, "section": "S", "question_text": "Q ?", "unit": unit,
            "theme_id": theme, "theme_position": i, "label": theme.upper(), "category": None, "is_other": False,
            "scope_kind": scope_kind, "scope": scope, "respondents_answered": answered,
            "respondents_citing": citing, "mentions": citing, "count": citing,
            "share_pct": round(100 * citing / answered, 1), "rank": 1,
        }
        for i, (theme, (answered, citing)) in enumerate(figures.items())
    ])


def compare(national: dict, regional: dict, **kwargs) -> pd.DataFrame:
    return compare_frame(rows("national", "France", national), rows("region", "Occitanie", regional), **kwargs)


@settings(max_examples=300, deadline=None)
@given(
    n_scope=st.integers(1, 80), n_rest=st.integers(1, 400),
    a_share=st.floats(0, 1), b_share=st.floats(0, 1),
)
def test_fisher_p_value_agrees_with_scipy_fisher_exact_on_any_table(n_scope, n_rest, a_share, b_share):
    a, b = round(a_share * n_scope), round(b_share * n_rest)
    expected = fisher_exact([[a, n_scope - a], [b, n_rest - b]], alternative="two-sided").pvalue
    assert fisher_p_value(a, n_scope, b, n_rest) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_fisher_p_value_is_scipy_s_two_sided_exact_test():
    assert fisher_p_value(3, 4, 1, 4) == pytest.approx(fisher_exact([[3, 1], [1, 3]]).pvalue)
    big = fisher_exact([[700, 5300], [9000, 85000]]).pvalue  # a region of a million-answer consultation
    assert fisher_p_value(700, 6000, 9000, 94000) == pytest.approx(big, rel=1e-9)
    assert fisher_p_value(3, 4, 1, 4) == pytest.approx(0.4857, abs=1e-4)  # the lady tasting tea
    assert fisher_p_value(2, 5, 0, 0) == 1.0  # no rest of the country: nothing to test


def test_shares_rest_of_country_and_difference_in_points():
    out = compare({"t": (100, 28)}, {"t": (20, 12)}).iloc[0]
    assert (out["scope_answered"], out["scope_citing"], out["scope_share_pct"]) == (20, 12, 60.0)
    assert (out["rest_answered"], out["rest_citing"], out["rest_share_pct"]) == (80, 16, 20.0)
    assert out["national_share_pct"] == 28.0
    assert out["diff_points"] == 40.0
    assert out["p_value"] == pytest.approx(fisher_exact([[12, 8], [16, 64]]).pvalue)
    assert out["significant"] and out["flag"] == FLAG_HIGHER


def test_a_region_citing_less_is_flagged_lower_and_a_small_gap_is_not_significant():
    out = compare({"less": (100, 60), "same": (100, 30)}, {"less": (20, 2), "same": (20, 6)}).set_index("theme_id")
    assert out.loc["less", "flag"] == FLAG_LOWER and out.loc["less", "diff_points"] < 0
    assert out.loc["same", "flag"] == FLAG_NOT_SIGNIFICANT and not out.loc["same", "significant"]


def test_nothing_is_claimed_on_tiny_counts_whatever_the_p_value():
    # 4 of 4 structures against 1 of 100: p is tiny, but four structures are not a region's voice.
    out = compare({"t": (104, 5)}, {"t": (4, 4)}).iloc[0]
    assert out["p_value"] < 0.001
    assert out["too_small"] and not out["significant"] and out["flag"] == FLAG_TOO_SMALL
    # a theme cited by four respondents in the whole country is too rare to split
    rare = compare({"t": (100, 4)}, {"t": (20, 4)}).iloc[0]
    assert rare["p_value"] < 0.01 and rare["flag"] == FLAG_TOO_SMALL


def test_the_small_count_rule_can_be_tuned():
    strict = compare({"t": (100, 28)}, {"t": (20, 12)}, rule=SmallCountRule(min_respondents=30)).iloc[0]
    assert strict["flag"] == FLAG_TOO_SMALL
    assert "moins de 30 répondants" in SmallCountRule(min_respondents=30).describe()


def test_the_level_is_chosen_by_the_analyst():
    national, regional = {"t": (100, 30)}, {"t": (20, 11)}
    p = compare(national, regional).iloc[0]["p_value"]
    assert 0.01 < p < 0.05
    assert compare(national, regional, alpha=0.05).iloc[0]["flag"] == FLAG_HIGHER
    assert compare(national, regional, alpha=0.01).iloc[0]["flag"] == FLAG_NOT_SIGNIFICANT
    with pytest.raises(ValueError, match="alpha"):
        compare(national, regional, alpha=1.5)


def test_benjamini_hochberg_adjusts_over_the_tested_rows_only():
    national = {"a": (100, 33), "b": (100, 30), "c": (100, 30), "rare": (100, 2)}  # a: p ≈ 0.032
    regional = {"a": (20, 11), "b": (20, 6), "c": (20, 6), "rare": (20, 2)}
    plain = compare(national, regional).set_index("theme_id")
    adjusted = compare(national, regional, adjust="bh").set_index("theme_id")
    assert plain.loc["a", "flag"] == FLAG_HIGHER
    assert adjusted.loc["a", "p_adjusted"] > plain.loc["a", "p_value"]
    assert adjusted.loc["a", "p_adjusted"] == pytest.approx(3 * plain.loc["a", "p_value"])  # 3 tested rows
    assert adjusted.loc["a", "flag"] == FLAG_NOT_SIGNIFICANT
    assert pd.isna(adjusted.loc["rare", "p_adjusted"])  # too small: not among the tests


def test_one_benjamini_hochberg_family_over_every_region():
    """Reports print the ▲▼ of every region: the correction covers all their tests at once."""
    from consultation.compare import adjust_together

    national = {"a": (100, 33), "b": (100, 30), "c": (100, 30), "rare": (100, 2)}
    regional = {"a": (20, 11), "b": (20, 6), "c": (20, 6), "rare": (20, 2)}
    strong = {"a": (20, 18), "b": (20, 6), "c": (20, 6), "rare": (20, 2)}
    frames = [compare(national, regional), compare(national, strong)]
    alone = compare(national, regional, adjust="bh").set_index("theme_id")
    together = [f.set_index("theme_id") for f in adjust_together(frames)]
    # 6 tested rows (rare is too small in both): a's p-value is multiplied by up to 6, not 3.
    assert together[0].loc["a", "p_adjusted"] >= alone.loc["a", "p_adjusted"]
    assert together[0].loc["a", "flag"] == FLAG_NOT_SIGNIFICANT
    assert together[1].loc["a", "flag"] == FLAG_HIGHER  # 18 of 20 against 33 %: survives the correction
    assert pd.isna(together[0].loc["rare", "p_adjusted"])
    from scipy.stats import false_discovery_control

    pooled = [f.loc[f["flag"] != "effectif trop faible", "p_value"] for f in frames]
    expected = false_discovery_control(pd.concat(pooled).to_numpy())
    got = pd.concat([t.loc[t["flag"] != "effectif trop faible", "p_adjusted"] for t in together]).to_numpy()
    assert got == pytest.approx(expected)


def test_a_question_nobody_in_the_region_answered_keeps_its_national_figures():
    national = rows("national", "France", {"t": (50, 10)})
    nobody = rows("region", "Occitanie", {"t": (1, 0)}).iloc[0:0]
    out = compare_frame(national, nobody, scope_kind="region", scope="Occitanie")
    row = out.iloc[0]
    assert (row["national_count"], row["scope_answered"], row["scope_citing"]) == (10, 0, 0)
    assert row["scope"] == "Occitanie" and row["flag"] == FLAG_TOO_SMALL


def test_compare_scope_on_a_database_and_unknown_names():
    con = store.connect(None)
    build_mini(con)
    occ = compare_scope(con, CID, "Occitanie")
    assert len(occ) == 6 and set(occ["scope"]) == {"Occitanie"}
    assert set(occ["flag"]) == {FLAG_TOO_SMALL}  # two respondents: never a claim
    lhss = compare_scope(con, CID, "LHSS", scope_kind="structure_type", question_id="q1")
    assert dict(zip(lhss["theme_id"], lhss["rest_citing"], strict=True)) == {"q1_equipes": 3, "q1_epi": 1, "q1_autres": 1}
    with pytest.raises(NotInDatabaseError, match=r"« Occitani » n'est pas une région .*Occitanie"):
        compare_scope(con, CID, "Occitani")
    with pytest.raises(NotInDatabaseError, match=r"question « q9 » inconnue .*q1, p1"):
        compare_scope(con, CID, "Occitanie", question_id="q9")
