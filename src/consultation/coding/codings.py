"""Every answer's final themes, with where each came from: the table `export codings` writes."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from consultation.coding.engine import CodingEngine

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


RANKED_COLUMN = "ranked_themes"


def with_ranked_themes(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, engine: CodingEngine, *, top: int = 3
) -> pd.DataFrame:
    """`frame` (final_codings' rows) with a column `ranked_themes`: the model's `top` themes for
    the row's text with their calibrated probabilities, « theme_id (0.82) ; theme_id (0.40) »,
    for every unit: automatic codes, those left in « Autres » and the human-coded ones (what the
    model would have said). Empty where no model decides the question's themes."""
    out = frame.copy()
    out[RANKED_COLUMN] = ""
    if out.empty or not engine.models:
        return out
    texts = out["unit_text"].fillna("").astype(str)
    whole = texts == ""  # a human code of the whole answer: rank the answer's text
    if whole.any():
        answers = con.execute(
            "SELECT question_id, respondent_id, text FROM stg_answers WHERE consultation_id = ?",
            [engine.consultation.id],
        ).df()
        lookup = dict(zip(zip(answers["question_id"], answers["respondent_id"], strict=True), answers["text"],
                          strict=True))
        texts = texts.where(~whole, [lookup.get((q, r), "") for q, r in
                                     zip(out["question_id"], out["respondent_id"], strict=True)])
    for question in engine.consultation.questions:
        mine = np.flatnonzero((out["question_id"] == question.id).to_numpy())
        if not len(mine) or question.id not in engine.models:
            continue
        distinct, codes = np.unique(texts.iloc[mine].to_numpy(dtype=object).astype(str), return_inverse=True)
        ranked = engine.ranked_themes(question, list(distinct), top=top)
        if ranked.empty:
            continue
        ranked["cell"] = ranked["theme_id"] + " (" + ranked["probability"].map("{:.2f}".format) + ")"
        cells = ranked.groupby("unit", sort=True)["cell"].agg(" ; ".join)
        per_text = np.asarray([cells.get(i, "") for i in range(len(distinct))], dtype=object)
        out.iloc[mine, out.columns.get_loc(RANKED_COLUMN)] = per_text[codes]
    return out
