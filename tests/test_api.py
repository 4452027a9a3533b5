"""`consultation.open(...)`: what a notebook gets, as DataFrames."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pandas as pd
import pytest

import consultation
from consultation import store
from consultation.api import Database
from consultation.tally import NotInDatabaseError, select_tally
from test_tally import CID, build_mini


@pytest.fixture(scope="module")
def mini_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("processed") / "mini" / "consultation.duckdb"
    con = store.connect(path)
    build_mini(con)
    con.execute(
        "INSERT INTO quarantine VALUES ('mini', 'h', 'reponses.csv', 7, 'identifiant du répondant manquant', '{}')"
    )
    con.close()
    return path


@pytest.fixture
def db(mini_db):
    with consultation.open(mini_db) as opened:
        yield opened


def test_import_consultation_stays_cheap():
    code = "import sys, consultation; print('duckdb' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_open_takes_the_file_or_its_folder_and_finds_the_consultation(mini_db):
    with consultation.open(mini_db.parent) as db:
        assert db.consultation_id == CID
        assert "mini" in repr(db)


def test_what_is_in_the_database(db):
    c = db.consultations().iloc[0]
    assert (c["consultation_id"], c["respondents"], c["answers"]) == (CID, 5, 11)  # non-blank answers
    q = db.questions().set_index("question_id")
    assert list(q.index) == ["q1", "p1", "initiatives"]
    assert dict(q["respondents_answered"]) == {"q1": 5, "p1": 4, "initiatives": 2}
    assert q.loc["p1", "unit"] == "propositions" and q.loc["q1", "section"] == "Gestion du COVID"
    assert list(db.themes("q1")["label"]) == ["Mobilisation des équipes", "Manque d'EPI", "Autres"]
    assert dict(zip(*db.regions().to_dict("list").values(), strict=True)) == {
        "Hauts-de-France": 1, "Occitanie": 2, "Provence-Alpes-Côte d'Azur": 1, "Région inconnue": 1,
    }
    assert dict(zip(*db.structure_types().to_dict("list").values(), strict=True)) == {"ACT": 4, "LHSS": 1}
    assert db.quarantine()["reason"].tolist() == ["identifiant du répondant manquant"]


def test_tallies_are_the_library_s_figures_in_every_scope(db, mini_db):
    national = db.tallies()
    con = store.connect(mini_db, read_only=True)
    try:
        expected = select_tally(con, CID, scopes=[("national", None)], use_cache=False)
    finally:
        con.close()
    pd.testing.assert_frame_equal(national, expected)
    occ = db.tallies("q1", region="Occitanie")
    assert dict(zip(occ["theme_id"], occ["respondents_citing"], strict=True)) == {"q1_equipes": 1, "q1_epi": 0, "q1_autres": 1}
    assert set(db.tallies(by="region")["scope"]) == {"Hauts-de-France", "Occitanie", "Provence-Alpes-Côte d'Azur", "Région inconnue"}
    cross = db.tallies(region="Occitanie", structure_type="ACT")
    assert set(cross["scope"]) == {"Occitanie × ACT"}
    assert set(db.tallies(by="all")["scope_kind"]) == {"national", "region", "structure_type", "region_structure_type"}


def test_published_form_on_request_exact_by_default(db):
    exact = db.tallies("q1", region="Occitanie")
    published = db.tallies("q1", region="Occitanie", suppress=True)
    assert exact["respondents_citing"].tolist() == [1, 0, 1]
    assert published["respondents_citing"].tolist() == ["< 3", 0, "< 3"]
    assert published["respondents_answered"].tolist() == ["< 3"] * 3
    assert db.tallies("q1", region="Occitanie", suppress=True, threshold=2)["respondents_citing"].tolist() == ["< 2", 0, "< 2"]
    assert db.tallies("q1", region="Occitanie", suppress=True, threshold=1)["respondents_citing"].tolist() == [1, 0, 1]


def test_comparison_puts_national_and_regional_figures_side_by_side(db):
    occ = db.comparison("Occitanie", "p1").set_index("theme_id")
    row = occ.loc["p1_salaires"]
    assert (row["national_count"], row["scope_count"], row["rest_citing"], row["rest_answered"]) == (2, 2, 0, 2)
    assert (row["scope_share_pct"], row["rest_share_pct"], row["diff_points"]) == (100.0, 0.0, 100.0)
    assert row["flag"] == "effectif trop faible"
    lhss = db.comparison(structure_type="LHSS", question="q1")
    assert set(lhss["scope_kind"]) == {"structure_type"}
    assert db.comparison("Occitanie", suppress=True)["scope_citing"].isin(["< 3", 0]).all()


def test_answers_behind_a_count_are_the_answers_that_make_it(db):
    behind = db.answers_behind("p1", "p1_formation", region="Occitanie")
    assert behind[["respondent_id", "unit_text", "source"]].values.tolist() == [
        ["A1", "Former les équipes", "human"],
        ["A3", "former les bénévoles", "rule"],
    ]
    assert behind["confidence"].tolist() == [1.0, 0.6]
    assert set(behind["answer_text"].str.contains("ormer")) == {True}
    count = db.tallies("p1", region="Occitanie").set_index("theme_id").loc["p1_formation"]
    assert behind["respondent_id"].nunique() == count["respondents_citing"] and len(behind) == count["mentions"]
    everything = db.answers_behind("q1")
    assert len(everything) == db.tallies("q1")["mentions"].sum()
    assert "respondent_id" not in db.answers_behind("q1", suppress=True).columns


def test_codings_show_the_winning_codes_and_their_source(db):
    q1 = db.codings("q1")
    assert dict(q1.groupby("source").size()) == {"human": 4, "rule": 2}
    # A1's automatic code lost to the human one
    assert q1[q1["respondent_id"] == "A1"]["theme_id"].tolist() == ["q1_equipes"]
    assert db.codings(source="rule", region="Occitanie")["respondent_id"].unique().tolist() == ["A3"]
    assert db.codings(needs_review=True).empty


def test_a_typo_is_a_clear_error_naming_what_exists(db, tmp_path):
    with pytest.raises(NotInDatabaseError, match=r"« Ocitanie » n'est pas une région .*Occitanie"):
        db.tallies(region="Ocitanie")
    with pytest.raises(NotInDatabaseError, match=r"thème « q1_foo » inconnu .*q1_epi"):
        db.answers_behind("q1", "q1_foo")
    with pytest.raises(NotInDatabaseError, match="introuvable"):
        consultation.open(tmp_path / "nope.duckdb")


def test_several_consultations_in_one_file_must_be_named(tmp_path):
    con = store.connect(None)
    build_mini(con)
    con.execute("INSERT INTO consultations VALUES ('autre', 'Autre', 1, now())")
    with pytest.raises(NotInDatabaseError, match=r"plusieurs consultations .*autre, mini"):
        consultation.open(con)
    assert consultation.open(con, "mini").tallies()["respondents_answered"].max() == 5
    con.close()


def test_read_only_opening_uses_this_version_s_views_and_lets_others_read(mini_db, tmp_path):
    stale = tmp_path / "stale.duckdb"
    stale.write_bytes(mini_db.read_bytes())
    con = store.connect(stale)
    con.execute("CREATE OR REPLACE VIEW tally AS SELECT 1 AS x")  # as an older version could have left it
    con.close()
    with consultation.open(stale) as one, consultation.open(stale) as two:
        assert one.tallies()["respondents_citing"].sum() == two.tallies()["respondents_citing"].sum() == 12


def test_export_tallies_writes_the_two_tables(db, tmp_path):
    written = db.export_tallies(tmp_path, fmt="csv")
    assert [p.name for p, _ in written] == ["decomptes.csv", "comparaisons-regions.csv"]
    # The published form leaves out region × structure type (disclosure.protect_tables).
    assert written[0][1] == len(db.tallies(by="all").query("scope_kind != 'region_structure_type'"))
    assert written[1][1] == sum(len(db.comparison(r)) for r in db.regions()["region"])


def test_every_public_method_has_an_example_in_its_docstring():
    for name, method in inspect.getmembers(Database, inspect.isfunction):
        if not name.startswith("_") and name != "close":
            assert ">>>" in (method.__doc__ or ""), name


def test_regions_are_read_as_users_type_them(db):
    reference = db.comparison("Occitanie")
    for spelling in ("occitanie", "OCCITANIE", "34", "31", "Midi-Pyrénées"):
        assert db.region_name(spelling) == "Occitanie", spelling
        pd.testing.assert_frame_equal(db.comparison(spelling), reference)
        pd.testing.assert_frame_equal(db.tallies(region=spelling), db.tallies(region="Occitanie"))
    assert db.region_name("Ocitanie") == "Ocitanie"  # unknown: kept, so the message lists the regions
    with pytest.raises(NotInDatabaseError, match="n'est pas une région"):
        db.tallies(region="Ocitanie")


def test_opening_a_database_does_not_wait_for_scipy(mini_db):
    """scipy.stats takes seconds to import: the first query of a notebook must not pay for it."""
    code = (f"import sys, consultation; db = consultation.open({str(mini_db)!r}); db.tallies(); "
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]
