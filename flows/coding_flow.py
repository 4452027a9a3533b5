"""Coding flow: retrain only when the human codes changed, code only what is new or uncoded.

The same coding path as `consultation run` (`consultation.coding.run`: change detection and plan,
a batch coded from its Parquet units file into codes and decisions files, one writer, one
transaction). Where the batches are coded follows the flow's task runner:

- Prefect's default runner (this machine): one task, `code-batches`, codes every batch in
  processes forked from the flow's, exactly as `consultation code` does (`LocalProcesses`: one
  process per core, batches of 20,000 units); its log says how many processes and follows the
  batches. Threads would share one interpreter, and coding is CPU-bound Python.
- a Dask runner (`CONSULTATION_DASK_ADDRESS`, see `flows/settings.py`): one Prefect task per
  batch (`code-batch`), run on the cluster's workers, each rebuilding the engine from the model file.

Batches travel as Parquet files in the consultation's processed folder (`batches/`), not as task
results. On a cluster of several machines that folder must be shared.

A batch's files are named after what decides its codes (the units' content, the codebook, the
model, the software): a run interrupted after coding finds the finished batches again and codes
only the rest. The files of a batch are removed once its codes are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from pydantic import BaseModel, Field

from consultation.codebook import Consultation, load_consultation
from consultation.coding import model_state
from consultation.coding import run as coding_run
from consultation.coding.coder import BATCHES_FOLDER, MODELS_FOLDER
from consultation.coding.evaluate import (
    evaluate_consultation,
    evaluation_is_current,
    store_evaluation,
)
from consultation.coding.training import prepare_engine, training_units
from consultation.fmt import count
from consultation.store.paths import DEFAULT_PROCESSED, DEFAULT_RAW, SAMPLE_NAME, OutputPaths
from flows.common import (
    IO_TASK_OPTIONS,
    open_db,
    report_failure,
)
from flows.settings import FlowSettings, codes_in_local_processes
from flows.summaries import AgreementFigures, CodingSummary

_IO = {**IO_TASK_OPTIONS, "cache_policy": NO_CACHE}


# On Dask each batch is a Prefect task (state, cache key, persisted result): at 1M answers, 2,952
# batches of 500 units took 311 s to code and 295 batches of 5,000 took 159 s (BENCHMARKS.md).
MAX_BATCHES = 300
DASK_BATCH_SIZE = 500  # units per batch on Dask, raised to keep about MAX_BATCHES batches
# On this machine: the CLI's batches (coding.run.BATCH_SIZE), also capped at about MAX_BATCHES.
BATCH_SIZE_HELP = (
    "Unités de codage par lot (au moins ; relevé pour ne pas dépasser "
    f"{MAX_BATCHES} lots environ). Par défaut : {coding_run.BATCH_SIZE} sur cette machine, "
    f"comme `consultation code`, {DASK_BATCH_SIZE} sur un cluster Dask"
)


class CodingOptions(BaseModel):
    batch_size: int | None = Field(default=None, ge=1, description=BATCH_SIZE_HELP)
    recode_all: bool = Field(default=False, description="Recoder toutes les réponses, pas seulement les nouvelles")
    refresh_cache: bool = Field(default=False, description="Ignorer les résultats de lots déjà calculés")
    evaluate: bool = Field(
        default=True, description="Mesurer l'accord avec les codeurs humains (validation croisée) après un réentraînement"
    )


@task(name="check-training", **_IO)
def check_training(consultation: Consultation, db: Path) -> model_state.TrainingNeed:
    with open_db(db) as con:
        return model_state.training_need(con, consultation.id)


@task(name="train-model", retries=0, cache_policy=NO_CACHE)
def train_model(consultation: Consultation, paths: OutputPaths) -> tuple[str | None, bool]:
    """Train on the human codes, save the model beside the database and record it.

    Returns the model version (None: too few human codes, the rules code alone) and whether a
    model was fitted now (False: an identical one was already saved).
    """
    with open_db(paths.db) as con:
        engine, _, trained = prepare_engine(
            con, consultation, coding_run.worker_lemmatizer(), models_dir=paths.root / MODELS_FOLDER
        )
    return engine.model_version, trained


@task(name="evaluate-model", retries=0, cache_policy=NO_CACHE)
def evaluate_model(consultation: Consultation, db: Path) -> bool:
    """Cross-validate on the human codes and store the agreement, unless it is already stored
    for the model these codes give. Returns whether an evaluation ran."""
    with open_db(db) as con:
        if evaluation_is_current(con, consultation):
            return False
        store_evaluation(con, evaluate_consultation(con, consultation, coding_run.worker_lemmatizer()))
    return True


@dataclass
class FlowPlan:
    """The library's plan and where the workers find the model."""

    plan: coding_run.CodingPlan
    model_path: str | None

    @property
    def batches(self) -> list[coding_run.BatchFiles]:
        return self.plan.batches

    @property
    def model_version(self) -> str | None:
        return self.plan.model_version

    @property
    def answers(self) -> int:
        return self.plan.answers


@task(name="plan-coding", **_IO)
def plan_coding(
    consultation: Consultation, paths: OutputPaths, options: CodingOptions, local: bool = True
) -> FlowPlan:
    """The pending units, split into batches written as Parquet files under `batches/` (`local`:
    batches for processes of this machine, else for one Prefect task each on Dask)."""
    batch_size = options.batch_size or (coding_run.BATCH_SIZE if local else DASK_BATCH_SIZE)
    with open_db(paths.db) as con:
        model = model_state.current_model(con, consultation.id)
        version = model.model_version if model else None
        plan = coding_run.plan_coding(
            con, consultation, paths.root / BATCHES_FOLDER, coder_key=coding_run.coder_key(consultation, version),
            recode_all=options.recode_all, batch_size=batch_size, max_batches=MAX_BATCHES,
        )
    plan.model_version = version
    return FlowPlan(plan, model.path if model else None)


@task(name="code-batch", cache_policy=NO_CACHE, retries=1)
def code_batch(
    consultation: Consultation, batch: coding_run.BatchFiles, model_path: str | None,
    model_version: str | None, refresh: bool = False,
) -> bool:
    """Code one batch from its units file (`coding.run.code_batch_file`); no database access, so
    any worker can run it. Returns False when its files were already there (a batch finished by
    an earlier, interrupted run), True when it was coded now."""
    engine = coding_run.worker_engine(consultation, model_path, model_version)
    return coding_run.code_batch_file(engine, batch, refresh=refresh)


@task(name="code-batches", cache_policy=NO_CACHE, retries=1)
def code_batches(consultation: Consultation, plan: FlowPlan, workers: int | None, refresh: bool = False) -> list[bool]:
    """Code every batch in processes forked from this one, as `consultation code` does
    (`coding.run.LocalProcesses`). A retry codes only the batches whose files are missing."""
    logger = get_run_logger()
    engine = coding_run.worker_engine(consultation, plan.model_path, plan.model_version)
    total, done = len(plan.batches), [0, 0]
    step = max(1, total // 10)

    def on_done(batch: coding_run.BatchFiles) -> None:
        done[0] += 1
        done[1] += batch.answers
        if done[0] % step == 0 or done[0] == total:
            logger.info("Lot %s/%s codé (%s en tout)", done[0], total, count(done[1], "réponse"))

    return coding_run.LocalProcesses(workers=workers, refresh=refresh)(engine, plan.batches, on_done)


@task(name="write-codings", **_IO)
def write_codings(consultation: Consultation, db: Path, plan: FlowPlan) -> coding_run.CodingWrite:
    """The single writer: every batch's codes, and the corrected counts, in one transaction
    (`coding.run.write_codes`); the batch files are removed once stored."""
    # The engine `code-batches` coded with (the plan's model, as `load_engine` would choose it),
    # its models already in memory when this task runs in the same thread.
    engine = coding_run.worker_engine(consultation, plan.model_path, plan.model_version)
    with open_db(db) as con:
        # the estimates need the human-coded units, not the fit's text pool (a scan of every answer)
        training = training_units(con, consultation, pool=False)
        return coding_run.write_codes(con, engine, plan.plan, training=training)


@task(name="read-agreement", **_IO)
def read_agreement(consultation: Consultation, db: Path) -> model_state.Agreement | None:
    with open_db(db) as con:
        return model_state.latest_agreement(con, consultation.id)


@flow(name="consultation-coding", on_failure=[report_failure])
def coding_flow(
    consultation_dir: Path = DEFAULT_RAW / SAMPLE_NAME,
    processed_root: Path = DEFAULT_PROCESSED,
    options: CodingOptions | None = None,
) -> CodingSummary:
    """Code the answers that have no current automatic code, batch by batch: in processes of
    this machine on Prefect's default runner, one task per batch on a Dask runner."""
    options = options or CodingOptions()
    logger = get_run_logger()
    context = FlowRunContext.get()
    local = codes_in_local_processes(context.task_runner if context else None)
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
    plan = plan_coding(consultation, paths, options, local)
    summary.model_version = plan.model_version
    summary.pending_answers = plan.answers
    summary.units, summary.batches = plan.plan.units, len(plan.batches)
    logger.info(
        "%s à coder en %s ; modèle : %s",
        count(summary.pending_answers, "réponse"), count(summary.batches, "lot"), need.reason,
    )
    if plan.batches:
        if local:
            workers = FlowSettings().local_workers
            n = coding_run.LocalProcesses(workers=workers).processes(plan.plan.units, len(plan.batches))
            summary.runner = f"{n} processus de cette machine" if n > 1 else "le processus du flow"
            logger.info("Codage de %s par %s", count(len(plan.batches), "lot"), summary.runner)
            coded = code_batches(consultation, plan, workers, options.refresh_cache)
        else:
            summary.runner = f"une tâche par lot sur {type(context.task_runner).__name__ if context else '?'}"
            logger.info("Codage de %s : %s", count(len(plan.batches), "lot"), summary.runner)
            futures = code_batch.map(
                unmapped(consultation), plan.batches, unmapped(plan.model_path),
                unmapped(plan.model_version), unmapped(options.refresh_cache),
            )
            coded = [f.result() for f in futures]
        summary.cached_batches = coded.count(False)
        written = write_codings(consultation, paths.db, plan)
        summary.codes, summary.by_source = written.codes, written.by_source
        summary.needs_review, summary.estimates = written.needs_review, written.estimates
    agreement = read_agreement(consultation, paths.db)
    if agreement is not None:
        summary.agreement = AgreementFigures(**agreement.__dict__)
    return summary
