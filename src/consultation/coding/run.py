"""The one coding path of every runner: `consultation run`/`code`, `pipeline.run` and the Prefect flows.

A coding run is four steps, each a function of this module:

1. **Change detection and plan** (`plan_coding`): the answers without a current automatic code
   (`pending_units`: new, re-ingested, coded with an older codebook or before the latest model),
   or every answer with `recode_all`, cut into units and into batches (`split_batches`: an
   answer's units stay together). Each batch is written as a Parquet units file in a batch folder.
2. **Coding a batch** (`code_batch_file`): read a units file, code it with the engine (model where
   it has learned enough, rules elsewhere, « Autres » when nothing applies), write a codes file and
   a decisions file beside it (what the corrected counts need per unit: chosen themes, « Autres »,
   the model's raw scores). No database access: any process or machine sharing the folder can do it.
3. **Where batches execute** is a seam (`BatchRunner`): `LocalProcesses` (default; processes forked
   from this one, which share the engine without pickling it) or, in the Prefect flows, one task
   per batch on the flow's task runner (a Dask cluster when `CONSULTATION_DASK_ADDRESS` is set, see
   `flows/settings.py`); a Dask worker rebuilds the engine from the model file (`worker_engine`).
4. **Writing** (`write_codes`): DuckDB reads the units, codes and decisions files itself (the
   writing process never holds every batch at once) and stores them in `units`, `auto_codes` and
   `unit_decisions`; the corrected counts are then estimated from the stored decisions
   (`estimate.estimate_consultation`): after +1,000 answers, only the new units were decided.

Transaction policy: one transaction per coding run. The units and automatic codes of every answer
in the plan are replaced (all of the consultation's with `recode_all`), and the corrected counts
are estimated again and replaced, in a single DuckDB transaction: a reader sees the previous
coding or the new one, never a mix, and a failure leaves the previous coding in place. Batch files
are written outside the transaction; they are named after what decides their codes, so a run that
died after coding finds them again; they are removed once the transaction has committed.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from consultation import store
from consultation.codebook import Consultation, Question
from consultation.coding.engine import CODE_COLUMNS, CodingEngine, UnitDecisions, codes_frame
from consultation.coding.estimate import N_BOOTSTRAP, estimate_consultation, store_estimates
from consultation.parallel import PARALLEL_FROM, cores, fork_map
from consultation.text import segment

if TYPE_CHECKING:
    from consultation.coding.training import TrainingUnits
    from consultation.text import Lemmatizer

UNIT_COLUMNS = ["respondent_id", "question_id", "unit_no", "text"]
BATCH_SIZE = 20_000  # units coded at once by default: bounded memory, and every core busy to the end


# --------------------------------------------------------------------------
# 1. What to code
# --------------------------------------------------------------------------


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


# Answers with a current automatic code, as one anti-join (a correlated NOT EXISTS is planned as a
# per-answer probe: seconds at 1M answers); texts are read only for the pending answers.
_PENDING_ANSWERS = """
WITH current_codes AS (
    SELECT DISTINCT respondent_id, question_id FROM auto_codes
    WHERE consultation_id = $cid
      AND list_contains($current_versions, question_id || ':' || codebook_version)
      AND ($model_created_at IS NULL OR coded_at >= $model_created_at)
), pending AS (
    SELECT a.respondent_id, a.question_id FROM answers a
    ANTI JOIN current_codes c USING (respondent_id, question_id)
    WHERE a.consultation_id = $cid AND list_contains($questions, a.question_id) AND NOT $recode_all
)
SELECT a.respondent_id, a.question_id, a.text
FROM stg_answers a
WHERE a.consultation_id = $cid
  AND list_contains($questions, a.question_id)
  AND ($recode_all OR (a.respondent_id, a.question_id) IN (SELECT (respondent_id, question_id) FROM pending))
ORDER BY a.question_id, a.respondent_id
"""


def pending_units(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, *, recode_all: bool = False
) -> pd.DataFrame:
    """Units of the answers that have no current automatic code, in a stable order (question, then
    respondent, then unit).

    Pending: answers never coded (new, or re-ingested: ingestion drops their codes), coded with a
    codebook version whose coding of their question differs from the current one (a theme added,
    removed, or its label, description, keywords or examples changed: `store.current_versions`;
    the other questions' answers stay as they are), or coded before the latest recorded model was
    trained (a codebook change retrains the model, so with a model every answer is coded again).
    """
    from consultation.coding.model_state import latest_model

    model = latest_model(con, consultation.id)
    answers = con.execute(
        _PENDING_ANSWERS,
        {
            "cid": consultation.id,
            "questions": [q.id for q in consultation.questions],
            "recode_all": recode_all,
            "current_versions": [
                f"{qid}:{v}" for qid, versions in store.current_versions(con, consultation).items() for v in versions
            ],
            "model_created_at": model.created_at if model else None,
        },
    ).df()
    frames = []
    for question in consultation.questions:
        mine = answers[answers["question_id"] == question.id]
        if len(mine):
            frames.append(build_units(question, mine.reset_index(drop=True)))
    if not frames:
        return pd.DataFrame(columns=UNIT_COLUMNS)
    return pd.concat(frames, ignore_index=True)[UNIT_COLUMNS]


def split_batches(units: pd.DataFrame, batch_size: int) -> list[pd.DataFrame]:
    """Consecutive batches of at most `batch_size` units; the units of one answer stay together
    (an answer with more propositions than that is a batch of its own).

    Keeping an answer whole lets a batch be written or retried on its own; the same pending
    units always give the same batches, so finished batch files are found again.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if units.empty:
        return []
    keys = units["question_id"].astype(str) + "\x1f" + units["respondent_id"].astype(str)
    answer_starts = [*np.flatnonzero(keys.ne(keys.shift()).to_numpy()).tolist(), len(units)]
    batches, start = [], 0
    for answer_start, answer_end in itertools.pairwise(answer_starts):
        if answer_end - start > batch_size and answer_start > start:
            batches.append(units.iloc[start:answer_start].reset_index(drop=True))
            start = answer_start
    batches.append(units.iloc[start:].reset_index(drop=True))
    return batches


def batch_size_for(units: int, requested: int, max_batches: int | None = None) -> int:
    """The batch size used: the one requested, raised so that there are about `max_batches`
    batches at most (answers are kept whole, so a few more at worst)."""
    return max(requested, math.ceil(units / max_batches)) if max_batches else requested


@dataclass
class BatchFiles:
    """One batch: its units file (written by the plan), the codes and decisions files a worker writes."""

    units: str
    codes: str
    decisions: str
    size: int  # units
    answers: int

    @property
    def done(self) -> bool:
        return Path(self.codes).exists() and Path(self.decisions).exists()

    def remove(self) -> None:
        for name in (self.units, self.codes, self.decisions):
            Path(name).unlink(missing_ok=True)


@dataclass
class CodingPlan:
    """What a run codes, decided from the database (never from a cache)."""

    consultation_id: str
    recode_all: bool
    model_version: str | None
    answers: int
    units: int
    batches: list[BatchFiles]


def write_batch_file(frame: pd.DataFrame | pa.Table, path: str | Path) -> Path:
    """Write a batch file as Parquet, atomically: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, partial)
    partial.replace(path)
    return path


def plan_coding(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    folder: str | Path,
    *,
    coder_key: str,
    recode_all: bool = False,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> CodingPlan:
    """The pending units (all with `recode_all`), split into batches written under `folder`.

    `coder_key` is everything besides a batch's own units that decides its codes (codebook,
    model, software): with the units' content it names the batch files, so that files left by an
    interrupted run are reused only when they would be coded the same way. `batch_size`: units
    per batch (default BATCH_SIZE; an answer's units stay together). `max_batches`: the
    batch size is raised so that there are about that many batches at most.
    """
    from consultation.store.fingerprints import frame_fingerprint, inputs_hash

    units = pending_units(con, consultation, recode_all=recode_all)
    folder = Path(folder)
    batches = []
    for batch in split_batches(units, batch_size_for(len(units), batch_size or BATCH_SIZE, max_batches)):
        key = inputs_hash(coder_key, frame_fingerprint(batch))[:24]
        unit_file = folder / f"units-{key}.parquet"
        if not unit_file.exists():
            write_batch_file(batch, unit_file)
        answers = len(batch[["respondent_id", "question_id"]].drop_duplicates())
        batches.append(BatchFiles(
            str(unit_file), str(folder / f"codes-{key}.parquet"), str(folder / f"decisions-{key}.parquet"),
            len(batch), answers,
        ))
    return CodingPlan(
        consultation.id, recode_all, None, sum(b.answers for b in batches), len(units), batches,
    )


# --------------------------------------------------------------------------
# 2. Coding one batch
# --------------------------------------------------------------------------


DECISIONS_SCHEMA = pa.schema([
    ("respondent_id", pa.string()), ("question_id", pa.string()), ("unit_no", pa.int64()),
    ("chosen", pa.list_(pa.bool_())), ("other", pa.bool_()), ("scores", pa.list_(pa.float64())),
])


def _decisions_table(question_id: str, units: pd.DataFrame, d: UnitDecisions) -> pa.Table:
    """What the corrected counts need per unit, as Parquet-ready columns (lists per theme)."""
    n, k = d.chosen.shape
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * k)
    chosen = pa.ListArray.from_arrays(offsets, pa.array(d.chosen.ravel(), type=pa.bool_()))
    if d.scores is not None:
        scores = pa.ListArray.from_arrays(offsets, pa.array(d.scores.ravel(), type=pa.float64()))
    else:
        scores = pa.nulls(n, type=pa.list_(pa.float64()))
    return pa.Table.from_pydict({
        "respondent_id": pa.array(units["respondent_id"].astype(str).to_numpy(), type=pa.string()),
        "question_id": pa.array([question_id] * n, type=pa.string()),
        "unit_no": pa.array(units["unit_no"].to_numpy(dtype=np.int64)),
        "chosen": chosen,
        "other": pa.array(d.other, type=pa.bool_()),
        "scores": scores,
    }, schema=DECISIONS_SCHEMA)


def code_batch_file(engine: CodingEngine, batch: BatchFiles, *, refresh: bool = False) -> bool:
    """Code one batch from its units file into its codes and decisions files.

    Returns False when both files were already there (a batch finished by an earlier,
    interrupted run) and `refresh` is not asked, True when it was coded now.
    """
    if batch.done and not refresh:
        return False
    units = pd.read_parquet(batch.units)
    codes, tables = [], []
    for question in engine.consultation.questions:
        mine = units[units["question_id"] == question.id].reset_index(drop=True)
        if not len(mine):
            continue
        d = engine.decisions(question, mine["text"].tolist())
        version = engine.model_version if question.id in engine.models else None
        codes.append(codes_frame(question, mine, d, version))
        tables.append(_decisions_table(question.id, mine, d))
    codes_df = pd.concat(codes, ignore_index=True) if codes else pd.DataFrame(columns=CODE_COLUMNS)
    write_batch_file(codes_df.astype({"model_version": object}), batch.codes)
    write_batch_file(pa.concat_tables(tables) if tables else DECISIONS_SCHEMA.empty_table(), batch.decisions)
    return True


# Per thread (a flow's thread pool) or per process (a Dask worker): one spaCy pipeline, costly to
# load for every batch, and the model file it codes with.
_local = threading.local()


def worker_engine(consultation: Consultation, model_path: str | None, model_version: str | None) -> CodingEngine:
    """The engine a worker that did not train it codes with: rules, and the model read from
    `model_path` (on a cluster of several machines, the processed folder must be shared)."""
    from consultation.coding.training import load_models

    lemmatizer = worker_lemmatizer()
    if model_path is not None and getattr(_local, "model_path", None) != model_path:
        _local.models, _local.model_path = load_models(Path(model_path)), model_path
    models = _local.models if model_path is not None else {}
    return CodingEngine(consultation, lemmatizer, models, model_version if models else None)


def worker_lemmatizer() -> Lemmatizer:
    """This thread's lemmatizer, loaded on first use (spaCy's lemma tables, not its pipeline:
    `text.load_lemmatizer`)."""
    from consultation.text import load_lemmatizer

    if getattr(_local, "lemmatizer", None) is None:
        _local.lemmatizer = load_lemmatizer()
    return _local.lemmatizer


# --------------------------------------------------------------------------
# 3. Where batches execute
# --------------------------------------------------------------------------


class BatchRunner(Protocol):
    """Codes every batch of a plan (each with `code_batch_file`) and says which were coded now."""

    def __call__(
        self, engine: CodingEngine, batches: Sequence[BatchFiles], on_done: Callable[[BatchFiles], None]
    ) -> list[bool]: ...


@dataclass
class LocalProcesses:
    """Batches coded in processes forked from this one (`parallel.fork_map`): they see the engine
    as it is in memory, models trained without being saved included. `workers`: default one per
    core from PARALLEL_FROM units on, else none (everything here, in order)."""

    workers: int | None = None
    refresh: bool = False

    def __call__(
        self, engine: CodingEngine, batches: Sequence[BatchFiles], on_done: Callable[[BatchFiles], None]
    ) -> list[bool]:
        workers = self.processes(sum(b.size for b in batches), len(batches))
        return fork_map(lambda b: code_batch_file(engine, b, refresh=self.refresh), batches, workers=workers,
                        on_done=lambda b, _: on_done(b))

    def processes(self, units: int, batches: int) -> int:
        """How many processes code `batches` batches holding `units` units (1: this one alone)."""
        wanted = self.workers if self.workers is not None else (cores() if units >= PARALLEL_FROM else 1)
        return max(1, min(wanted, batches))


# --------------------------------------------------------------------------
# 4. Writing, estimates included, in one transaction
# --------------------------------------------------------------------------


@dataclass
class CodingWrite:
    """What one write stored: shown in the run summaries."""

    answers: int = 0
    units: int = 0
    codes: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0  # units flagged for review (answers without human codes)
    estimates: int = 0  # corrected counts stored afresh


def write_codes(
    con: duckdb.DuckDBPyConnection,
    engine: CodingEngine,
    plan: CodingPlan,
    *,
    training: dict[str, TrainingUnits] | None = None,
    estimate: bool = True,
    n_bootstrap: int = N_BOOTSTRAP,
    coded_at: datetime | None = None,
) -> CodingWrite:
    """Store the plan's coded batches and, with `estimate`, the corrected counts (`training`: the
    human-coded units the engine was calibrated on), in one transaction; then remove the files."""
    consultation = engine.consultation
    cid = consultation.id
    if not plan.batches and not plan.recode_all:
        return CodingWrite()
    result = CodingWrite()
    views = {
        "_write_units": ([b.units for b in plan.batches], UNIT_COLUMNS),
        "_write_codes": ([b.codes for b in plan.batches], CODE_COLUMNS),
        "_write_decisions": ([b.decisions for b in plan.batches], list(DECISIONS_SCHEMA.names)),
    }
    con.execute("SELECT NULL").fetchall()  # closes a caller's unfinished result before new views
    for view, (files, columns) in views.items():
        if files:
            con.read_parquet(files, union_by_name=True).select(*columns).create_view(view)
    try:
        if plan.batches:
            result = _summarise(con, cid)
        version = store.codebook_version(con, cid)
        stamp = coded_at or datetime.now()
        unit_cols, code_cols = ", ".join(UNIT_COLUMNS), ", ".join(CODE_COLUMNS)
        with store.transaction(con):
            for table in ("auto_codes", "units", "unit_decisions"):
                if plan.recode_all:
                    con.execute(f"DELETE FROM {table} WHERE consultation_id = ?", [cid])  # noqa: S608 - fixed names
                else:
                    con.execute(
                        f"DELETE FROM {table} WHERE consultation_id = ? AND (respondent_id, question_id) IN "  # noqa: S608
                        "(SELECT DISTINCT (respondent_id, question_id) FROM _write_units)",
                        [cid],
                    )
            if plan.batches:
                con.execute(
                    f"INSERT INTO units (consultation_id, {unit_cols}) SELECT ?, {unit_cols} FROM _write_units",  # noqa: S608
                    [cid],
                )
                con.execute(
                    f"INSERT INTO auto_codes (consultation_id, {code_cols}, codebook_version, coded_at) "  # noqa: S608
                    f"SELECT ?, {code_cols}, ?, ? FROM _write_codes",
                    [cid, version, stamp],
                )
                con.execute(
                    "INSERT INTO unit_decisions SELECT ?, respondent_id, question_id, unit_no, chosen, other, "
                    "scores, ?, ? FROM _write_decisions",
                    [cid, engine.model_version, version],
                )
            if estimate:
                frame = estimate_consultation(con, engine, training or {}, n_bootstrap=n_bootstrap)
                result.estimates = store_estimates(con, cid, frame, engine.model_version)
    finally:
        for view in views:
            con.execute(f"DROP VIEW IF EXISTS {view}")  # noqa: S608, RUF100 - one of the three names above
    for batch in plan.batches:
        batch.remove()
    return result


def _summarise(con: duckdb.DuckDBPyConnection, cid: str) -> CodingWrite:
    """Counts of what is being written; codes by source and units to review count only answers
    without human codes (the human codes win for the others, nobody reviews them)."""
    result = CodingWrite(
        units=int(con.execute("SELECT count(*) FROM _write_units").fetchall()[0][0]),
        codes=int(con.execute("SELECT count(*) FROM _write_codes").fetchall()[0][0]),
    )
    result.answers = int(con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT respondent_id, question_id FROM _write_units)"
    ).fetchall()[0][0])
    automatic = (
        "(SELECT * FROM _write_codes c WHERE NOT EXISTS (SELECT 1 FROM human_codes h "
        "WHERE h.consultation_id = $cid AND h.respondent_id = c.respondent_id "
        "AND h.question_id = c.question_id))"
    )
    result.by_source = {
        str(k): int(v) for k, v in con.execute(
            f"SELECT source, count(*) FROM {automatic} GROUP BY source ORDER BY source", {"cid": cid}  # noqa: S608
        ).fetchall()
    }
    result.needs_review = int(con.execute(
        f"SELECT count(*) FROM (SELECT respondent_id, question_id, unit_no FROM {automatic} "  # noqa: S608
        "GROUP BY ALL HAVING bool_or(needs_review))",
        {"cid": cid},
    ).fetchall()[0][0])
    return result


def coder_key(consultation: Consultation, model_version: str | None) -> str:
    """What decides a batch's codes besides its units: the consultation file, the software, the model."""
    from consultation.store.fingerprints import (
        consultation_fingerprint,
        inputs_hash,
        software_fingerprint,
    )

    return inputs_hash(consultation_fingerprint(consultation), software_fingerprint(), model_version)

