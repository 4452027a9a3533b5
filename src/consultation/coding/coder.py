"""Code every answer of a consultation and store the automatic codes; human codes always win.

`code_consultation` is the coding stage: train on the human codes when there are enough (or
reuse the saved model when they have not changed), code every unit with the model and the
rules, record where each code came from, and estimate the corrected counts. Units, codes and
estimates are written in one transaction, so a failure leaves the previous coding in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from consultation import store
from consultation.codebook import Consultation, Question
from consultation.coding.engine import (
    CODE_COLUMNS,
    CodingEngine,
    UnitDecisions,
    code_units,
    codes_frame,
)
from consultation.coding.estimate import (
    N_BOOTSTRAP,
    estimate_from,
    estimate_inputs,
    store_estimates,
)
from consultation.coding.evaluate import (
    Evaluation,
    evaluate_consultation,
    evaluation_is_current,
    store_evaluation,
)
from consultation.coding.model import DEFAULT_SETTINGS, ModelSettings
from consultation.coding.training import prepare_engine
from consultation.parallel import PARALLEL_FROM, cores, fork_map
from consultation.progress import progress
from consultation.text import Lemmatizer, segment

__all__ = [
    "CODE_COLUMNS", "CodingSummary", "build_units", "code_and_evaluate", "code_consultation", "code_units",
]
MODELS_FOLDER = "models"

UNIT_COLUMNS = ["respondent_id", "question_id", "unit_no", "text"]


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


def build_units(question: Question, answers: pd.DataFrame) -> pd.DataFrame:
    """Units of coding: the whole answer, or each proposition for proposition-counted questions
    (each distinct answer is segmented once)."""
    texts = answers["text"].tolist()
    if question.unit != "propositions":
        return pd.DataFrame(
            {"respondent_id": answers["respondent_id"].to_numpy(), "question_id": question.id,
             "unit_no": np.zeros(len(texts), dtype=np.int64), "text": texts},
            columns=UNIT_COLUMNS,
        )
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    parts_of = [segment(t) or [t] for t in distinct]
    parts = [parts_of[c] for c in codes]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    return pd.DataFrame(
        {"respondent_id": np.repeat(answers["respondent_id"].to_numpy(), sizes), "question_id": question.id,
         "unit_no": np.arange(int(sizes.sum()), dtype=np.int64) - starts,
         "text": list(chain.from_iterable(parts))},
        columns=UNIT_COLUMNS,
    )


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
) -> CodingSummary:
    """Train (or reuse) the model, recode every answer, estimate corrected counts.

    `models_dir` is where the fitted model is saved (and found again); without it the model is
    trained in memory and not recorded. `workers`: processes coding questions side by side
    (default: one per core from PARALLEL_FROM answers on, else none).
    """
    cid = consultation.id
    version = store.codebook_version(con, cid)
    engine, training, trained = prepare_engine(
        con, consultation, lemmatizer, models_dir=models_dir, settings=settings, retrain=retrain
    )
    human_pairs = con.execute(
        "SELECT DISTINCT respondent_id, question_id FROM human_codes WHERE consultation_id = ?", [cid]
    ).df()
    regions = dict(con.execute(
        "SELECT respondent_id, region FROM respondents WHERE consultation_id = ?", [cid]
    ).fetchall())
    all_units, all_codes, estimates = [], [], []
    answers = {
        question.id: con.execute(
            "SELECT respondent_id, text FROM stg_answers WHERE consultation_id = ? AND question_id = ? "
            "ORDER BY respondent_id",
            [cid, question.id],
        ).df()
        for question in consultation.questions
    }
    decided = decide_questions(engine, answers, workers=workers)
    del answers
    for question in consultation.questions:
        units, codes, _ = decided[question.id]
        all_codes.append(codes)
        all_units.append(units)
    if estimate:
        inputs = {q.id: estimate_inputs(con, cid, q.id) for q in consultation.questions}

        def estimate_one(question: Question) -> pd.DataFrame:
            units, _, decisions = decided[question.id]
            coded_by_hand = set(human_pairs.loc[human_pairs["question_id"] == question.id, "respondent_id"])
            auto = ~units["respondent_id"].isin(coded_by_hand).to_numpy()
            auto_units = units.loc[auto, ["respondent_id"]].reset_index(drop=True)
            auto_units["region"] = auto_units["respondent_id"].map(regions)
            regions_of_question, human = inputs[question.id]
            return estimate_from(
                question, engine, training.get(question.id), auto_units, decisions.subset(auto),
                regions_of_question, human, n_bootstrap=n_bootstrap,
            )

        total = sum(len(decided[q.id][0]) for q in consultation.questions)
        estimates = fork_map(estimate_one, consultation.questions,
                             workers=workers if workers is not None else (None if total >= PARALLEL_FROM else 1))
    units_df = pd.concat(all_units, ignore_index=True) if all_units else pd.DataFrame(columns=UNIT_COLUMNS)
    codes_df = pd.concat(all_codes, ignore_index=True) if all_codes else pd.DataFrame(columns=CODE_COLUMNS)
    now = datetime.now()
    units_df.insert(0, "consultation_id", cid)
    codes_df.insert(0, "consultation_id", cid)
    codes_df["codebook_version"] = version
    codes_df["coded_at"] = now
    with store.transaction(con):
        con.execute("DELETE FROM auto_codes WHERE consultation_id = ?", [cid])
        con.execute("DELETE FROM units WHERE consultation_id = ?", [cid])
        store.insert_df(con, "units", units_df)
        store.insert_df(con, "auto_codes", codes_df)
        n_estimates = (
            store_estimates(con, cid, pd.concat(estimates, ignore_index=True), engine.model_version)
            if estimate else 0
        )
    summary = CodingSummary(units=len(units_df), model_version=engine.model_version, trained=trained)
    # Automatic codes and units to review count only answers without human codes: the human
    # codes win for the others, nobody will review or publish their automatic codes.
    automatic = codes_df
    if len(codes_df) and len(human_pairs):
        by_hand = pd.MultiIndex.from_frame(human_pairs[["respondent_id", "question_id"]])
        automatic = codes_df[~pd.MultiIndex.from_frame(codes_df[["respondent_id", "question_id"]]).isin(by_hand)]
    summary.by_source = {str(k): int(v) for k, v in automatic["source"].value_counts().items()}
    summary.needs_review = (
        int(automatic.drop_duplicates(["respondent_id", "question_id", "unit_no"])["needs_review"].sum())
        if len(automatic) else 0
    )
    summary.human_coded_answers = len(human_pairs)
    summary.engines = {q.id: engine.engine_of(q.id) for q in consultation.questions}
    summary.training_units = {qid: len(t) for qid, t in training.items()}
    summary.estimates = n_estimates
    if models_dir is not None and engine.model_version:
        summary.model_path = Path(models_dir) / f"{engine.model_version}.skops"
    return summary


def _version_for(engine: CodingEngine, question: Question) -> str | None:
    return engine.model_version if question.id in engine.models else None


# From PARALLEL_FROM answers, questions are coded in parallel processes (one per core).
BATCH = 20_000  # answers coded at once: bounded memory, and both cores busy to the end


def decide_questions(
    engine: CodingEngine, answers: dict[str, pd.DataFrame], *, workers: int | None = None
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, UnitDecisions]]:
    """Units, codes and decisions of each question (answers: question id -> respondent_id, text).

    Answers are coded in batches of BATCH answers; with several workers, forked processes share
    the engine and the answers without copying them (`parallel.fork_map`) and return each
    batch's units, codes and decision arrays. A progress bar shows answers per second on a
    terminal.
    """
    questions = [q for q in engine.consultation.questions if q.id in answers]
    total = sum(len(answers[q.id]) for q in questions)
    batches = [(q.id, start) for q in questions for start in range(0, len(answers[q.id]), BATCH)]
    if workers is None:
        workers = cores() if total >= PARALLEL_FROM else 1

    def decide(batch: tuple[str, int]) -> tuple[pd.DataFrame, pd.DataFrame, UnitDecisions]:
        qid, start = batch
        units, codes, decisions = _decide_batch(engine, qid, answers[qid].iloc[start : start + BATCH])
        return units, codes, decisions.for_estimates() if workers > 1 else decisions

    with progress(total, "Codage", unit="réponses") as advance:
        results = fork_map(decide, batches, workers=workers,
                           on_done=lambda batch, _: advance(min(BATCH, len(answers[batch[0]]) - batch[1])))
    done = dict(zip(batches, results, strict=True))
    out = {}
    for question in questions:
        parts = [done[b] for b in batches if b[0] == question.id]
        if not parts:
            parts = [_decide_batch(engine, question.id, answers[question.id])]
        out[question.id] = (
            pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True),
            UnitDecisions.concat([p[2] for p in parts]),
        )
    return out


def _decide_batch(
    engine: CodingEngine, question_id: str, answers: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, UnitDecisions]:
    question = next(q for q in engine.consultation.questions if q.id == question_id)
    units = build_units(question, answers)
    decisions = engine.decisions(question, units["text"].tolist())
    return units, codes_frame(question, units, decisions, _version_for(engine, question)), decisions


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
        retrain=retrain,
    )
    if summary.human_coded_answers and not evaluation_is_current(con, consultation, settings):
        summary.evaluation = evaluate_consultation(con, consultation, lemmatizer, settings=settings)
        store_evaluation(con, summary.evaluation)
    return summary
