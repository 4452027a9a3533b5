"""Reads the CLI, the pipeline, run summaries, notebooks and the quote selection need, kept in the
store layer so that no command, chart or helper writes SQL of its own (tests/test_sql_homes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import duckdb

from consultation.store import scalar

if TYPE_CHECKING:
    import pandas as pd

    from consultation.codebook import Consultation


def respondent_count(con: duckdb.DuckDBPyConnection, consultation_id: str) -> int:
    return int(scalar(con, "SELECT count(*) FROM respondents WHERE consultation_id = ?", [consultation_id]))


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the file has this table yet (a database the first ingestion has not reached)."""
    return bool(int(scalar(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name])))


def training_unit_count(con: duckdb.DuckDBPyConnection, consultation_id: str) -> int:
    """Units coded by hand: what agreement with human coders is measured on."""
    return int(scalar(con, "SELECT count(*) FROM training_units WHERE consultation_id = ?", [consultation_id]))


def recoded_since(con: duckdb.DuckDBPyConnection, consultation: Consultation, since: datetime) -> dict[str, int]:
    """Per question, the answers whose automatic codes were written at or after `since`."""
    rows = dict(con.execute(
        "SELECT question_id, count(DISTINCT respondent_id) FROM auto_codes "
        "WHERE consultation_id = ? AND coded_at >= ? GROUP BY ALL",
        [consultation.id, since],
    ).fetchall())
    return {q.id: int(rows.get(q.id, 0)) for q in consultation.questions}


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


def answers_by_source(con: duckdb.DuckDBPyConnection, consultation_id: str) -> dict[str, int]:
    """Answers to coded questions by the source of their final codes: 'human' | 'model' | 'rule' |
    'none' (no code at all)."""
    return {str(s): int(n) for s, n in con.execute(_ANSWER_SOURCES_SQL, [consultation_id] * 2).fetchall()}


def coded_units_with_themes(con: duckdb.DuckDBPyConnection, consultation_id: str) -> pd.DataFrame:
    """One row per unit of the final codes with the labels of its themes (question_id,
    respondent_id, unit_key, text, themes); a human code on the whole answer has no text of its
    own, so it shows the answer's."""
    rows = con.execute(
        "SELECT f.question_id, f.respondent_id, f.unit_key, "
        "any_value(CASE WHEN trim(f.unit_text) = '' THEN a.text ELSE f.unit_text END), "
        "list(DISTINCT t.label ORDER BY t.label) "
        "FROM final_codes f JOIN themes t USING (consultation_id, question_id, theme_id) "
        "JOIN stg_answers a USING (consultation_id, respondent_id, question_id) "
        "WHERE f.consultation_id = ? GROUP BY ALL", [consultation_id],
    ).fetchdf()
    rows.columns = ["question_id", "respondent_id", "unit_key", "text", "themes"]
    return rows



# Candidate testimonies (publish/quotes.py chooses among them): per question, theme and region,
# at most `max_candidates` coded excerpts, human codes first, then confident automatic ones,
# in a stable pseudo-random order.
_QUOTE_CANDIDATES_SQL = """
WITH drawn AS (
    SELECT question_id, theme_id, respondent_id, region, source, confidence, unit_text, whole_themes,
           row_number() OVER (PARTITION BY question_id, theme_id, region ORDER BY pick_key) AS pick
    FROM (
        SELECT *, (CASE WHEN source = 'human' THEN 0 WHEN confidence >= ? THEN 1 ELSE 2 END)::UBIGINT << 62
                  | hash(respondent_id, unit_key) >> 2 AS pick_key,
               -- the themes coded on the whole answer: several make it a multi-topic answer
               list(CASE WHEN trim(unit_text) = '' THEN theme_id END)
                   OVER (PARTITION BY question_id, respondent_id) AS whole_themes
        FROM stg_codes
        WHERE consultation_id = ? AND (CAST(? AS VARCHAR) IS NULL OR question_id = ?)
    )
),
picked AS (
    SELECT d.question_id, d.theme_id, d.respondent_id, d.region, d.source, d.confidence,
           CASE WHEN trim(d.unit_text) <> '' THEN d.unit_text ELSE coalesce(a.text, '') END AS text,
           CASE WHEN trim(d.unit_text) = '' THEN d.whole_themes ELSE [] END AS whole_themes,
           CASE WHEN trim(d.unit_text) <> '' THEN a.text END AS answer  -- an excerpt's context
    FROM drawn d
    LEFT JOIN answers a
      ON a.consultation_id = ? AND a.respondent_id = d.respondent_id AND a.question_id = d.question_id
    WHERE d.pick <= ?
)
SELECT * FROM picked
WHERE trim(text) <> ''
ORDER BY question_id, theme_id, respondent_id, text
"""


def quote_candidates(
    con: duckdb.DuckDBPyConnection, consultation_id: str, question_id: str | None,
    high_confidence: float, max_candidates: int,
) -> list[tuple]:
    """(question_id, theme_id, respondent_id, region, source, confidence, text, whole_themes,
    answer) rows, ordered by question, theme, respondent and text."""
    return con.execute(
        _QUOTE_CANDIDATES_SQL,
        [high_confidence, consultation_id, question_id, question_id, consultation_id, max_candidates],
    ).fetchall()


def theme_labels(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[tuple[str, str, str]]:
    """(question_id, theme_id, label) of every theme of the consultation."""
    return con.execute(
        "SELECT question_id, theme_id, label FROM themes WHERE consultation_id = ?", [consultation_id]
    ).fetchall()


def structure_names(con: duckdb.DuckDBPyConnection, consultation_id: str) -> list[str]:
    """Every responding structure's name, sorted (the redactor masks them in what is published)."""
    rows = con.execute(
        "SELECT DISTINCT structure_name FROM respondents "
        "WHERE consultation_id = ? AND structure_name IS NOT NULL ORDER BY 1",
        [consultation_id],
    ).fetchall()
    return [r[0] for r in rows]
