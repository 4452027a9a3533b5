"""What a run did, in the figures the reports use: answers by source of their codes, answers to
review, respondents added, outputs rewritten or unchanged.

The answer counts come from `report.coding_stats`, the query behind the reports' « Fiabilité des
chiffres » box, so the command line and the reports cannot disagree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

#: How sources of codes are named for people (the database keeps the English keys).
SOURCE_LABELS = {"human": "humain", "model": "modèle", "rule": "règles"}

# One row per answer to a coded question: the source its final codes come from. Human codes win
# (final_codes keeps only them when an answer has any); otherwise the model when it coded any of
# the answer's units, else the rules.
_ANSWER_SOURCES_SQL = """
WITH answered AS (
    SELECT a.respondent_id, a.question_id
    FROM stg_answers a JOIN questions q USING (consultation_id, question_id)
    WHERE a.consultation_id = ? AND q.unit <> 'free_text'
),
sources AS (
    SELECT respondent_id, question_id,
           CASE WHEN bool_or(source = 'human') THEN 'human'
                WHEN bool_or(source = 'model') THEN 'model' ELSE 'rule' END AS source
    FROM final_codes WHERE consultation_id = ?
    GROUP BY ALL
)
SELECT coalesce(s.source, 'none') AS source, count(*) AS answers
FROM answered a LEFT JOIN sources s USING (respondent_id, question_id)
GROUP BY ALL
"""


@dataclass(frozen=True)
class CodingFigures:
    """Answers to coded questions, split by the source of their final codes."""

    answers: int
    by_source: dict[str, int]  # 'human' | 'model' | 'rule' | 'none' (no code at all) -> answers
    to_review: int  # answers coded automatically (no human code) flagged for review

    def phrase(self) -> str:
        """« réponses aux questions codées : 311 — humain 300, modèle 9, règles 2 »."""
        parts = [f"{SOURCE_LABELS[s]} {self.by_source.get(s, 0)}" for s in ("human", "model", "rule")]
        if self.by_source.get("none"):
            parts.append(f"sans code {self.by_source['none']}")
        return f"réponses aux questions codées : {self.answers} — " + ", ".join(parts)


def coding_figures(con: duckdb.DuckDBPyConnection, consultation_id: str) -> CodingFigures:
    from consultation.publish.report import coding_stats

    by_source = {str(s): int(n) for s, n in con.execute(_ANSWER_SOURCES_SQL, [consultation_id] * 2).fetchall()}
    stats = coding_stats(con, consultation_id).get(None)
    answers = stats.answers if stats else 0
    return CodingFigures(answers, by_source, stats.to_review if stats else 0)


def respondent_count(con: duckdb.DuckDBPyConnection, consultation_id: str) -> int:
    return int((con.execute(
        "SELECT count(*) FROM respondents WHERE consultation_id = ?", [consultation_id]
    ).fetchone() or (0,))[0])


def respondents_before(db: Path, consultation_id: str) -> int:
    """Respondents already in the database before a run (0 for a new database)."""
    if not db.exists():
        return 0
    from consultation import store

    con = store.connect(db, read_only=True)  # a notebook holding the file: a message, not a traceback
    try:
        has_table = (con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'respondents'"
        ).fetchone() or (0,))[0]
        return respondent_count(con, consultation_id) if has_table else 0
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
