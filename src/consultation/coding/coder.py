"""Code every answer of a consultation and store the automatic codes; human codes always win.

`code_consultation` is the coding stage of `consultation run`, `consultation code` and
`pipeline.run`: train on the human codes when there are enough (or reuse the saved model when
they have not changed), then the one coding path of `coding.run` (plan, code the batches in
local processes, write units, codes and corrected counts in one transaction).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from consultation import store
from consultation.codebook import Consultation
from consultation.coding import run as coding_run
from consultation.coding.engine import CODE_COLUMNS, code_units
from consultation.coding.estimate import N_BOOTSTRAP
from consultation.coding.evaluate import (
    Evaluation,
    evaluate_consultation,
    evaluation_is_current,
    store_evaluation,
)
from consultation.coding.model import DEFAULT_SETTINGS, ModelSettings
from consultation.coding.run import UNIT_COLUMNS, build_units
from consultation.coding.training import prepare_engine
from consultation.progress import progress
from consultation.text import Lemmatizer

__all__ = [
    "CODE_COLUMNS", "UNIT_COLUMNS", "CodingSummary", "build_units", "code_and_evaluate", "code_consultation",
    "code_units",
]
MODELS_FOLDER = "models"
BATCHES_FOLDER = "batches"


@dataclass
class CodingSummary:
    units: int = 0
    by_source: dict[str, int] = field(default_factory=dict)  # automatic codes of answers without human codes
    needs_review: int = 0  # units of answers without human codes flagged for review
    human_coded_answers: int = 0
    model_version: str | None = None
    trained: bool = False  # a model was trained in this run (False: reused, or rules only)
    engines: dict[str, str] = field(default_factory=dict)  # question id -> 'model' | 'rules'
    training_units: dict[str, int] = field(default_factory=dict)  # question id -> human-coded units
    estimates: int = 0
    model_path: Path | None = None
    evaluation: Evaluation | None = None  # set when this run cross-validated the coder


def code_consultation(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    *,
    models_dir: str | Path | None = None,
    settings: ModelSettings = DEFAULT_SETTINGS,
    retrain: bool = False,
    estimate: bool = True,
    n_bootstrap: int = N_BOOTSTRAP,
    workers: int | None = None,
    recode_all: bool = True,
    batches_dir: str | Path | None = None,
    runner: coding_run.BatchRunner | None = None,
) -> CodingSummary:
    """Train (or reuse) the model, code the answers, estimate corrected counts.

    `models_dir` is where the fitted model is saved (and found again); without it the model is
    trained in memory and not recorded. `recode_all` (default): every answer is coded again;
    False: only those without a current code (`coding.run.pending_units`). `batches_dir`: where
    batch files are written (default: a temporary folder). `runner`: where batches execute
    (default `LocalProcesses(workers)`).
    """
    cid = consultation.id
    engine, training, trained = prepare_engine(
        con, consultation, lemmatizer, models_dir=models_dir, settings=settings, retrain=retrain
    )
    runner = runner or coding_run.LocalProcesses(workers)
    with tempfile.TemporaryDirectory(prefix="consultation-batches-") as scratch:
        folder = Path(batches_dir) if batches_dir is not None else Path(scratch)
        plan = coding_run.plan_coding(
            con, consultation, folder, coder_key=coding_run.coder_key(consultation, engine.model_version),
            recode_all=recode_all,
        )
        with progress(plan.answers, "Codage", unit="réponses") as advance:
            runner(engine, plan.batches, lambda batch: advance(batch.answers))
        written = coding_run.write_codes(
            con, engine, plan, training=training, estimate=estimate, n_bootstrap=n_bootstrap
        )
    summary = CodingSummary(units=written.units, model_version=engine.model_version, trained=trained)
    summary.by_source, summary.needs_review = written.by_source, written.needs_review
    summary.human_coded_answers = int(store.scalar(
        con,
        "SELECT count(*) FROM (SELECT DISTINCT respondent_id, question_id FROM human_codes "
        "WHERE consultation_id = ?)", [cid],
    ))
    summary.engines = {q.id: engine.engine_of(q.id) for q in consultation.questions}
    summary.training_units = {qid: len(t) for qid, t in training.items()}
    summary.estimates = written.estimates
    if models_dir is not None and engine.model_version:
        summary.model_path = Path(models_dir) / f"{engine.model_version}.skops"
    return summary


def code_and_evaluate(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    *,
    output_root: str | Path,
    settings: ModelSettings = DEFAULT_SETTINGS,
    retrain: bool = False,
) -> CodingSummary:
    """The coding stage of a run: code (model saved under `<output_root>/models/`), then measure
    the agreement with human coders unless it is already stored for these codes."""
    summary = code_consultation(
        con, consultation, lemmatizer, models_dir=Path(output_root) / MODELS_FOLDER, settings=settings,
        retrain=retrain, batches_dir=Path(output_root) / BATCHES_FOLDER,
    )
    if summary.human_coded_answers and not evaluation_is_current(con, consultation, settings):
        summary.evaluation = evaluate_consultation(con, consultation, lemmatizer, settings=settings)
        store_evaluation(con, summary.evaluation)
    return summary
