"""What a run did, in the figures the reports use: answers by source of their codes, answers to
review, respondents added, outputs rewritten or unchanged.

The answer counts come from `publish.figures.coding_stats`, the query behind the reports' « Fiabilité des
chiffres » box, so the command line and the reports cannot disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from consultation.fmt import integer
from consultation.store import queries

#: How sources of codes are named for people (the database keeps the English keys).
SOURCE_LABELS = {"human": "humain", "model": "modèle", "rule": "règles"}

@dataclass(frozen=True)
class CodingFigures:
    """Answers to coded questions, split by the source of their final codes."""

    answers: int
    by_source: dict[str, int]  # 'human' | 'model' | 'rule' | 'none' (no code at all) -> answers
    to_review: int  # answers coded automatically (no human code) flagged for review

    def phrase(self) -> str:
        """« réponses aux questions codées : 311 — humain 300, modèle 9, règles 2 »."""
        parts = [f"{SOURCE_LABELS[s]} {integer(self.by_source.get(s, 0))}" for s in ("human", "model", "rule")]
        if self.by_source.get("none"):
            parts.append(f"sans code {integer(self.by_source['none'])}")
        return f"réponses aux questions codées : {integer(self.answers)} — " + ", ".join(parts)


def coding_figures(con: duckdb.DuckDBPyConnection, consultation_id: str) -> CodingFigures:
    from consultation.publish.figures import coding_stats

    by_source = queries.answers_by_source(con, consultation_id)
    stats = coding_stats(con, consultation_id).get(None)
    answers = stats.answers if stats else 0
    return CodingFigures(answers, by_source, stats.to_review if stats else 0)


def respondents_before(db: Path, consultation_id: str) -> int:
    """Respondents already in the database before a run (0 for a new database)."""
    if not db.exists():
        return 0
    from consultation import store

    con = store.connect(db, read_only=True)  # a notebook holding the file: a message, not a traceback
    try:
        has_table = queries.has_table(con, "respondents")
        return queries.respondent_count(con, consultation_id) if has_table else 0
    finally:
        con.close()


def snapshot(folders: Iterable[Path], files: Iterable[Path] = ()) -> dict[Path, str]:
    """Content hash of every file under `folders` (and of `files`): outputs before and after a run."""
    paths = [p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file()]
    paths += [p for p in files if p.is_file()]
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@dataclass(frozen=True)
class OutputChanges:
    written: int  # new or different content
    unchanged: int  # rewritten byte for byte the same (or left alone)
    removed: int

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


def compare(before: dict[Path, str], after: dict[Path, str]) -> OutputChanges:
    written = sum(1 for p, digest in after.items() if before.get(p) != digest)
    return OutputChanges(written, len(after) - written, sum(1 for p in before if p not in after))
