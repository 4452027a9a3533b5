"""Regions at ingestion: derived from several columns in order, unknown ones reported with their
row and counted under « Région inconnue », never dropped."""

from __future__ import annotations

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import RegionIssue, ingest_consultation
from consultation.ingest.regions import UNKNOWN_REGION
from test_ingest_formats import INGEST_DATA, consultation_dir


def one_question_consultation(tmp_path, name: str, region: str | list[str]):
    """The crafted consultation reduced to its first question, reading `name`."""
    folder = consultation_dir(tmp_path, [name], region=region, structure_name=None)
    raw = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    raw["questions"], raw["free_text"] = raw["questions"][:1], []
    (folder / "consultation.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


def test_unknown_regions_are_reported_with_row_and_counted_not_dropped(con):
    report = ingest_consultation(con, load_consultation(INGEST_DATA), INGEST_DATA)[0]
    assert report.unknown_regions == [RegionIssue(row=7, column="Région", value="Atlantide")]
    assert report.empty_regions == [8]
    counts = dict(con.execute("SELECT region, count(*) FROM respondents GROUP BY 1").fetchall())
    assert counts[UNKNOWN_REGION] == 2
    assert sum(counts.values()) == report.rows_ingested == 9
    methods = dict(con.execute("SELECT respondent_id, region_method FROM respondents").fetchall())
    assert methods == {
        "F01": "old_region", "F02": "name", "F03": "name", "F04": "department_code", "F05": "postal_code",
        "F06": "unknown", "F07": "empty", "F08": "department_name", "F10": "name",
    }  # fmt: skip
    raw = dict(con.execute("SELECT respondent_id, region_raw FROM respondents").fetchall())
    assert raw["F05"] == "97200" and raw["F06"] == "Atlantide" and raw["F07"] is None


def test_contradicting_region_columns_are_reported(con):
    report = ingest_consultation(con, load_consultation(INGEST_DATA), INGEST_DATA)[0]
    assert (
        "reponses.csv : 1 répondant dont les colonnes de région se contredisent (la première colonne "
        "l'emporte) : ligne 9 (« Région » : Nouvelle-Aquitaine, « Code postal » : Île-de-France)"
    ) in report.warnings


def test_many_unknown_values_are_grouped_by_value_and_capped(con, tmp_path):
    lines = ["Identifiant;Région;Q1. Que retenez-vous de la crise ?"]
    lines += [f"R{i};Ville {chr(65 + i % 25)};x" for i in range(50)] + ["R50;Atlantis;x", "R51;Atlantis;x"]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = one_question_consultation(tmp_path, "e.csv", "Région")
    report = ingest_consultation(con, load_consultation(folder), folder)[0]
    assert len(report.unknown_regions) == 52  # every row is known to the report…
    # (the file's « Q1. » header read as the consultation's « 1. » is named in its own warning)
    regions = [w for w in report.warnings if "en-tête" not in w]
    assert len(regions) == 21  # …but a person reads 20 values and a count
    assert "e.csv, lignes 2, 27, colonne « Région » : région non reconnue « Ville A »" in regions[0]
    assert regions[-1] == "e.csv : … et 6 autres valeurs de région non reconnues"
    assert con.execute("SELECT count(*) FROM respondents WHERE region = ?", [UNKNOWN_REGION]).fetchall()[0][0] == 52


def test_region_from_postal_code_then_department(con, tmp_path):
    (tmp_path / "e.csv").write_text(
        "Identifiant;CP;Dépt;Q1. Que retenez-vous de la crise ?\n"
        "A;34000;34;x\nB;;2B;x\nC;1000;;x\nD;98800;988;x\nE;20000;;x\nF;97133;971;x\n",
        encoding="utf-8",
    )
    folder = one_question_consultation(tmp_path, "e.csv", ["CP", "Dépt"])
    ingest_consultation(con, load_consultation(folder), folder)
    rows = con.execute("SELECT respondent_id, region, region_method FROM respondents ORDER BY 1").fetchall()
    assert rows == [
        ("A", "Occitanie", "postal_code"),
        ("B", "Corse", "department_code"),
        ("C", "Auvergne-Rhône-Alpes", "postal_code"),  # 01000 that lost its zero in a spreadsheet
        ("D", UNKNOWN_REGION, "unknown"),  # New Caledonia is not one of the 18 regions
        ("E", "Corse", "postal_code"),
        ("F", "Guadeloupe", "department_code"),  # Saint-Barthélemy's postal code: the department decides
    ]
