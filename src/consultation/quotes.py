"""Testimonies: the verbatim quotes of one region that illustrate each theme of a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

_SPACES = re.compile(r"\s+")

# The coded excerpt when there is one, else the whole answer (a code on '' means "all of it").
_QUOTES_SQL = """
SELECT c.theme_id, c.respondent_id, c.source, c.confidence,
       CASE WHEN trim(c.unit_text) <> '' THEN c.unit_text ELSE coalesce(a.text, '') END AS text
FROM stg_codes c
LEFT JOIN answers a USING (consultation_id, respondent_id, question_id)
WHERE c.consultation_id = ? AND c.region = ? AND c.question_id = ?
  AND (CAST(? AS VARCHAR) IS NULL OR c.theme_id = ?)
"""


@dataclass(frozen=True)
class _Candidate:
    theme_id: str
    respondent_id: str
    source: str
    confidence: float
    text: str

    def priority(self) -> tuple:
        """People's codes first, then the surest automatic ones; ties broken for stable output."""
        return (self.source != "human", -self.confidence, self.respondent_id, self.text)


def region_quotes(
    con: duckdb.DuckDBPyConnection,
    consultation_id: str,
    region: str,
    question_id: str,
    theme_id: str | None = None,
    max_per_theme: int = 4,
) -> dict[str, list[str]]:
    """Up to `max_per_theme` distinct quotes per theme, ordered by respondent then text.

    Deliberately simple (best codes first); choosing representative and diverse quotes is a
    later refinement that can replace `_choose` without changing this signature.
    """
    rows = con.execute(
        _QUOTES_SQL, [consultation_id, region, question_id, theme_id, theme_id]
    ).fetchall()
    by_theme: dict[str, list[_Candidate]] = {}
    for tid, rid, source, confidence, text in rows:
        clean = collapse_spaces(text)
        if clean:
            by_theme.setdefault(tid, []).append(_Candidate(tid, rid, source, confidence, clean))
    return {tid: _choose(cands, max_per_theme) for tid, cands in sorted(by_theme.items())}


def _choose(candidates: list[_Candidate], limit: int) -> list[str]:
    chosen: dict[str, _Candidate] = {}
    for cand in sorted(candidates, key=_Candidate.priority):
        if len(chosen) >= limit:
            break
        chosen.setdefault(cand.text, cand)
    return [c.text for c in sorted(chosen.values(), key=lambda c: (c.respondent_id, c.text))]


def collapse_spaces(text: str | None) -> str:
    """One space between words, none at the ends: quotes are shown inline in a table cell."""
    return _SPACES.sub(" ", text or "").strip()
