"""Counts per question, theme and scope, read from the layered tally views."""

from __future__ import annotations

import duckdb
import pandas as pd

TALLY_COLUMNS = [
    "question_id", "section", "unit", "theme_id", "label", "category", "is_other",
    "scope_kind", "scope", "respondents_answered", "respondents_citing", "mentions", "count",
    "share_pct", "rank",
]


def tally(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    *,
    scope_kind: str = "national",
    scope: str | None = None,
    question_id: str | None = None,
) -> pd.DataFrame:
    """One row per (question, theme) in the scope, in questionnaire and codebook order."""
    sql = (
        f"SELECT {', '.join(TALLY_COLUMNS)} FROM tally "  # noqa: S608 - fixed column list
        "WHERE consultation_id = ? AND scope_kind = ?"
    )
    params: list[object] = [consultation_id, scope_kind]
    if scope is not None:
        sql += " AND scope = ?"
        params.append(scope)
    if question_id is not None:
        sql += " AND question_id = ?"
        params.append(question_id)
    sql += " ORDER BY question_position, scope, theme_position"
    return con.execute(sql, params).df()


def national_counts(con: duckdb.DuckDBPyConnection, consultation_id: str) -> dict[tuple[str, str], int]:
    """{(question_id, theme label): count} — the figures the reference document publishes."""
    df = tally(con, consultation_id)
    return {(q, label): int(c) for q, label, c in zip(df["question_id"], df["label"], df["count"], strict=True)}


def regions(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT region FROM respondents WHERE consultation_id = ? ORDER BY region", [consultation_id]
    ).fetchall()
    return [r[0] for r in rows]
