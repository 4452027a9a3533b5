"""Several consultations in one database, and each consultation's codebook version history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from consultation import store
from consultation.codebook import load_consultation
from consultation.ingest.core import ingest_consultation, run_checks
from test_ingest_formats import INGEST_DATA


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


def _copy(tmp_path: Path, name: str, **changes) -> Path:
    folder = tmp_path / name
    shutil.copytree(INGEST_DATA, folder)
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    config.update(changes)
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def _per_consultation(con, table: str) -> dict[str, int]:
    return dict(con.execute(f"SELECT consultation_id, count(*) FROM {table} GROUP BY 1").fetchall())  # noqa: S608


def test_two_consultations_with_the_same_ids_and_files_stay_apart(con, tmp_path, mini_dir):
    first = _copy(tmp_path, "a", id="federation-a")
    second = _copy(tmp_path, "b", id="federation-b")
    ingest_consultation(con, load_consultation(first), first)
    reports = ingest_consultation(con, load_consultation(second), second)
    # Same bytes, other consultation: ingested again, not "unchanged".
    assert [r.status for r in reports] == ["ingested", "ingested"]
    ingest_consultation(con, load_consultation(mini_dir), mini_dir)
    assert _per_consultation(con, "respondents") == {"federation-a": 9, "federation-b": 9, "mini": 5}
    assert _per_consultation(con, "human_codes") == {"federation-a": 2, "federation-b": 2, "mini": 6}
    assert _per_consultation(con, "quarantine") == {"federation-a": 7, "federation-b": 7}

    # A corrected export of one consultation does not touch the other one's respondents.
    path = second / "reponses.csv"
    path.write_bytes(path.read_bytes().replace(b"Rien", b"Tout"))
    ingest_consultation(con, load_consultation(second), second)
    texts = dict(con.execute("SELECT consultation_id, text FROM answers WHERE respondent_id = 'F06' AND question_id = 'q1'").fetchall())
    assert texts == {"federation-a": "Rien", "federation-b": "Tout"}
    assert all(rows.empty for rows in run_checks(con).values())


def test_changed_codebook_is_a_new_version_and_codes_remember_theirs(con, tmp_path):
    folder = _copy(tmp_path, "c")
    ingest_consultation(con, load_consultation(folder), folder)
    ingest_consultation(con, load_consultation(folder), folder)  # unchanged: still version 1
    assert con.execute("SELECT consultation_id, version FROM codebook_versions").fetchall() == [("ingest-test", 1)]

    # The federation renames a theme and adds one: a new codebook version.
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    config["questions"][0]["themes"][0]["label"] = "Mobilisation et solidarité des équipes"
    config["questions"][0]["themes"].append({"id": "q1_fatigue", "label": "Fatigue des équipes"})
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with (folder / "codes_v2.csv").open("w", encoding="utf-8") as fh:
        fh.write("respondent_id,question_id,theme_id,text\nF07,q1,q1_fatigue,La fatigue\n")
    (folder / "consultation.yaml").write_text(
        (folder / "consultation.yaml").read_text(encoding="utf-8").replace("- codes.csv", "- codes.csv\n  - codes_v2.csv"),
        encoding="utf-8",
    )
    reports = ingest_consultation(con, load_consultation(folder), folder)
    assert [r.status for r in reports] == ["unchanged", "unchanged", "ingested"]

    versions = con.execute("SELECT version, config_json LIKE '%Fatigue des équipes%' FROM codebook_versions ORDER BY 1").fetchall()
    assert versions == [(1, False), (2, True)]
    assert con.execute("SELECT codebook_version FROM consultations").fetchall() == [(2,)]
    codes = con.execute("SELECT respondent_id, theme_id, codebook_version FROM human_codes ORDER BY 1").fetchall()
    assert codes == [("F01", "q1_equipes", 1), ("F02", "q1_equipes", 1), ("F07", "q1_fatigue", 2)]
    assert all(rows.empty for rows in run_checks(con).values())

    # Back to the first codebook: a third version (history is never rewritten), codes keep theirs.
    shutil.copy(INGEST_DATA / "consultation.yaml", folder / "consultation.yaml")
    ingest_consultation(con, load_consultation(folder), folder)
    assert [v for (v,) in con.execute("SELECT version FROM codebook_versions ORDER BY 1").fetchall()] == [1, 2, 3]
    assert con.execute("SELECT DISTINCT codebook_version FROM human_codes ORDER BY 1").fetchall() == [(1,), (2,)]
