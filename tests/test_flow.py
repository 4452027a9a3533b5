"""The Prefect flows, run for real on a temporary Prefect server (one per test session).

Also guards the pinned prefect/fastapi pair: a newer fastapi crashes the temporary server.
Nights are run in sequence on a copy of the sample, as a federation would: a full first night, a
quiet night with nothing new, then a night with a new export dropped into the folder.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from conftest import MINI_DIR, SAMPLE_DIR
from consultation import store

CODES_SQL = (
    "SELECT respondent_id, question_id, unit_no, theme_id, source, confidence, needs_review, model_version "
    "FROM auto_codes ORDER BY ALL"
)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server and one result store for every flow test."""
    from prefect.settings import PREFECT_RESULTS_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    results = tmp_path_factory.mktemp("prefect-results")
    with prefect_test_harness(server_startup_timeout=300), temporary_settings(
        {PREFECT_RESULTS_LOCAL_STORAGE_PATH: results}
    ):
        yield


def _consultation_copy(source: Path, target: Path) -> Path:
    """A writable copy whose responses are every `reponses*.csv` dropped into the folder."""
    shutil.copytree(source, target)
    yaml = target / "consultation.yaml"
    text = yaml.read_text(encoding="utf-8")
    assert "responses: [reponses.csv]" in text
    yaml.write_text(text.replace("responses: [reponses.csv]", 'responses: ["reponses*.csv"]'), encoding="utf-8")
    return target


def _export(folder: Path, name: str, rows: list[list[str]], header: list[str] | None = None) -> None:
    """A new export in the same layout (and encoding) as the folder's first one."""
    import csv

    raw = (folder / "reponses.csv").read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    first = raw.decode(encoding).splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    columns = header or next(csv.reader([first], delimiter=delimiter))
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row + [""] * (len(columns) - len(row)))


def _query(db: Path, sql: str, params: list | None = None):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _artifact(key: str):
    from prefect.artifacts import Artifact

    found = Artifact.get(key)
    assert found is not None, f"no artifact {key}"
    return found


class Nights:
    """The sample's copy and what each night returned and left in the database."""

    def __init__(self, root: Path):
        self.folder = root / "segur-2020-sample"
        self.processed = root / "processed"
        self.db = self.processed / "segur-2020-sample" / "consultation.duckdb"
        self.summaries: list = []
        self.respondents_after: list[int] = []
        self.files_after: list[int] = []
        self.codes_after: list[list[tuple]] = []
        self.coded_at_after: list[list[tuple]] = []


@pytest.fixture(scope="module")
def nights(prefect_harness, tmp_path_factory) -> Nights:
    from flows.nightly import nightly

    n = Nights(tmp_path_factory.mktemp("nights"))
    _consultation_copy(SAMPLE_DIR, n.folder)

    def night() -> None:
        n.summaries.append(nightly(n.folder, n.processed))
        n.respondents_after.append(_query(n.db, "SELECT count(*) FROM respondents")[0][0])
        n.files_after.append(_query(n.db, "SELECT count(*) FROM source_files")[0][0])
        n.codes_after.append(_query(n.db, CODES_SQL))
        n.coded_at_after.append(
            _query(n.db, "SELECT respondent_id, question_id, max(coded_at) FROM auto_codes GROUP BY ALL ORDER BY ALL")
        )

    night()  # first night: everything
    night()  # nothing new
    _export(n.folder, "reponses_semaine2.csv", [
        ["01/07/2020 10:00:00", "S48", "ACT Les Tilleuls", "ACT", "Bretagne",
         "La solidarité des équipes et la mobilisation de tous face à la crise."],
        ["01/07/2020 11:00:00", "S49", "LHSS Le Port", "LHSS", "Normandie",
         "Le manque de masques et de protections au début."],
    ])
    night()  # a new export
    return n


def test_first_night_ingests_codes_and_publishes_the_sample(nights):
    first = nights.summaries[0]
    assert [(f.label, f.status) for f in first.ingestion.files] == [
        ("reponses.csv", "ingested"), ("codes_humains.csv", "ingested"),
    ]
    assert first.ingestion.rows("responses") == (47, 47, 0)
    assert first.coding.pending_answers > 200 and first.coding.codes > 0
    # New codes by source count only answers without human codes (the human codes win for the
    # rest): on the sample, where every structure is coded by hand, none the first night; the
    # third night's two new respondents have no human codes, and their codes are all counted.
    automatic = _query(
        nights.db,
        "SELECT respondent_id IN ('S48', 'S49'), count(*) FROM auto_codes a WHERE NOT EXISTS "
        "(SELECT 1 FROM human_codes h WHERE h.respondent_id = a.respondent_id "
        "AND h.question_id = a.question_id) GROUP BY ALL ORDER BY ALL",
    )
    assert dict(automatic).get(False, 0) == sum(first.coding.by_source.values()) <= first.coding.codes
    assert dict(automatic)[True] == sum(nights.summaries[2].coding.by_source.values()) > 0
    assert first.coding.trained
    assert first.coding.evaluated and first.coding.agreement.micro_f1 > 0
    assert first.coding.estimates > 0
    assert first.reporting.rewritten
    assert first.reporting.charts and first.reporting.reports
    assert all(p.exists() for p in [*first.reporting.charts, *first.reporting.reports])
    assert nights.respondents_after[0] == 47
    assert len(first.reporting.national) > 20


def test_first_night_leaves_a_summary_the_tallies_and_links_in_the_ui(nights):
    # The artifacts of the last night; its summary says what that night did.
    summary = _artifact("segur-2020-sample-resume").data
    assert "reponses_semaine2.csv" in summary and "Nouveaux codes par source" in summary
    assert "Accord avec les codeurs humains" in summary
    table = json.loads(_artifact("segur-2020-sample-effectifs-nationaux").data)
    adaptability = next(row for row in table if row["Thème"] == "Adaptabilité et innovation des ACT")
    assert adaptability["Question"] == "q1_retenir" and adaptability["Effectif"] > 0
    links = _artifact("segur-2020-sample-fichiers").data
    report = nights.summaries[-1].reporting.reports[0]
    assert report.resolve().as_uri() in links


def test_a_night_with_nothing_new_ingests_and_codes_nothing(nights):
    quiet = nights.summaries[1]
    assert quiet.ingestion.files == []
    assert sorted(quiet.ingestion.skipped) == ["codes_humains.csv", "reponses.csv"]
    assert (quiet.coding.units, quiet.coding.batches, quiet.coding.codes) == (0, 0, 0)
    assert not quiet.coding.trained and not quiet.coding.evaluated
    assert not quiet.reporting.rewritten  # charts and reports of the first night stand
    assert nights.coded_at_after[1] == nights.coded_at_after[0]  # not one answer recoded
    assert nights.codes_after[1] == nights.codes_after[0]
    assert nights.files_after == [2, 2, 3]


def test_a_new_export_is_picked_up_and_only_its_answers_are_coded(nights):
    third = nights.summaries[2]
    assert [(f.label, f.rows_ingested) for f in third.ingestion.files] == [("reponses_semaine2.csv", 2)]
    assert set(third.ingestion.skipped) == {"reponses.csv", "codes_humains.csv"}
    new_answers = _query(
        nights.db,
        "SELECT count(*) FROM stg_answers WHERE respondent_id IN ('S48', 'S49') "
        "AND question_id IN (SELECT question_id FROM questions WHERE unit <> 'free_text')",
    )[0][0]
    assert third.coding.pending_answers == new_answers == 2
    recoded = {rid for rid, _, _ in set(nights.coded_at_after[2]) - set(nights.coded_at_after[1])}
    assert recoded == {"S48", "S49"}
    assert [c for c in nights.codes_after[2] if c[0] not in {"S48", "S49"}] == nights.codes_after[1]
    assert third.reporting.rewritten
    assert nights.respondents_after == [47, 47, 49]


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_a_bad_file_fails_its_own_task_and_the_others_are_ingested(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client

    from flows.nightly import nightly

    folder = _consultation_copy(MINI_DIR, tmp_path / "mini")
    _export(folder, "reponses_2.csv", [["B1", "ACT Sud", "ACT", "Occitanie", "Des équipes mobilisées"]])
    _export(folder, "reponses_3.csv", [["B2", "ACT Est", "ACT", "Grand Est", "Rien"]],
            header=["Numéro", "Nom de la structure", "Type", "Région", "Q1. Que retenez-vous de la crise ?"])
    seen = _Records()
    loggers = [logging.getLogger(n) for n in ("prefect.task_runs", "prefect.flow_runs")]
    for logger in loggers:
        logger.addHandler(seen)
    try:
        state = nightly(folder, tmp_path / "processed", return_state=True)
    finally:
        for logger in loggers:
            logger.removeHandler(seen)

    # The run log says which file and why, once per failing task or flow, with no stack trace.
    errors = [r for r in seen.records if r.levelno >= logging.ERROR]
    assert errors and any("reponses_3.csv" in r.getMessage() for r in errors)
    assert not [r.getMessage() for r in errors if r.exc_info or "Traceback" in r.getMessage()]

    assert state.is_failed()
    db = tmp_path / "processed" / "mini" / "consultation.duckdb"
    assert sorted(r[0] for r in _query(db, "SELECT respondent_id FROM respondents")) == [
        "A1", "A2", "A3", "A4", "A5", "B1",
    ]
    assert _query(db, "SELECT count(*) FROM auto_codes WHERE respondent_id = 'B1'")[0][0] > 0
    failure = _artifact("consultation-nightly-echec").data
    assert "reponses_3.csv" in failure and "Identifiant" in failure
    summary = _artifact("mini-resume").data
    assert "refusé" in summary and "reponses_2.csv" in summary

    with get_client(sync_client=True) as client:
        runs = {t.name: t.state.type.value for t in client.read_task_runs() if t.name.startswith("ingest-")}
    assert runs["ingest-reponses_3.csv"] == "FAILED"
    assert runs["ingest-reponses_2.csv"] == runs["ingest-reponses.csv"] == "COMPLETED"


def test_a_deleted_database_is_rebuilt_not_served_from_cache(prefect_harness, tmp_path):
    from flows.nightly import nightly

    folder = _consultation_copy(MINI_DIR, tmp_path / "mini")
    first = nightly(folder, tmp_path / "processed")
    db = tmp_path / "processed" / "mini" / "consultation.duckdb"
    db.unlink()
    again = nightly(folder, tmp_path / "processed")
    assert [f.label for f in again.ingestion.files] == [f.label for f in first.ingestion.files]
    assert again.coding.codes == first.coding.codes > 0
    assert again.reporting.rewritten
    assert _query(db, "SELECT count(*) FROM auto_codes")[0][0] == first.coding.codes


@pytest.fixture
def dask_cluster(tmp_path):
    """A real Dask cluster: a scheduler and two worker processes started from the `dask` commands
    in a folder outside the repository, without the repository on their path, so that they can
    only import `flows` and `consultation` from the installed package, as a federation's would."""
    import os
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    elsewhere = tmp_path / "dask-workdir"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", str(port), "--no-dashboard"],
        cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )]
    procs.append(subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
         "--nthreads", "1", "--no-dashboard", "--local-directory", str(elsewhere)],
        cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    ))
    from distributed import Client

    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            workers = client.run(os.getcwd)
            assert len(workers) == 2 and set(workers.values()) == {str(elsewhere)}
            yield address, client
    finally:
        for proc in reversed(procs):
            proc.terminate()
        deadline = time.monotonic() + 30
        for proc in procs:
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()


def test_coding_on_a_multi_process_dask_cluster_gives_the_same_codes(prefect_harness, tmp_path, dask_cluster):
    from prefect_dask import DaskTaskRunner

    from flows.coding_flow import BATCHES_FOLDER, CodingOptions, coding_flow
    from flows.ingest_flow import ingestion_flow

    address, client = dask_cluster
    ingestion_flow(SAMPLE_DIR, tmp_path / "threads")
    local = coding_flow(SAMPLE_DIR, tmp_path / "threads", CodingOptions(batch_size=60, evaluate=False))
    assert local.trained and local.batches > 3
    # The same database and model, everything recoded on the cluster's worker processes.
    shutil.copytree(tmp_path / "threads", tmp_path / "dask")
    options = CodingOptions(batch_size=60, recode_all=True, refresh_cache=True, evaluate=False)
    on_dask = coding_flow.with_options(task_runner=DaskTaskRunner(address=address))(
        SAMPLE_DIR, tmp_path / "dask", options
    )
    ran_on_dask = client.run_on_scheduler(
        lambda dask_scheduler: sum(dask_scheduler.task_prefixes["code_batch"].state_counts.values())
    )
    assert on_dask.batches == local.batches and on_dask.cached_batches == 0
    assert ran_on_dask >= on_dask.batches
    db = "segur-2020-sample/consultation.duckdb"
    threads_codes = _query(tmp_path / "threads" / db, CODES_SQL)
    assert threads_codes and threads_codes == _query(tmp_path / "dask" / db, CODES_SQL)
    # The batches travelled as files and were removed once stored.
    assert list((tmp_path / "dask" / "segur-2020-sample" / BATCHES_FOLDER).iterdir()) == []


def test_a_run_interrupted_after_coding_reuses_the_finished_batches(prefect_harness, tmp_path):
    """Codes files left by a run that died before writing are found again; nothing is coded twice."""
    from consultation.codebook import load_consultation
    from consultation.store.paths import OutputPaths
    from flows.coding_flow import CodingOptions, code_batch, coding_flow, plan_coding
    from flows.ingest_flow import ingestion_flow

    ingestion_flow(MINI_DIR, tmp_path)
    consultation = load_consultation(MINI_DIR)
    paths = OutputPaths.for_consultation(tmp_path, consultation.id)
    plan = plan_coding.fn(consultation, paths, CodingOptions(batch_size=2))
    assert len(plan.batches) >= 2
    first = plan.batches[0]
    assert code_batch.fn(consultation, first, None, None) is True  # coded, then the run "dies"
    summary = coding_flow(MINI_DIR, tmp_path, CodingOptions(batch_size=2, evaluate=False))
    assert summary.batches == len(plan.batches) and summary.cached_batches == 1
    assert summary.pending_answers == plan.answers
    db = paths.db
    stored = _query(db, "SELECT count(DISTINCT (respondent_id, question_id)) FROM auto_codes")[0][0]
    assert stored == plan.answers


def test_settings_choose_dask_when_an_address_is_set(monkeypatch):
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.settings import FlowSettings, codes_in_local_processes, coding_task_runner

    monkeypatch.delenv("CONSULTATION_DASK_ADDRESS", raising=False)
    monkeypatch.delenv("CONSULTATION_LOCAL_WORKERS", raising=False)
    here = coding_task_runner(FlowSettings())
    assert isinstance(here, ThreadPoolTaskRunner) and codes_in_local_processes(here)
    assert FlowSettings().local_workers is None  # one process per core, as `consultation code`
    monkeypatch.setenv("CONSULTATION_DASK_ADDRESS", "tcp://10.0.0.5:8786")
    assert FlowSettings().dask_address == "tcp://10.0.0.5:8786"
    cluster = coding_task_runner(FlowSettings())
    assert isinstance(cluster, DaskTaskRunner) and not codes_in_local_processes(cluster)


def test_serve_schedules_the_night_at_two_and_the_publication_at_six_in_paris(tmp_path):
    from flows.serve import deployments

    night, publication = deployments([SAMPLE_DIR], tmp_path, "0 2 * * *", "Europe/Paris")
    assert (night.name, publication.name) == ("segur-2020-sample", "segur-2020-sample")
    assert (night.flow_name, publication.flow_name) == ("consultation-nightly", "consultation-reporting")
    for deployment, cron in ((night, "0 2 * * *"), (publication, "0 6 * * *")):
        schedule = deployment.schedules[0].schedule
        assert (schedule.cron, schedule.timezone) == (cron, "Europe/Paris")
        assert Path(deployment.parameters["consultation_dir"]).is_absolute()
        assert deployment.concurrency_limit == 1
    assert night.parameters["publish"] is False  # the publication deployment does it

    night, publication = deployments([SAMPLE_DIR], tmp_path, "0 2 * * *", "Europe/Paris", "nuit")
    assert night.parameters["publish"] is True and not publication.schedules
    night, publication = deployments([SAMPLE_DIR], tmp_path, "0 2 * * *", "Europe/Paris", "manuelle")
    assert night.parameters["publish"] is False and not publication.schedules


@pytest.mark.parametrize("argv, message", [
    (["--cron", "tous les soirs"], "--cron : « tous les soirs » n'est pas une planification cron"),
    (["--publication-cron", "61 2 * * *"], "--publication-cron : « 61 2 * * * » n'est pas une planification cron"),
    (["--timezone", "Paris"], "--timezone : « Paris » n'est pas un fuseau horaire"),
])
def test_serve_refuses_a_bad_schedule_in_french_without_a_traceback(argv, message, capsys):
    from flows.serve import main

    with pytest.raises(SystemExit) as stop:
        main([str(SAMPLE_DIR), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"Erreur : {message}" in err and "Traceback" not in err and "usage:" not in err


def test_a_national_consultation_is_coded_in_about_300_batches_and_a_small_one_as_asked():
    """Each batch is a Prefect task with its own state and cached result: 2,952 batches of 500
    units at 1M answers cost twice the coding time of 295 batches (BENCHMARKS.md)."""
    import numpy as np
    import pandas as pd

    from consultation.coding.run import batch_size_for, split_batches
    from flows.coding_flow import MAX_BATCHES

    rng = np.random.default_rng(0)
    per_answer = rng.integers(1, 6, size=300_000)  # 1 to 5 units per answer, as propositions come
    units = pd.DataFrame({
        "respondent_id": np.repeat([f"R{i:06d}" for i in range(len(per_answer))], per_answer),
        "question_id": "q1",
        "unit_no": np.concatenate([np.arange(n) for n in per_answer]),
        "text": "t",
    })
    size = batch_size_for(len(units), 500, MAX_BATCHES)
    batches = split_batches(units, size)
    assert size > 500
    assert MAX_BATCHES - 5 <= len(batches) <= MAX_BATCHES + 5
    assert sum(len(b) for b in batches) == len(units)
    assert batch_size_for(1_000, 60, MAX_BATCHES) == 60  # a federation's consultation: the size asked for
    assert len(split_batches(units.head(1_000), batch_size_for(1_000, 60, MAX_BATCHES))) >= 1_000 // 60


CODINGS_TABLES = {
    "units": "SELECT respondent_id, question_id, unit_no, text FROM units ORDER BY ALL",
    "auto_codes": CODES_SQL,
    "unit_decisions": "SELECT respondent_id, question_id, unit_no, chosen, other, scores::VARCHAR, model_version "
                      "FROM unit_decisions ORDER BY respondent_id, question_id, unit_no",  # NaN as text: NaN != NaN
    "count_estimates": "SELECT question_id, theme_id, scope_kind, scope, raw_count, corrected_count, ci_low, "
                       "ci_high, method, model_version FROM count_estimates ORDER BY ALL",
    "coding_export": "SELECT * FROM coding_export ORDER BY ALL",
}


def _record_coding_pids(monkeypatch, folder: Path) -> None:
    """Every call of the batch coder leaves a file named after the process that made it (forked
    workers inherit the patched module, so they record themselves too)."""
    import os
    import uuid

    from consultation.coding import run as coding_run

    folder.mkdir()
    original = getattr(coding_run.code_batch_file, "__wrapped__", coding_run.code_batch_file)

    def recording(engine, batch, **kwargs):
        (folder / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
        return original(engine, batch, **kwargs)

    recording.__wrapped__ = original
    monkeypatch.setattr(coding_run, "code_batch_file", recording)


def test_the_cli_and_the_flow_code_in_local_processes_and_store_the_same_codings(
    prefect_harness, tmp_path, monkeypatch
):
    """`consultation code` and the nightly coding flow take the same library path (coding.run)
    and the same executor, `LocalProcesses`: batches coded in processes forked from the flow's
    (the sample is small, so the threshold from which it forks is lowered to one unit for the
    flow). On the same input both store the same units, codes, decisions and corrected counts."""
    import os

    from click.testing import CliRunner

    from consultation.cli import main
    from consultation.coding import run as coding_run
    from consultation.parallel import cores
    from flows.coding_flow import CodingOptions, coding_flow
    from flows.ingest_flow import ingestion_flow

    if cores() < 2:
        pytest.skip("one core: LocalProcesses codes in the run's own process")
    monkeypatch.delenv("CONSULTATION_LOCAL_WORKERS", raising=False)
    monkeypatch.delenv("CONSULTATION_DASK_ADDRESS", raising=False)
    monkeypatch.setattr(coding_run, "PARALLEL_FROM", 1)  # the one rule, which the flow's log reads too
    ingestion_flow(SAMPLE_DIR, tmp_path / "flow")
    shutil.copytree(tmp_path / "flow", tmp_path / "cli")
    _record_coding_pids(monkeypatch, tmp_path / "pids-flow")
    flow_summary = coding_flow(SAMPLE_DIR, tmp_path / "flow", CodingOptions(batch_size=60, evaluate=False))
    flow_pids = {int(f.name.split("-")[0]) for f in (tmp_path / "pids-flow").iterdir()}
    monkeypatch.undo()  # the CLI as it ships (one batch of the sample: coded in its own process)
    result = CliRunner().invoke(main, ["code", str(SAMPLE_DIR), "--sorties", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output

    assert flow_summary.trained and flow_summary.batches > 3
    assert flow_summary.runner == f"{cores()} processus de cette machine"
    # Every batch was coded by a worker process, none in the flow's own (nor in a thread of it).
    assert len(list((tmp_path / "pids-flow").iterdir())) == flow_summary.batches
    assert flow_pids and os.getpid() not in flow_pids
    db = "segur-2020-sample/consultation.duckdb"
    for table, sql in CODINGS_TABLES.items():
        by_flow, by_cli = _query(tmp_path / "flow" / db, sql), _query(tmp_path / "cli" / db, sql)
        assert by_flow, table
        assert by_flow == by_cli, table


def test_the_library_log_lines_are_in_the_flow_runs_log(prefect_harness, tmp_path):
    """What the library logs (one line per file ingested) is stored with the run, where the UI
    shows it, without PREFECT_LOGGING_EXTRA_LOGGERS in the environment."""
    import os

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    from flows.ingest_flow import ingestion_flow

    assert "consultation" not in os.environ.get("PREFECT_LOGGING_EXTRA_LOGGERS", "")
    folder = _consultation_copy(MINI_DIR, tmp_path / "mini")
    _export(folder, "reponses_2.csv", [["B1", "ACT Sud", "ACT", "Occitanie", "Des équipes mobilisées"]])
    state = ingestion_flow(folder, tmp_path / "processed", return_state=True)
    assert state.is_completed()
    APILogHandler().flush()  # flush is an instance method; the queue it drains is shared
    with get_client(sync_client=True) as client:
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    library = [log for log in logs if log.name.startswith("consultation.")]
    for name, said in (("reponses.csv", "5 lignes lues, 5 ingérées, 0 mise de côté"),
                       ("reponses_2.csv", "1 ligne lue, 1 ingérée, 0 mise de côté")):
        lines = [log.message for log in library if log.message.startswith(f"{name} : ") and " lue" in log.message]
        assert len(lines) == 1, [log.message for log in library]
        assert lines[0].startswith(f"{name} : {said} (CSV"), lines[0]
    # the flow's own line, each count with its words: « 0 refusé », never « refusé(s) »
    assert [log.message for log in logs if log.message.startswith("Fichiers : ")] == [
        "Fichiers : 3 ingérés, 0 refusé, 0 inchangé"]
    # Each line is stored once (no second API handler from Prefect's own setting), at INFO.
    assert {log.level for log in library} >= {logging.INFO}
    assert len({(log.message, log.timestamp) for log in logs}) == len(logs)


@pytest.mark.parametrize("extra_loggers", ["", "consultation"])
def test_the_library_logger_has_one_api_handler_whatever_prefects_setting(extra_loggers):
    """With or without PREFECT_LOGGING_EXTRA_LOGGERS=consultation set before prefect is
    imported, the library's logger gets exactly one handler to the API, and INFO lines pass."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PREFECT_LOGGING_EXTRA_LOGGERS": extra_loggers}
    code = (
        "import logging, flows.common\n"
        "from prefect.logging.handlers import APILogHandler\n"
        "logger = logging.getLogger('consultation')\n"
        "print(sum(isinstance(h, APILogHandler) for h in logger.handlers), logger.getEffectiveLevel())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", str(logging.INFO)]


def test_a_night_without_publication_leaves_it_to_the_publication_run_which_waits_for_the_lock(
    prefect_harness, tmp_path
):
    """The night brings the database up to date and ends; the publication's own run writes the
    reports, and never while another run holds the consultation (its database)."""
    import contextvars
    import threading
    import time

    from flows.locks import consultation_lock
    from flows.nightly import nightly
    from flows.reporting_flow import reporting_flow

    folder = _consultation_copy(MINI_DIR, tmp_path / "mini")
    processed, out = tmp_path / "processed", tmp_path / "processed" / "mini"
    before = reporting_flow(folder, processed)  # scheduled before any night: nothing to publish
    assert not before.rewritten and not before.reports and not (out / "index.html").exists()
    night = nightly(folder, processed, publish=False)
    assert night.reporting is None and night.coding.codes > 0
    assert _query(out / "consultation.duckdb", "SELECT count(*) FROM auto_codes")[0][0] == night.coding.codes
    assert not (out / "index.html").exists() and not list(out.glob("reports/*"))
    summary = _artifact("mini-resume").data
    assert "Non refaite par cette exécution" in summary and "consultation-reporting/mini" in summary

    done: list = []
    with consultation_lock("mini"):  # a night still writing, as far as the publication knows
        # The harness's settings (its result store) live in context variables: the thread gets a copy.
        context = contextvars.copy_context()
        worker = threading.Thread(target=lambda: done.append(context.run(reporting_flow, folder, processed)))
        worker.start()
        time.sleep(8)
        assert not done and not (out / "index.html").exists()
    worker.join(timeout=600)
    (publication,) = done
    assert publication.rewritten and (out / "index.html").exists()
    assert publication.reports and all(p.exists() for p in publication.reports)
    assert json.loads(_artifact("mini-effectifs-nationaux").data)
    assert not reporting_flow(folder, processed).rewritten  # nothing new: the files stand


def test_a_run_that_waits_too_long_for_the_consultation_gives_up_with_a_message(prefect_harness):
    from consultation.errors import DatabaseBusyError
    from flows.locks import consultation_lock

    busy = pytest.raises(DatabaseBusyError, match="« verrou-essai » est occupée par une autre exécution")
    with consultation_lock("verrou-essai"), busy, consultation_lock("verrou-essai", wait_seconds=3):
        pass
    with consultation_lock("verrou-essai", wait_seconds=60):  # released: the next run gets it
        pass


def test_the_flow_reads_the_codes_given_by_hand_in_the_export_again_each_night(prefect_harness, tmp_path):
    """A federation that codes in its spreadsheet between two nights: the ingestion flow reads the
    export's column of codes (`codes_column`) each time, and the night's summary says how many
    answers it read codes for."""
    import yaml

    from flows import artifacts
    from flows.ingest_flow import ingestion_flow
    from ingest_family_support import CODES, ID, ROWS, quoted, with_code_columns

    folder = tmp_path / "c"
    shutil.copytree(SAMPLE_DIR, folder)
    config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
    config["sources"] = {"responses": ["reponses.csv"]}  # no codes file: the export's are the only ones
    next(q for q in config["questions"] if q["id"] == "q1_retenir")["codes_column"] = "Thèmes 1"
    (folder / "consultation.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    coded = [r[ID] for r in ROWS if (r[ID], "q1_retenir") in CODES]
    counts = []
    for first in (10, 30):  # the first 10 coded answers, then 20 more coded by the next night
        done = set(coded[:first])
        header, rows = with_code_columns(
            {"q1_retenir": "Thèmes 1"}, lambda r, q: " ; ".join(CODES[(r[ID], q)]) if r[ID] in done else "")  # noqa: B023
        (folder / "reponses.csv").write_bytes(quoted(rows, ";", header))
        summary = ingestion_flow(folder, tmp_path / "processed")
        counts.append(sum(f.hand_coded for f in summary.ingested))
        db = tmp_path / "processed" / config["id"] / "consultation.duckdb"
        assert _query(db, "SELECT count(DISTINCT respondent_id) FROM human_codes")[0][0] == first
    assert counts == [10, 30]
    assert "Codes donnés à la main, lus dans l'export : 30 réponses" in "\n".join(artifacts.ingestion_markdown(summary))
