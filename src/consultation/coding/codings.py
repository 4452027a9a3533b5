"""Every answer's final themes, with where each came from: the table `export codings` writes."""

from __future__ import annotations

import duckdb
import pandas as pd

CODING_COLUMNS = [
    "respondent_id", "region", "structure_type", "question_id", "unit_key", "unit_text", "theme_id",
    "theme_label", "source", "confidence", "needs_review", "model_version", "codebook_version",
]


def final_codings(
    con: duckdb.DuckDBPyConnection, consultation_id: str, *, question_id: str | None = None
) -> pd.DataFrame:
    """One row per (unit, theme) as the tallies count them: human codes where an answer has any,
    else the automatic codes (source 'rule' or 'model', confidence, needs_review)."""
    sql = f"SELECT {', '.join(CODING_COLUMNS)} FROM coding_export WHERE consultation_id = ?"  # noqa: S608 - fixed columns
    params: list[object] = [consultation_id]
    if question_id is not None:
        sql += " AND question_id = ?"
        params.append(question_id)
    sql += " ORDER BY question_position, respondent_id, unit_key, theme_position"
    return con.execute(sql, params).df()
