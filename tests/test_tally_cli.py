"""`consultation tally` as a user types it: on the mini database, then on the sample after a run."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import consultation
from conftest import ROOT, SAMPLE_DIR
from consultation import store
from consultation.cli import main
from test_tally import build_mini


@pytest.fixture(scope="module")
def mini_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("processed") / "mini" / "consultation.duckdb"
    con = store.connect(path)
    build_mini(con)
    con.close()
    return path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_national_table_lists_each_question_with_its_themes(mini_db):
    result = run("tally", str(mini_db))
    assert result.exit_code == 0, result.output
    assert "Gestion du COVID — q1 : Que retenez-vous de la crise ?" in result.output
    assert "Pilier 1 — p1" in result.output
    assert "National : 5 répondants" in result.output and "National : 4 répondants" in result.output
    line = next(x for x in result.output.splitlines() if "Mobilisation des équipes" in x)
    assert [c.strip() for c in line.split("│")[1:-1]] == ["Mobilisation des équipes", "3", "3", "60,0 %", "1"]
    assert "ASPECTS POSITIFS" in result.output  # category headings, as in the published tables


def test_region_table_puts_national_and_regional_figures_side_by_side(mini_db):
    result = run("tally", str(mini_db), "--region", "Occitanie", "--question", "p1")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Occitanie" in out and "Reste %" in out and "Signal" in out
    assert "National : 4 répondants ; Occitanie : < 3 répondants" in out  # two: under the threshold
    line = next(x for x in out.splitlines() if "Revaloriser les salaires" in x)
    cells = [c.strip() for c in line.split("│")[1:-1]]
    assert cells == ["Revaloriser les salaires", "2", "50,0 %", "< 3", "s", "s", "s", "—", "effectif trop faible"]
    assert "aucun écart n'est alors affirmé" in out  # the small-count rule is said
    assert "« < 3 » : moins de 3" in out


def test_exact_figures_on_request(mini_db):
    result = run("tally", str(mini_db), "--region", "Occitanie", "--question", "p1", "--exact")
    line = next(x for x in result.output.splitlines() if "Revaloriser les salaires" in x)
    cells = [c.strip() for c in line.split("│")[1:-1]]
    assert cells[1:7] == ["2", "50,0 %", "2", "100,0 %", "0,0 %", "+100,0"]
    assert "ne pas publier" in result.output


def test_csv_on_standard_output_is_the_published_comparison(mini_db):
    result = run("tally", str(mini_db), "--region", "Occitanie", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output), sep=";", dtype=str)
    assert len(table) == 6
    assert set(table["périmètre"]) == {"Occitanie"}
    assert not table["périmètre : citant"].isin(["1", "2"]).any()


def test_files_in_every_format_hold_the_api_s_figures(mini_db, tmp_path):
    out = tmp_path / "occ.json"
    result = run("tally", str(mini_db), "-r", "Occitanie", "--format", "json", "-o", str(out), "--exact")
    assert result.exit_code == 0, result.output
    with consultation.open(mini_db) as db:
        expected = db.comparison("Occitanie")
    got = pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
    assert got["scope_citing"].tolist() == expected["scope_citing"].tolist()
    assert got["p_value"].tolist() == pytest.approx(expected["p_value"].tolist())
    parquet = tmp_path / "national.parquet"
    assert run("tally", str(mini_db), "--format", "parquet", "-o", str(parquet)).exit_code == 0
    assert len(pd.read_parquet(parquet)) == 6


def test_mistakes_give_a_message_and_exit_code_2(mini_db, tmp_path):
    result = run("tally", str(mini_db), "--region", "Ocitanie")
    assert result.exit_code == 2
    assert "« Ocitanie » n'est pas une région" in result.output and "Occitanie" in result.output
    assert "Traceback" not in result.output
    result = run("tally", str(mini_db), "--question", "q9")
    assert result.exit_code == 2 and "question « q9 » inconnue" in result.output
    result = run("tally", str(tmp_path / "nulle-part"))
    assert result.exit_code == 2 and "nulle-part » n'existe pas" in result.output and "consultation run" in result.output
    result = run("tally", str(mini_db), "--format", "parquet")
    assert result.exit_code == 2 and "--fichier" in result.output


# --- the bundled sample, after `consultation run` (the issue's « done when ») --------------------

needs_sample = pytest.mark.skipif(not SAMPLE_DIR.exists(), reason=f"sample absent: {SAMPLE_DIR}")
REFERENCE = yaml.safe_load((ROOT / "tests" / "data" / "segur-2020-reference.yaml").read_text(encoding="utf-8"))


def _line(output: str, label: str) -> list[str]:
    line = next(x for x in output.splitlines() if x.startswith(f"│ {label}"))
    return [c.strip() for c in line.split("│")[1:-1]]


@needs_sample
def test_sample_tally_region_occitanie_shows_every_question_side_by_side_with_flags(sample_run):
    processed_root = sample_run.paths.root.parent
    result = run("tally", str(SAMPLE_DIR), "--sorties", str(processed_root), "--region", "Occitanie")
    assert result.exit_code == 0, result.output
    out = result.output
    for q in REFERENCE["questions"]:
        assert f"— {q['id']} : " in out, q["id"]
    assert out.count("Occitanie : 5 répondants") == len(REFERENCE["questions"])
    # Occitanie's figures against the rest of the country (national, %, region, %, rest %, gap, p, flag)
    assert _line(out, "Mobilisation et innovation des équipes")[1:] == [
        "32", "68,1 %", "3", "60,0 %", "69,0 %", "-9,0", "0,648", "écart non significatif"]
    assert _line(out, "Faire que les structures se connaissent")[1:] == [
        "10", "23,8 %", "4", "80,0 %", "16,2 %", "+63,8", "0,008", "▲ plus cité"]
    assert _line(out, "Développement du secteur médico-social")[-1] == "▲ plus cité"
    assert "effectif trop faible" in out and "« < 3 »" in out


@needs_sample
def test_sample_api_gives_the_same_numbers_as_the_command(sample_run, tmp_path):
    out = tmp_path / "occ.json"
    result = run("tally", str(sample_run.paths.db), "--region", "Occitanie", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    printed = pd.DataFrame(json.loads(out.read_text(encoding="utf-8")))
    with consultation.open(sample_run.paths.db) as db:
        published = db.comparison("Occitanie", suppress=True)
        exact = db.comparison("Occitanie")
        national = db.tallies()
        regions = db.tallies(by="region")
    for col in ("national_count", "scope_count", "scope_share_pct", "rest_share_pct", "flag"):
        assert printed[col].tolist() == published[col].tolist(), col
    row = exact.set_index("label").loc["Faire que les structures se connaissent"]
    assert (row["scope_citing"], row["scope_answered"], row["rest_citing"], row["rest_answered"]) == (4, 5, 6, 37)
    assert row["p_value"] == pytest.approx(0.0082, abs=1e-4)
    published_counts = {(q["id"], t["label"]): t["national_count"] for q in REFERENCE["questions"] for t in q["themes"]}
    got = dict(zip(zip(national["question_id"], national["label"], strict=True), national["count"], strict=True))
    assert {k: got.get(k) for k in published_counts} == published_counts  # the 66 published counts
    summed = regions.groupby(["question_id", "theme_id"])["respondents_citing"].sum().sort_index()
    whole = national.set_index(["question_id", "theme_id"])["respondents_citing"].sort_index()
    pd.testing.assert_series_equal(summed, whole)


def _spellings(region: str) -> list[str]:
    """How users type a region: any case, spaces, its departments' numbers, its former regions."""
    from consultation.ingest.regions import region_of_department

    codes = [f"{n:02d}" for n in range(1, 96)] + ["2A", "2B"]
    departments = [c for c in codes if (r := region_of_department(c)) is not None and r.name == region]
    assert departments  # the region has departments: the generated cases are not empty
    return [region.lower(), region.upper(), f"  {region} ", *departments, *[str(int(c)) for c in departments[:2]]]


def test_region_is_accepted_as_users_type_it(mini_db):
    expected = run("tally", str(mini_db), "--region", "Occitanie", "--format", "json", "--exact")
    assert expected.exit_code == 0, expected.output
    for spelling in [*_spellings("Occitanie"), "Midi-Pyrénées", "languedoc roussillon"]:
        result = run("tally", str(mini_db), "--region", spelling, "--format", "json", "--exact")
        assert result.exit_code == 0, (spelling, result.output)
        assert result.output == expected.output, spelling
    table = run("tally", str(mini_db), "-r", "occitanie", "-q", "p1")
    assert "National : 4 répondants ; Occitanie : < 3 répondants" in table.output  # the stored name is shown


def test_a_file_written_by_tally_says_it_is_not_the_published_form(mini_db, tmp_path):
    """`tally --fichier` hides each small figure by its own value only: the command says to publish
    with `export tallies` (complementary suppression), not with this file; --exact says not to publish."""
    target = tmp_path / "occitanie.csv"
    result = CliRunner().invoke(main, ["tally", str(mini_db), "--region", "Occitanie", "--format", "csv",
                                       "--fichier", str(target)])
    assert result.exit_code == 0, result.output
    assert target.exists()
    assert "Pour publier : consultation export tallies." in result.output
    exact = CliRunner().invoke(main, ["tally", str(mini_db), "--format", "csv", "--fichier", str(target), "--exact"])
    assert exact.exit_code == 0 and "Pour publier" not in exact.output
