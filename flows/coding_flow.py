"""Coding flow: retrain only when the human codes changed, code only what is new or uncoded.

The pending units are split into batches that the flow's task runner codes in parallel (threads
on this machine by default, a Dask cluster when `CONSULTATION_DASK_ADDRESS` is set). Batches travel
as Parquet files in the consultation's processed folder (`batches/`), not as task results: a
worker reads its units file and writes a codes file beside it; one task then has DuckDB read every
codes file and store them in one transaction (DuckDB has a single writer), so no process holds
every batch's codes at once. On a cluster of several machines that folder must be shared.

A codes file is named after what decides its codes (the units' content, the codebook, the model,
the software): a run interrupted after coding finds the finished batches again and codes only the
rest. The files of a batch are removed once its codes are stored.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from consultation import incremental
from consultation.codebook import Consultation, load_consultation
from consultation.coding.coder import MODELS_FOLDER
from consultation.coding.evaluate import (
    evaluate_consultation,
    evaluation_is_current,
    store_evaluation,
)
from consultation.coding.training import load_models, prepare_engine
from consultation.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME, OutputPaths
from consultation.text import Lemmatizer, load_nlp
from flows.common import (
    IO_TASK_OPTIONS,
    open_db,
    report_failure,
)
from flows.summaries import AgreementFigures, CodingSummary

_IO = {**IO_TASK_OPTIONS, "cache_policy": NO_CACHE}


# Each batch is a Prefect task (state, cache key, persisted result): at 1M answers, 2,952 batches of
# 500 units took 311 s to code and 295 batches of 5,000 took 159 s (BENCHMARKS.md).
MAX_BATCHES = 300


def batch_size_for(units: int, requested: int) -> int:
    """The batch size used: the one requested, raised so that there are about MAX_BATCHES batches
    at most (answers are kept whole, so a few more at worst)."""
    return max(requested, math.ceil(units / MAX_BATCHES))


class CodingOptions(BaseModel):
    batch_size: int = Field(
        default=500, ge=1,
        description=f"Unités de codage par lot (au moins ; relevé pour ne pas dépasser {MAX_BATCHES} lots environ)",
    )
    recode_all: bool = Field(default=False, description="Recoder toutes les réponses, pas seulement les nouvelles")
    refresh_cache: bool = Field(default=False, description="Ignorer les résultats de lots déjà calculés")
    evaluate: bool = Field(
        default=True, description="Mesurer l'accord avec les codeurs humains (validation croisée) après un réentraînement"
    )


@dataclass
class BatchFiles:
    """One batch: its units file (written by the plan) and the codes file a worker writes."""

    units: str
    codes: str
    size: int


@dataclass
class CodingPlan:
    """What this run codes, decided from the database (never from a cache)."""

    model_version: str | None
    model_path: str | None
    coder_key: str  # everything besides a batch's own units that decides its codes
    answers: int
    units: int
    batches: list[BatchFiles]


BATCHES_FOLDER = "batches"


# One spaCy pipeline per worker thread, loaded on first use (cheap to keep, costly to load for
# every batch, not shared between threads), and the model file it codes with.
_local = threading.local()


def _lemmatizer() -> Lemmatizer:
    if getattr(_local, "lemmatizer", None) is None:
        _local.lemmatizer = Lemmatizer(load_nlp())
    return _local.lemmatizer


def _models(path: str | None) -> dict[str, Any] | None:
    if path is None:
        return None
    if getattr(_local, "model_path", None) != path:
        _local.models, _local.model_path = load_models(Path(path)), path
    return _local.models


@task(name="check-training", **_IO)
def check_training(consultation: Consultation, db: Path) -> incremental.TrainingNeed:
    with open_db(db) as con:
        return incremental.training_need(con, consultation.id)


@task(name="train-model", retries=0, cache_policy=NO_CACHE)
def train_model(consultation: Consultation, paths: OutputPaths) -> tuple[str | None, bool]:
    """Train on the human codes, save the model beside the database and record it.

    Returns the model version (None: too few human codes, the rules code alone) and whether a
    model was fitted now (False: an identical one was already saved).
    """
    with open_db(paths.db) as con:
        engine, _, trained = prepare_engine(
            con, consultation, _lemmatizer(), models_dir=paths.root / MODELS_FOLDER
        )
    return engine.model_version, trained


@task(name="evaluate-model", retries=0, cache_policy=NO_CACHE)
def evaluate_model(consultation: Consultation, db: Path) -> bool:
    """Cross-validate on the human codes and store the agreement, unless it is already stored
    for the model these codes give. Returns whether an evaluation ran."""
    with open_db(db) as con:
        if evaluation_is_current(con, consultation):
            return False
        store_evaluation(con, evaluate_consultation(con, consultation, _lemmatizer()))
    return True


@task(name="plan-coding", **_IO)
def plan_coding(consultation: Consultation, paths: OutputPaths, options: CodingOptions) -> CodingPlan:
    """The pending units, split into batches written as Parquet files under `batches/`."""
    with open_db(paths.db) as con:
        units = incremental.pending_units(con, consultation, recode_all=options.recode_all)
        model = incremental.current_model(con, consultation.id)
    version = model.model_version if model else None
    coder_key = incremental.inputs_hash(
        incremental.consultation_fingerprint(consultation), incremental.software_fingerprint(), version
    )
    folder = paths.root / BATCHES_FOLDER
    batches = []
    for batch in incremental.split_batches(units, batch_size_for(len(units), options.batch_size)):
        key = incremental.inputs_hash(coder_key, incremental.frame_fingerprint(batch))[:24]
        unit_file = folder / f"units-{key}.parquet"
        if not unit_file.exists():
            incremental.write_batch_file(batch, unit_file)
        batches.append(BatchFiles(str(unit_file), str(folder / f"codes-{key}.parquet"), len(batch)))
    return CodingPlan(
        model_version=version, model_path=model.path if model else None, coder_key=coder_key,
        answers=len(units[["respondent_id", "question_id"]].drop_duplicates()), units=len(units),
        batches=batches,
    )


@task(name="code-batch", cache_policy=NO_CACHE, retries=1)
def code_batch(
    consultation: Consultation, batch: BatchFiles, model_path: str | None,
    model_version: str | None, refresh: bool = False,
) -> bool:
    """Code one batch from its units file into its codes file; no database access, so any worker
    can run it. Returns False when the codes file was already there (a batch finished by an
    earlier, interrupted run), True when it was coded now.

    The model file is read from `model_path`: on a Dask cluster of several machines, the
    processed folder must be shared.
    """
    if Path(batch.codes).exists() and not refresh:
        return False
    units = pd.read_parquet(batch.units)
    codes = incremental.code_batch(consultation, units, _lemmatizer(), _models(model_path), model_version)
    incremental.write_batch_file(codes, batch.codes)
    return True


@task(name="write-codings", **_IO)
def write_codings(
    consultation: Consultation, db: Path, batches: list[BatchFiles]
) -> incremental.CodingWrite:
    """The single writer: every batch's codes, and the corrected counts, in one transaction.
    DuckDB reads the codes files itself; they are removed once stored."""
    with open_db(db) as con:
        written = incremental.write_coding_files(
            con, consultation, [b.units for b in batches], [b.codes for b in batches],
            lemmatizer=_lemmatizer(),
        )
    for batch in batches:
        Path(batch.units).unlink(missing_ok=True)
        Path(batch.codes).unlink(missing_ok=True)
    return written


@task(name="read-agreement", **_IO)
def read_agreement(consultation: Consultation, db: Path) -> incremental.Agreement | None:
    with open_db(db) as con:
        return incremental.latest_agreement(con, consultation.id)


@flow(
    name="consultation-coding",
    task_runner=ThreadPoolTaskRunner(max_workers=2),
    on_failure=[report_failure],
)
def coding_flow(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
    options: CodingOptions | None = None,
) -> CodingSummary:
    """Code the answers that have no current automatic code, batch by batch."""
    options = options or CodingOptions()
    logger = get_run_logger()
    consultation = load_consultation(consultation_dir)
    paths = OutputPaths.for_consultation(processed_root, consultation.id)
    need = check_training(consultation, paths.db)
    summary = CodingSummary(
        consultation_id=consultation.id, training_reason=need.reason, human_codes=need.human_codes
    )
    if need.needed:
        _, summary.trained = train_model(consultation, paths)
        if options.evaluate:
            summary.evaluated = evaluate_model(consultation, paths.db)
    plan = plan_coding(consultation, paths, options)
    summary.model_version = plan.model_version
    summary.pending_answers = plan.answers
    summary.units, summary.batches = plan.units, len(plan.batches)
    logger.info(
        "%s réponse(s) à coder en %s lot(s) ; modèle : %s",
        summary.pending_answers, summary.batches, need.reason,
    )
    if plan.batches:
        futures = code_batch.map(
            unmapped(consultation), plan.batches, unmapped(plan.model_path),
            unmapped(plan.model_version), unmapped(options.refresh_cache),
        )
        coded = [f.result() for f in futures]
        summary.cached_batches = coded.count(False)
        written = write_codings(consultation, paths.db, plan.batches)
        summary.codes, summary.by_source = written.codes, written.by_source
        summary.needs_review, summary.estimates = written.needs_review, written.estimates
    agreement = read_agreement(consultation, paths.db)
    if agreement is not None:
        summary.agreement = AgreementFigures(**agreement.__dict__)
    return summary
