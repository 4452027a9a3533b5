"""Which export files named by consultation.yaml are new or changed since they were recorded in
`source_files`, and ingesting them one at a time (the nightly flow's ingest step).

Answered from the database itself, so that a deleted database means "redo everything", never
"nothing to do". No Prefect here: `flows/ingest_flow.py` calls these functions, and a notebook can too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from consultation.codebook import Consultation, SourceFile
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
