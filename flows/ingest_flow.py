"""Ingestion flow: find the new or changed exports in a consultation's raw folder, ingest each.

Each file is its own task and its own transaction: a bad file fails its task with the validation
message (file, row, column, value) and the other files are still ingested.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from consultation import store
from consultation.codebook import Consultation, load_consultation
from consultation.errors import ConsultationError, DatabaseBusyError
from consultation.fmt import count, integer
from consultation.ingest import sources
from consultation.ingest.core import FileReport
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME, OutputPaths
from flows.common import (
    IO_TASK_OPTIONS,
    BadInputError,
    RefusedFilesError,
    open_db,
    report_failure,
    safe_message,
)
from flows.summaries import FileOutcome, IngestionSummary

# Database writes are never cached: a cached "done" would hide work after the database was
# deleted or restored. What makes a quiet night fast is `scan_sources`, which asks the database.
_IO = {**IO_TASK_OPTIONS, "cache_policy": NO_CACHE}


@task(name="register-codebook", **_IO)
def register_codebook(consultation: Consultation, db: Path) -> int:
    with open_db(db) as con, store.transaction(con):
        return store.register_codebook(con, consultation)


@task(name="scan-sources", **_IO)
def scan_sources(consultation: Consultation, folder: Path, db: Path) -> list[sources.SourceState]:
    with open_db(db) as con:
        return sources.scan_sources(con, consultation, folder)


@task(name="ingest-file", task_run_name="ingest-{state.label}", **_IO)
def ingest_file(
    consultation: Consultation, state: sources.SourceState, folder: Path, db: Path
) -> FileReport:
    try:
        with open_db(db) as con:
            report = sources.ingest_source(con, consultation, state, folder)
    except DatabaseBusyError:
        raise  # another run holds the database: retried after a delay
    except ConsultationError as exc:
        # The validation message is for the person who fixes the file, shown without our stack.
        raise BadInputError(safe_message(str(exc))) from None
    logger = get_run_logger()
    logger.info(
        "%s : %s, %s, %s en quarantaine",
        state.label, count(report.rows_read, "ligne lue", "lignes lues"), count(report.rows_ingested, "ingérée"),
        integer(report.rows_quarantined),
    )
    for warning in report.warnings:
        logger.warning(warning)
    return report


def _outcome(state: sources.SourceState, task_state) -> FileOutcome:
    if task_state.is_completed():
        report: FileReport = task_state.result()
        return FileOutcome(
            label=state.label, kind=state.kind, status=report.status, rows_read=report.rows_read,
            rows_ingested=report.rows_ingested, rows_quarantined=report.rows_quarantined,
            message=report.message, warnings=len(report.warnings), hand_coded=report.hand_coded,
        )
    error = task_state.result(raise_on_failure=False)
    message = str(error) if isinstance(error, BaseException) else (task_state.message or "")
    return FileOutcome(label=state.label, kind=state.kind, status="refused", message=message)


@flow(name="consultation-ingestion", on_failure=[report_failure])
def ingestion_flow(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
    fail_on_refused: bool = True,
) -> IngestionSummary:
    """Ingest the files of the consultation folder that are new or changed since the last run.

    `fail_on_refused=False` lets a parent flow finish its other stages before failing.
    """
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    db = OutputPaths.for_consultation(processed_root, consultation.id).db
    register_codebook(consultation, db)
    states = scan_sources(consultation, Path(consultation_dir), db)
    summary = IngestionSummary(
        consultation_id=consultation.id, skipped=[s.label for s in states if not s.pending]
    )
    for state in sources.pending_sources(states):
        task_state = ingest_file(consultation, state, Path(consultation_dir), db, return_state=True)
        summary.files.append(_outcome(state, task_state))
    logger.info(
        "Fichiers : %s, %s, %s", count(len(summary.ingested), "ingéré"), count(len(summary.refused), "refusé"),
        count(len(summary.skipped), "inchangé"),
    )
    if fail_on_refused and summary.refused:
        raise RefusedFilesError(summary.refused_message())
    return summary
