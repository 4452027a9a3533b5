"""Small-cell protection: what a published table shows, and that exports apply it."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from consultation import store
from consultation.cli import main
from consultation.publish.disclosure import (
    SECRET,
    suppress,
    write_tally_table,
)
from test_compare import compare
from test_tally import build_mini


def tally_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "scope_kind": ["national", "region", "region", "region", "region"],
        "scope": ["France", "Bretagne", "Bretagne", "Corse", "Bretagne"],
        "label": ["t", "t", "u", "t", "=HYPERLINK(\"x\")"],
        "respondents_answered": [47, 6, 6, 2, 6],
        "respondents_citing": [1, 2, 0, 2, 4],
        "mentions": [1, 2, 0, 2, 5],
        "count": [1, 2, 0, 2, 5],
        "share_pct": [2.1, 33.3, 0.0, 100.0, 66.7],
        "rank": [9, 1, 3, 1, 1],
        "corrected_count": [1.4, 2.2, None, None, 4.6],
    })


def test_small_regional_counts_read_below_threshold_and_their_shares_are_secret():
    out = suppress(tally_rows())
    region = out.iloc[1]
    assert (region["respondents_citing"], region["mentions"], region["count"]) == ("< 3", "< 3", "< 3")
    assert region["share_pct"] == SECRET
    assert region["corrected_count"] == "< 3"
    assert region["respondents_answered"] == 6 and region["rank"] == 1


def test_zero_is_shown_and_the_national_figures_stay_exact():
    out = suppress(tally_rows())
    assert out.iloc[2]["respondents_citing"] == 0 and out.iloc[2]["share_pct"] == 0.0
    national = out.iloc[0]
    assert (national["respondents_citing"], national["share_pct"], national["corrected_count"]) == (1, 2.1, 1.4)
    assert suppress(tally_rows(), exempt_national=False).iloc[0]["respondents_citing"] == "< 3"


def test_a_small_base_hides_the_share_even_when_everyone_cites():
    corse = suppress(tally_rows()).iloc[3]  # 2 of 2 respondents
    assert (corse["respondents_answered"], corse["respondents_citing"], corse["share_pct"]) == ("< 3", "< 3", SECRET)


def test_the_threshold_is_configurable_and_the_input_stays_exact():
    rows = tally_rows()
    out = suppress(rows, threshold=5)
    assert out.iloc[4]["respondents_citing"] == "< 5"
    assert out.iloc[4]["mentions"] == 5  # five propositions are shown
    assert rows.iloc[4]["respondents_citing"] == 4  # a copy: the analyst's frame is untouched
    with pytest.raises(ValueError, match="threshold"):
        suppress(rows, threshold=0)


def test_in_a_comparison_the_rest_of_the_country_would_give_the_region_back():
    out = suppress(compare({"t": (40, 17)}, {"t": (5, 2)}))
    row = out.iloc[0]
    assert row["national_citing"] == 17  # published nationally
    assert (row["scope_citing"], row["scope_share_pct"]) == ("< 3", SECRET)
    assert (row["rest_citing"], row["rest_share_pct"], row["diff_points"], row["p_value"]) == (SECRET,) * 4
    shown = suppress(compare({"t": (40, 17)}, {"t": (5, 4)})).iloc[0]
    assert shown["rest_citing"] == 13 and shown["p_value"] == pytest.approx(compare({"t": (40, 17)}, {"t": (5, 4)}).iloc[0]["p_value"])


def test_csv_for_people_has_french_headers_markers_and_no_formula(tmp_path):
    path = write_tally_table(suppress(tally_rows()), tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it in UTF-8
    text = raw.decode("utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert "répondants citant le thème" in header and "part des répondants (%)" in header
    assert ";< 3;" in text and f";{SECRET};" in text
    assert "'=HYPERLINK" in text  # neutralised for the spreadsheet


def test_parquet_and_json_keep_identifiers_and_one_type_per_column(tmp_path):
    published = suppress(tally_rows())
    back = pd.read_parquet(write_tally_table(published, tmp_path / "t.parquet"))
    assert list(back["respondents_citing"]) == ["1", "< 3", "0", "< 3", "4"]
    records = json.loads(write_tally_table(published, tmp_path / "t.json").read_text(encoding="utf-8"))
    assert [r["respondents_citing"] for r in records] == [1, "< 3", 0, "< 3", 4]


@pytest.fixture
def mini_db(tmp_path):
    path = tmp_path / "mini" / "consultation.duckdb"
    con = store.connect(path)
    build_mini(con)
    con.close()
    return path


def test_exported_tallies_never_show_a_regional_count_of_one_or_two(mini_db, tmp_path):
    out = tmp_path / "publication"
    result = CliRunner().invoke(main, ["export", "tallies", str(mini_db), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "decomptes.csv" in result.output and "« s »" in result.output
    tallies = pd.read_csv(out / "decomptes.csv", sep=";", dtype=str, encoding="utf-8-sig")
    regional = tallies[tallies["type de périmètre"] != "national"]
    for col in ("répondants ayant répondu", "répondants citant le thème", "mentions (propositions)", "décompte publié"):
        assert not regional[col].isin(["1", "2"]).any(), col
    # Small figures and those hidden by complementary suppression read alike (test_disclosure_channels).
    assert (regional["répondants citant le thème"] == "s").any()
    assert not regional.isin(["< 3"]).any().any()
    national = tallies[tallies["type de périmètre"] == "national"]
    assert "1" in set(national["répondants citant le thème"])  # q1_autres: exact nationally
    comparisons = pd.read_csv(out / "comparaisons-regions.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert not comparisons["périmètre : citant"].isin(["1", "2"]).any()
    assert set(comparisons["signal"]) <= {"effectif trop faible", "s"}  # « s »: the figure is hidden


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "parquet"])
def test_exported_tallies_are_written_in_every_format(mini_db, tmp_path, fmt):
    """A comparison's hidden yes/no columns (« too_small », « significant ») read « s » among booleans:
    Parquet, one type per column, failed on them with pyarrow's traceback."""
    out = tmp_path / "publication"
    result = CliRunner().invoke(main, ["export", "tallies", str(mini_db), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert f"comparaisons-regions.{fmt}" in result.output
    if fmt == "parquet":
        comparisons = pd.read_parquet(out / "comparaisons-regions.parquet")
        assert "s" in set(comparisons["too_small"]) and set(comparisons["too_small"]) <= {"s", "true", "false"}


def test_exact_exports_are_an_explicit_choice(mini_db, tmp_path):
    out = tmp_path / "interne"
    result = CliRunner().invoke(main, ["export", "tallies", str(mini_db), "--output", str(out), "--exact",
                                       "--format", "parquet", "--by", "region"])
    assert result.exit_code == 0, result.output
    assert "ne pas publier" in result.output
    tallies = pd.read_parquet(out / "decomptes.parquet")
    assert set(tallies["scope_kind"]) == {"region"}
    assert 1 in set(tallies["respondents_citing"])
