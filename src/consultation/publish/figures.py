"""The reports' figures, read from the database: respondents per region, coding statistics, the
latest agreement with human coders, whether corrected counts exist and the draw of initiatives. A query module: `report.py` builds and renders from what these return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import duckdb

from consultation.codebook import Consultation


@dataclass(frozen=True)
class CodingStats:
    answers: int  # answers to coded questions
    human: int  # of which coded by hand
    to_review: int  # automatic codes flagged for review
    sources: tuple[str, ...]  # automatic sources used: 'rule', 'model'

    @property
    def human_share(self) -> float:
        return 100.0 * self.human / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class Evaluation:
    model_version: str
    n_units: int
    micro_f1: float | None
    kappa: float | None


_CODING_SQL = """
WITH answered AS (
    SELECT a.respondent_id, a.question_id, a.region
    FROM stg_answers a JOIN questions q USING (consultation_id, question_id)
    WHERE a.consultation_id = ? AND q.unit <> 'free_text'
),
human AS (SELECT DISTINCT respondent_id, question_id FROM human_codes WHERE consultation_id = ?),
review AS (
    SELECT DISTINCT respondent_id, question_id FROM final_codes
    WHERE consultation_id = ? AND needs_review AND source <> 'human'
)
SELECT a.region, grouping(a.region) AS is_total, count(*) AS answers,
       count(h.respondent_id) AS human, count(r.respondent_id) AS review
FROM answered a
LEFT JOIN human h USING (respondent_id, question_id)
LEFT JOIN review r USING (respondent_id, question_id)
GROUP BY ROLLUP (a.region)
"""


def respondent_counts(con: duckdb.DuckDBPyConnection, consultation_id: str) -> dict[str, int]:
    return {r: int(n) for r, n in con.execute(
        "SELECT region, count(*) FROM respondents WHERE consultation_id = ? GROUP BY region",
        [consultation_id],
    ).fetchall()}


def coding_stats(con: duckdb.DuckDBPyConnection, consultation_id: str) -> dict[str | None, CodingStats]:
    """Share coded by hand and answers to review, per region and nationally (key None)."""
    sources = tuple(r[0] for r in con.execute(
        "SELECT DISTINCT source FROM final_codes WHERE consultation_id = ? AND source <> 'human' ORDER BY 1",
        [consultation_id],
    ).fetchall())
    out: dict[str | None, CodingStats] = {}
    for region, is_total, answers, human, review in con.execute(
        _CODING_SQL, [consultation_id] * 3
    ).fetchall():
        out[None if is_total else region] = CodingStats(int(answers), int(human), int(review), sources)
    return out


def latest_evaluation(con: duckdb.DuckDBPyConnection, consultation_id: str) -> Evaluation | None:
    """The latest measure of agreement with human coders: all questions together, or their
    average weighted by units when only per-question rows exist."""
    row = con.execute(
        """
        WITH latest AS (
            SELECT model_version FROM evaluations WHERE consultation_id = ?
            ORDER BY created_at DESC, model_version DESC LIMIT 1
        )
        SELECT e.model_version,
               coalesce(max(e.n_units) FILTER (WHERE e.question_id IS NULL), sum(e.n_units)),
               coalesce(max(e.micro_f1) FILTER (WHERE e.question_id IS NULL),
                        sum(e.micro_f1 * e.n_units) / nullif(sum(e.n_units) FILTER (WHERE e.micro_f1 IS NOT NULL), 0)),
               coalesce(max(e.kappa) FILTER (WHERE e.question_id IS NULL),
                        sum(e.kappa * e.n_units) / nullif(sum(e.n_units) FILTER (WHERE e.kappa IS NOT NULL), 0))
        FROM evaluations e JOIN latest USING (model_version)
        WHERE e.consultation_id = ?
        GROUP BY e.model_version
        """,
        [consultation_id, consultation_id],
    ).fetchone()
    if not row:
        return None
    return Evaluation(row[0], int(row[1] or 0), _opt(row[2]), _opt(row[3]))


def _opt(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def has_estimates(con: duckdb.DuckDBPyConnection, consultation_id: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM count_estimates WHERE consultation_id = ? AND ci_high > ci_low",
        [consultation_id],
    ).fetchone()
    return bool(row and row[0])


class Drawn(NamedTuple):
    """One initiative of the draw: `pick` is its rank in its region's random order."""

    region: str
    text: str
    follow_up: str | None
    pick: int


# A region's initiatives in a reproducible random order (a hash of the respondent), the first
# `per_region` kept; printed in respondent order, as when every initiative is printed.
_INITIATIVES_SQL = """
WITH drawn AS (
    SELECT region, respondent_id, text, follow_up,
           row_number() OVER (PARTITION BY region ORDER BY hash(respondent_id), respondent_id) AS pick
    FROM stg_answers
    WHERE consultation_id = ? AND question_id = ?
)
SELECT region, text, follow_up, pick FROM drawn WHERE pick <= ? ORDER BY respondent_id
"""


def load_initiatives(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, per_region: int
) -> dict[str, list[Drawn]]:
    """Each free-text section's answers, a reproducible random draw of `per_region` per region."""
    out: dict[str, list[Drawn]] = {}
    for section in consultation.free_text:
        rows = con.execute(_INITIATIVES_SQL, [consultation.id, section.id, per_region]).fetchall()
        out[section.id] = [Drawn(r, t, (f or "").strip() or None, int(k)) for r, t, f, k in rows]
    return out


def initiative_totals(con: duckdb.DuckDBPyConnection, consultation: Consultation) -> dict[str, dict[str, int]]:
    rows = con.execute(
        "SELECT question_id, region, count(*) FROM stg_answers WHERE consultation_id = ? GROUP BY ALL",
        [consultation.id],
    ).fetchall()
    sections = {f.id for f in consultation.free_text}
    out: dict[str, dict[str, int]] = {}
    for qid, region, n in rows:
        if qid in sections:
            out.setdefault(qid, {})[region] = int(n)
    return out
