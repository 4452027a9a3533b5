"""Coding flow: retrain only when the human codes changed, code only what is new or uncoded.

The pending units are split into batches that the flow's task runner codes in parallel (threads
on this machine by default, a Dask cluster when `CONSULTATION_DASK_ADDRESS` is set). Workers
return codes; one task writes them all in one transaction, since DuckDB has a single writer.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import timedelta
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
class CodingPlan:
    """What this run codes, decided from the database (never from a cache)."""

    model_version: str | None
    model_path: str | None
    coder_key: str  # everything besides a batch's own units that decides its codes
    units: pd.DataFrame
    batches: list[pd.DataFrame]


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
def plan_coding(consultation: Consultation, db: Path, options: CodingOptions) -> CodingPlan:
    with open_db(db) as con:
        units = incremental.pending_units(con, consultation, recode_all=options.recode_all)
        model = incremental.current_model(con, consultation.id)
    version = model.model_version if model else None
    coder_key = incremental.inputs_hash(
        incremental.consultation_fingerprint(consultation), incremental.software_fingerprint(), version
    )
    return CodingPlan(
        model_version=version, model_path=model.path if model else None, coder_key=coder_key,
        units=units, batches=incremental.split_batches(units, batch_size_for(len(units), options.batch_size)),
    )


def _batch_key(context: Any, parameters: dict[str, Any]) -> str:
    """Cached on what decides a batch's codes: its units' content and the coder (codebook, model, software)."""
    return incremental.inputs_hash(
        parameters["coder_key"], incremental.frame_fingerprint(parameters["units"])
    )


@task(name="code-batch", cache_key_fn=_batch_key, cache_expiration=timedelta(days=30))
def code_batch(
    consultation: Consultation, units: pd.DataFrame, coder_key: str, model_path: str | None,
    model_version: str | None,
) -> pd.DataFrame:
    """Codes for one batch, returned to the flow: no database access, so any worker can run it.

    The model file is read from `model_path`: on a Dask cluster of several machines, the
    processed folder must be shared.
    """
    return incremental.code_batch(
        consultation, units, _lemmatizer(), _models(model_path), model_version
    )


@task(name="write-codings", **_IO)
def write_codings(
    consultation: Consultation, db: Path, units: pd.DataFrame, codes: list[pd.DataFrame]
) -> incremental.CodingWrite:
    """The single writer: every batch's codes, and the corrected counts, in one transaction."""
    with open_db(db) as con:
        return incremental.write_codings(con, consultation, units, codes, lemmatizer=_lemmatizer())


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
    plan = plan_coding(consultation, paths.db, options)
    summary.model_version = plan.model_version
    summary.pending_answers = len(plan.units[["respondent_id", "question_id"]].drop_duplicates())
    summary.units, summary.batches = len(plan.units), len(plan.batches)
    logger.info(
        "%s réponse(s) à coder en %s lot(s) ; modèle : %s",
        summary.pending_answers, summary.batches, need.reason,
    )
    if plan.batches:
        coder = code_batch.with_options(refresh_cache=options.refresh_cache or None)
        futures = coder.map(
            unmapped(consultation), plan.batches, unmapped(plan.coder_key),
            unmapped(plan.model_path), unmapped(plan.model_version),
        )
        codes = [f.result() for f in futures]
        summary.cached_batches = sum(1 for f in futures if f.state.name == "Cached")
        written = write_codings(consultation, paths.db, plan.units, codes)
        summary.codes, summary.by_source = written.codes, written.by_source
        summary.needs_review, summary.estimates = written.needs_review, written.estimates
    agreement = read_agreement(consultation, paths.db)
    if agreement is not None:
        summary.agreement = AgreementFigures(**agreement.__dict__)
    return summary
