"""What every flow shares: opening the database, retrying I/O, and saying clearly why a run failed."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from prefect.artifacts import create_markdown_artifact
from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging.handlers import APILogHandler
from prefect.logging.loggers import flow_run_logger

from consultation import store
from consultation.errors import ConfigError, ConsultationError, InputFileError, UnsafePathError
from consultation.publish.redact import Redactor

# I/O tasks (files, the DuckDB file) retry: a database held by a manual run, a file still being
# copied into the raw folder. Pure computations never retry: they would fail the same way.
IO_RETRIES = 2
IO_RETRY_DELAYS = [10, 60]



class BadInputError(Exception):
    """An input a person must fix; the message is fit for the UI (contact details masked)."""


class RefusedFilesError(Exception):
    """Some files could not be ingested; the message names each with its validation message."""


# Bad input is fixed by a person, not by waiting: retrying it only delays the message.
_NOT_RETRIED = (BadInputError, InputFileError, ConfigError, UnsafePathError)


# Failures a person fixes by correcting a file or a setting: Prefect logs them with its stack
# trace, which is noise to a federation. The run logs show the message alone.
_PERSON_FIXES = (BadInputError, RefusedFilesError, ConsultationError)


class _MessageWithoutTraceback(logging.Filter):
    """Turns Prefect's « Task run failed with exception: X('…') » + stack into the message alone."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, _PERSON_FIXES):
            record.msg, record.args = f"Échec : {error}", ()
            record.exc_info, record.exc_text = None, None
        return True


def quiet_tracebacks_for_bad_input() -> None:
    """Install the filter on the loggers of Prefect's task and flow run engines (idempotent)."""
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _MessageWithoutTraceback) for f in logger.filters):
            logger.addFilter(_MessageWithoutTraceback())


quiet_tracebacks_for_bad_input()


# The library's own loggers (`consultation.ingest.core`: one line per file ingested, …) belong in the
# run's log in the Prefect UI. Prefect's PREFECT_LOGGING_EXTRA_LOGGERS does that only when it is
# in the environment before prefect is imported; attaching the handler here does it for every
# way a flow is started (serve, a worker, a script, a test).
LIBRARY_LOGGER = "consultation"


class _RunLogHandler(APILogHandler):
    """Prefect's API log handler, silent outside a flow or task run (the library also runs from
    the CLI and notebooks, where there is no run to attach a line to)."""

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "flow_run_id", None) or FlowRunContext.get() or TaskRunContext.get():
            super().emit(record)


def send_library_logs_to_runs() -> None:
    """Send the library's INFO lines and above to the current run's log (idempotent; nothing
    added when Prefect's own setting already gave the logger an API handler)."""
    logger = logging.getLogger(LIBRARY_LOGGER)
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(_RunLogHandler())
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)


send_library_logs_to_runs()


def safe_message(text: str) -> str:
    """An error message fit for Prefect's UI and logs: a bad cell's value can be an e-mail."""
    return Redactor()(text) if text else text


@contextmanager
def open_db(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = store.connect(db)
    try:
        yield con
    finally:
        con.close()


def retry_unless_bad_input(task: Any, task_run: Any, state: Any) -> bool:
    """Retry condition of I/O tasks: everything but the user's own mistakes."""
    error = state.data if isinstance(state.data, BaseException) else None
    if error is None:
        try:
            error = state.result(raise_on_failure=False)
        except Exception:
            return True
    return not isinstance(error, _NOT_RETRIED)


# Options of every task that touches files or the DuckDB file (a flow adds its cache policy).
IO_TASK_OPTIONS: dict[str, Any] = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": IO_RETRY_DELAYS,
    "retry_condition_fn": retry_unless_bad_input,
}


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]", "-", "-".join(parts).lower())).strip("-")


def failure_message(state: Any) -> str:
    """The error a person must read: the exception's own message, without Prefect's wrapping."""
    try:
        error = state.result(raise_on_failure=False)
    except Exception:
        error = None
    if isinstance(error, BaseException):
        return str(error) or type(error).__name__
    return state.message or "échec sans message"


def report_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """on_failure hook: a Markdown artifact and an error log saying what failed and what to do."""
    message = safe_message(failure_message(state))
    params = flow_run.parameters or {}
    consultation_dir = params.get("consultation_dir", "")
    lines = [
        f"# Échec du traitement « {flow.name} »",
        "",
        f"- Exécution : `{flow_run.name}`",
        f"- Consultation : `{consultation_dir}`",
        "",
        "## Ce qui a échoué",
        "",
        *(f"    {line}" for line in message.splitlines()),
        "",
        "## Que faire",
        "",
        "Corrigez le fichier ou le réglage indiqué (fichier, ligne, colonne), déposez-le dans le "
        "dossier de la consultation, puis relancez l'exécution (ou attendez la prochaine nuit). "
        "Chaque fichier et chaque écriture dans la base est une transaction : ce qui a été "
        "enregistré est complet, le reste sera repris à la prochaine exécution.",
    ]
    logger = flow_run_logger(flow_run, flow)
    logger.error("Échec de « %s » : %s", flow.name, message)
    try:
        create_markdown_artifact(
            markdown="\n".join(lines),
            key=artifact_key(flow.name, "echec"),
            description=f"Pourquoi l'exécution {flow_run.name} a échoué",
        )
    except Exception as exc:  # the hook must never hide the original failure
        logger.warning("Résumé d'échec non enregistré comme artefact : %s", exc)
