"""Idempotent and transactional ingestion: the same file twice changes nothing, a corrected export
replaces answers, a failure or a kill leaves the database as it was, raw files are never written."""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from consultation import store
from consultation.codebook import Sources, load_consultation
from consultation.errors import InputFileError
from consultation.ingest.core import ingest_consultation, run_checks
from test_ingest_formats import INGEST_DATA, export_frame, write_xlsx

TABLES = ("respondents", "answers", "quarantine", "human_codes", "source_files", "units", "auto_codes")


@pytest.fixture
def con():
    c = store.connect(None)
    yield c
    c.close()


@pytest.fixture
def crafted(tmp_path) -> Path:
    target = tmp_path / "crafted"
    shutil.copytree(INGEST_DATA, target)
    return target


def snapshot(con) -> dict[str, list[tuple]]:
    """Every row of every ingestion table, without the ingestion timestamps."""
    out = {}
    for table in TABLES:
        cols = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] not in {"ingested_at", "coded_at"}]
        out[table] = sorted(
            con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr  # noqa: S608
        )
    return out


def sha256_of_folder(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def rewrite_csv(path: Path, edit) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline=""), delimiter=";"))
    edit(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)


def test_same_files_twice_change_nothing(con, crafted):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    before = snapshot(con)
    again = ingest_consultation(con, consultation, crafted)
    assert [(r.status, r.message) for r in again] == [("unchanged", "déjà ingéré (contenu identique)")] * 2
    assert snapshot(con) == before


def test_same_content_under_another_name_is_recognised(con, crafted):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    before = snapshot(con)
    shutil.copy(crafted / "reponses.csv", crafted / "reponses (1).csv")
    (crafted / "consultation.yaml").write_text(
        (crafted / "consultation.yaml").read_text(encoding="utf-8").replace("[reponses.csv]", '[reponses.csv, "reponses (1).csv"]'),
        encoding="utf-8",
    )
    reports = ingest_consultation(con, load_consultation(crafted), crafted)
    assert [r.status for r in reports] == ["unchanged", "unchanged", "unchanged"]
    assert "sous le nom « reponses.csv »" in reports[1].message
    assert snapshot(con) == before


def test_equivalent_exports_alternated_keep_one_set_of_respondents():
    """The UTF-8 and the Windows-1252 export of the same answers, ingested one after the other and
    again: the same 9 respondents and 27 answers after every step."""
    con = store.connect(None)
    reference = None
    for name in ["reponses.csv", "reponses_windows-1252.csv", "reponses.csv", "reponses_windows-1252.csv"]:
        ingest_consultation(con, _config_for(name), INGEST_DATA)
        answers = sorted(con.execute("SELECT respondent_id, question_id, text, follow_up FROM answers").fetchall(), key=repr)
        reference = reference or answers
        assert con.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 9
        assert len(answers) == 27 and answers == reference
    sources = con.execute("SELECT path, rows_read, respondents FROM source_files ORDER BY path").fetchall()
    assert sources == [("reponses.csv", 13, 9), ("reponses_windows-1252.csv", 13, 9)]
    con.close()


def _config_for(name: str):
    consultation = load_consultation(INGEST_DATA)
    return consultation.model_copy(update={"sources": Sources(responses=[name])})


def test_corrected_export_replaces_answers_and_keeps_coding_of_unchanged_respondents(con, crafted):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    # Automatic codes as the coding stage would leave them, for two respondents.
    con.execute(
        "INSERT INTO units VALUES ('ingest-test','F01','q1',0,'x'), ('ingest-test','F02','q1',0,'y');"
        "INSERT INTO auto_codes VALUES ('ingest-test','F01','q1',0,'q1_equipes','rule',1,false,NULL,1,now()),"
        "('ingest-test','F02','q1',0,'q1_equipes','rule',1,false,NULL,1,now())"
    )

    def correct(rows):
        rows[2][5] = "Un cœur d’équipe soudé, corrigé"  # F02 changes its answer
        rows[10][1] = "F09b"  # the conflicting duplicate is fixed: two respondents now
    rewrite_csv(crafted / "reponses.csv", correct)

    report = ingest_consultation(con, consultation, crafted)[0]
    assert report.status == "ingested"
    assert (report.rows_read, report.rows_ingested, report.rows_quarantined) == (13, 11, 2)
    assert con.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 11
    assert con.execute("SELECT text FROM answers WHERE respondent_id = 'F02' AND question_id = 'q1'").fetchall() == [
        ("Un cœur d'équipe soudé, corrigé",)
    ]
    # F02's answer changed: its automatic codes are gone (to be redone); F01's are kept.
    assert con.execute("SELECT respondent_id FROM auto_codes").fetchall() == [("F01",)]
    assert con.execute("SELECT count(*) FROM answers").fetchall()[0][0] == 11 * 3
    assert run_checks(con)["quarantine_matches_file_counts"].empty


def test_respondent_missing_from_a_new_version_is_kept_and_reported(con, crafted):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    rewrite_csv(crafted / "reponses.csv", lambda rows: rows.pop(1))  # F01 deleted from the export
    report = ingest_consultation(con, consultation, crafted)[0]
    assert report.warnings[-1] == (
        "reponses.csv : 1 répondant d'une version précédente de ce fichier n'y figure plus et reste en base : F01"
    )
    assert con.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 9


def test_changed_mapping_reads_an_unchanged_file_again(con, crafted):
    ingest_consultation(con, load_consultation(crafted), crafted)
    config = crafted / "consultation.yaml"
    # Region from the postal code first now: F08 (Corrèze, 75001) moves to Île-de-France.
    config.write_text(config.read_text(encoding="utf-8").replace('["Région", "Code postal"]', '["Code postal", "Région"]'), encoding="utf-8")
    reports = ingest_consultation(con, load_consultation(crafted), crafted)
    assert [r.status for r in reports] == ["ingested", "unchanged"]
    assert con.execute("SELECT region FROM respondents WHERE respondent_id = 'F08'").fetchall() == [("Île-de-France",)]
    assert con.execute("SELECT count(*) FROM quarantine WHERE source_file = 'reponses.csv'").fetchall()[0][0] == 4
    assert all(rows.empty for rows in run_checks(con).values())


def test_error_in_a_later_file_leaves_the_database_exactly_as_it_was(con, crafted):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    before = snapshot(con)
    rewrite_csv(crafted / "reponses.csv", lambda rows: rows[1].__setitem__(5, "Changé"))
    (crafted / "codes.csv").write_text("respondent_id,question_id,theme_id\nF01,q1,q1_nope\n", encoding="utf-8")
    with pytest.raises(InputFileError):
        ingest_consultation(con, consultation, crafted)
    assert snapshot(con) == before


def test_crash_inside_the_write_rolls_everything_back(con, crafted, monkeypatch):
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    before = snapshot(con)
    rewrite_csv(crafted / "reponses.csv", lambda rows: rows[1].__setitem__(5, "Changé"))
    real_insert = store.insert_df

    def crash_on_answers(c, table, df):
        if table == "answers":
            raise MemoryError("simulated crash")
        return real_insert(c, table, df)

    monkeypatch.setattr(store, "insert_df", crash_on_answers)
    with pytest.raises(MemoryError):
        ingest_consultation(con, consultation, crafted)
    assert snapshot(con) == before


def test_killed_process_leaves_the_database_file_as_it_was(crafted, tmp_path):
    """SIGKILL in the middle of an ingest (after respondents are written, before the commit)."""
    db = tmp_path / "c.duckdb"
    first = store.connect(db)
    ingest_consultation(first, load_consultation(crafted), crafted)
    before = snapshot(first)
    first.close()
    rewrite_csv(crafted / "reponses.csv", lambda rows: rows[1].__setitem__(5, "Changé avant le kill"))
    script = textwrap.dedent(
        f"""
        import os, signal
        from consultation import store
        from consultation.codebook import Sources, load_consultation
        from consultation.ingest.core import ingest_consultation
        real = store.insert_df
        def insert_then_die(con, table, df):
            n = real(con, table, df)
            if table == "answers":
                os.kill(os.getpid(), signal.SIGKILL)
            return n
        store.insert_df = insert_then_die
        con = store.connect({str(db)!r})
        ingest_consultation(con, load_consultation({str(crafted)!r}), {str(crafted)!r})
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == -9, proc.stderr
    after = store.connect(db)
    assert snapshot(after) == before
    assert after.execute("SELECT text FROM answers WHERE respondent_id = 'F01' AND question_id = 'q1'").fetchall() == [
        ("L'équipe s'est mobilisée : « on tient bon ».",)
    ]
    after.close()


def test_raw_files_are_never_modified(con, crafted):
    write_xlsx(export_frame(), crafted / "export.xlsx", numbers=("Code postal",))
    config = crafted / "consultation.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "responses: [reponses.csv]", "responses: [reponses.csv, reponses_windows-1252.csv, {path: export.xlsx, sheet: 2}]"
        ),
        encoding="utf-8",
    )
    before = sha256_of_folder(crafted)
    modified = {p.name: p.stat().st_mtime_ns for p in crafted.iterdir()}
    reports = ingest_consultation(con, load_consultation(crafted), crafted)
    assert [r.status for r in reports] == ["ingested"] * 4
    assert sha256_of_folder(crafted) == before
    assert {p.name: p.stat().st_mtime_ns for p in crafted.iterdir()} == modified
    assert con.execute("SELECT count(*) FROM respondents").fetchall()[0][0] == 9


def test_ctrl_c_inside_a_query_is_a_keyboard_interrupt_and_rolls_back(con, crafted, monkeypatch):
    """DuckDB turns SIGINT during a query into RuntimeError('Query interrupted'): the command must
    see a KeyboardInterrupt (French message, exit 130), and the database stay as it was."""
    consultation = load_consultation(crafted)
    ingest_consultation(con, consultation, crafted)
    before = snapshot(con)
    rewrite_csv(crafted / "reponses.csv", lambda rows: rows[1].__setitem__(5, "Changé"))

    def interrupted(c, table, df):
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(store, "insert_df", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest_consultation(con, consultation, crafted)
    assert snapshot(con) == before
