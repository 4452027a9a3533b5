"""Foundation ingestion behaviour on the tiny consultation (deeper cases live in test_ingest_*.py)."""

from __future__ import annotations

import csv

import pytest

from consultation import store
from consultation.codebook import load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


def _count(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_ingest_counts_respondents_answers_and_codes(con, mini_dir):
    c = load_consultation(mini_dir)
    reports = ingest_consultation(con, c, mini_dir)
    responses = reports[0]
    assert (responses.rows_read, responses.rows_ingested, responses.rows_quarantined) == (5, 5, 0)
    assert _count(con, "respondents") == 5
    assert _count(con, "answers") == 5 * 3  # two coded questions and the initiative
    assert _count(con, "human_codes") == 6
    regions = dict(con.execute("SELECT respondent_id, region FROM respondents").fetchall())
    assert regions["A3"] == "Occitanie"  # department number 34
    assert regions["A2"] == "Provence-Alpes-Côte d'Azur"  # 'PACA'
    assert regions["A5"] == "Région inconnue"
    assert any("Atlantide" in w and "ligne 6" in w for w in responses.warnings)


def test_second_ingest_of_same_files_adds_nothing(con, mini_dir):
    c = load_consultation(mini_dir)
    ingest_consultation(con, c, mini_dir)
    before = {t: _count(con, t) for t in ("respondents", "answers", "human_codes", "source_files")}
    again = ingest_consultation(con, c, mini_dir)
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert {t: _count(con, t) for t in before} == before


def test_corrected_export_replaces_answers_instead_of_adding(con, mini_dir):
    c = load_consultation(mini_dir)
    ingest_consultation(con, c, mini_dir)
    path = mini_dir / "reponses.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline=""), delimiter=";"))
    rows[2][4] = "Réponse corrigée"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    ingest_consultation(con, c, mini_dir)
    assert _count(con, "respondents") == 5
    text = con.execute("SELECT text FROM answers WHERE respondent_id='A2' AND question_id='q1'").fetchone()[0]
    assert text == "Réponse corrigée"


def test_missing_id_and_conflicting_duplicates_are_quarantined(con, mini_dir):
    path = mini_dir / "reponses.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline=""), delimiter=";"))
    rows.append(["", "Sans id", "ACT", "Bretagne", "x", "", "", ""])
    rows.append(["A4", "ACT Nord", "ACT", "Hauts de France", "Autre réponse", "", "", ""])
    rows.append(rows[1])  # exact duplicate of A1
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)
    c = load_consultation(mini_dir)
    report = ingest_consultation(con, c, mini_dir)[0]
    assert report.rows_read == 8
    assert report.rows_read == report.rows_ingested + report.rows_quarantined
    assert report.rows_quarantined == 4  # no id, both A4 rows, the copy of A1
    reasons = [r[0] for r in con.execute("SELECT reason FROM quarantine ORDER BY source_row").fetchall()]
    assert any("identifiant du répondant manquant" in r for r in reasons)
    assert sum("plusieurs fois" in r for r in reasons) == 2
    assert any("doublon exact de la ligne 2" in r for r in reasons)
    assert "A4" not in {r[0] for r in con.execute("SELECT respondent_id FROM respondents").fetchall()}


def test_missing_mapped_column_names_file_and_column(con, mini_dir):
    path = mini_dir / "reponses.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace("Région", "Territoire"), encoding="utf-8")
    c = load_consultation(mini_dir)
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, c, mini_dir)
    message = str(err.value)
    assert "reponses.csv" in message and "« Région »" in message and "absente" in message
    assert _count(con, "respondents") == 0


def test_unknown_theme_in_human_codes_names_row_column_and_value(con, mini_dir):
    path = mini_dir / "codes.csv"
    path.write_text(path.read_text(encoding="utf-8") + "A3,q1,q1_inexistant,\n", encoding="utf-8")
    c = load_consultation(mini_dir)
    with pytest.raises(InputFileError) as err:
        ingest_consultation(con, c, mini_dir)
    message = str(err.value)
    assert "codes.csv, ligne 8, colonne « theme_id »" in message and "q1_inexistant" in message
    assert _count(con, "human_codes") == 0


def test_windows_1252_export_reads_without_mojibake(con, mini_dir):
    path = mini_dir / "reponses.csv"
    text = path.read_text(encoding="utf-8-sig")
    path.write_bytes(text.encode("cp1252"))
    c = load_consultation(mini_dir)
    ingest_consultation(con, c, mini_dir)
    text = con.execute("SELECT text FROM answers WHERE respondent_id='A1' AND question_id='q1'").fetchone()[0]
    assert text == "La mobilisation de toute l'équipe."


def test_raw_files_are_not_modified(con, mini_dir):
    before = {p.name: p.read_bytes() for p in mini_dir.iterdir()}
    ingest_consultation(con, load_consultation(mini_dir), mini_dir)
    assert {p.name: p.read_bytes() for p in mini_dir.iterdir()} == before


def test_each_file_is_logged_with_its_counts_and_no_cell_value(con, mini_dir, caplog):
    """The library logs what it did (a Prefect run's log shows these lines), counts only: the
    warnings can quote a cell (« Atlantide »), which the log must not carry."""
    c = load_consultation(mini_dir)
    with caplog.at_level("INFO", logger="consultation.ingest.core"):
        reports = ingest_consultation(con, c, mini_dir)
    lines = [r.getMessage() for r in caplog.records if r.name == "consultation.ingest.core"]
    responses = reports[0]
    # each count with its own words, singular for 0 and 1: « 0 mise de côté », « 1 avertissement »
    assert lines[0].startswith(f"{responses.path.name} : 5 lignes lues, 5 ingérées, 0 mise de côté (CSV")
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{responses.path.name} : 1 avertissement et 1 région non reconnue, détail dans le rapport d'import"]
    assert not any("Atlantide" in line for line in lines)
    caplog.clear()
    with caplog.at_level("INFO", logger="consultation.ingest.core"):
        ingest_consultation(con, c, mini_dir)
    assert sum("déjà ingéré" in r.getMessage() for r in caplog.records) == 2
