"""Every answer's final themes, with where each came from: the table `export codings` writes."""

from __future__ import annotations

from collections.abc import Callable

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

# The spreadsheet export (CSV, XLSX) is read by people in French: French headers and sources, the
# ranked themes' probabilities with a decimal comma (`spreadsheet_frame`). Parquet and the API keep
# the identifiers programs rely on (CODING_COLUMNS, RANKED_COLUMN).
SPREADSHEET_HEADERS = {
    "respondent_id": "répondant", "region": "région", "structure_type": "type de structure",
    "question_id": "question", "unit_key": "unité", "unit_text": "texte codé",
    "theme_id": "thème (identifiant)", "theme_label": "thème", "source": "source du code",
    "confidence": "confiance", "needs_review": "à revoir", "model_version": "version du modèle",
    "codebook_version": "version du codebook", RANKED_COLUMN: "thèmes les plus probables",
}
SOURCE_LABELS = {"human": "humain", "model": "modèle", "rule": "règles"}


def spreadsheet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """`final_codings`' rows (with `with_ranked_themes`' column, built with French decimals) as
    the spreadsheet export shows them: French headers, the source in French."""
    out = frame.copy()
    if "source" in out.columns:
        out["source"] = out["source"].replace(SOURCE_LABELS)
    return out.rename(columns=SPREADSHEET_HEADERS)


def unit_texts(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, consultation_id: str) -> pd.Series:
    """The text each of `frame`'s rows (final_codings' rows) was coded on: the unit's text, or
    the whole answer's for a human code given to the whole answer."""
    texts = frame["unit_text"].fillna("").astype(str)
    whole = texts == ""  # a human code of the whole answer: rank the answer's text
    if whole.any():
        answers = con.execute(
            "SELECT question_id, respondent_id, text FROM stg_answers WHERE consultation_id = ?",
            [consultation_id],
        ).df()
        lookup = dict(zip(zip(answers["question_id"], answers["respondent_id"], strict=True), answers["text"],
                          strict=True))
        texts = texts.where(~whole, [lookup.get((q, r), "") for q, r in
                                     zip(frame["question_id"], frame["respondent_id"], strict=True)])
    return texts


def _ranked_rows(engine: CodingEngine, question_ids: pd.Series, texts: pd.Series, top: int) -> pd.DataFrame:
    """The model's `top` themes for each row's text (`engine.ranked_themes`, each distinct text of
    a question ranked once): one row per (row, rank), `row` the position in `question_ids`,
    ordered by row then rank. Rows of a question no model decides get none."""
    parts = []
    for question in engine.consultation.questions:
        mine = np.flatnonzero((question_ids == question.id).to_numpy())
        if not len(mine) or question.id not in engine.models:
            continue
        distinct, codes = np.unique(texts.iloc[mine].to_numpy(dtype=object).astype(str), return_inverse=True)
        ranked = engine.ranked_themes(question, list(distinct), top=top)
        if ranked.empty:
            continue
        per_row = pd.DataFrame({"row": mine, "unit": codes.ravel()})
        parts.append(per_row.merge(ranked, on="unit").drop(columns="unit"))
    if not parts:
        return pd.DataFrame(columns=["row", "rank", "theme_id", "probability", "threshold", "chosen", "other"])
    return pd.concat(parts, ignore_index=True).sort_values(["row", "rank"], kind="stable", ignore_index=True)


def with_ranked_themes(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, engine: CodingEngine, *, top: int = 3,
    probability: Callable[[float], str] = "{:.2f}".format,
) -> pd.DataFrame:
    """`frame` (final_codings' rows) with a column `ranked_themes`: the model's `top` themes for
    the row's text with their calibrated probabilities, « theme_id (0.82) ; theme_id (0.40) »
    (each probability written by `probability`: `fmt.decimal` for a French reader, « 0,82 »),
    for every unit: automatic codes, those left in « Autres » and the human-coded ones (what the
    model would have said). Empty where no model decides the question's themes."""
    out = frame.copy()
    out[RANKED_COLUMN] = ""
    if out.empty or not engine.models:
        return out
    ranked = _ranked_rows(engine, out["question_id"], unit_texts(con, out, engine.consultation.id), top)
    if len(ranked):
        cell = ranked["theme_id"] + " (" + ranked["probability"].map(probability) + ")"
        cells = cell.groupby(ranked["row"], sort=False).agg(" ; ".join)
        out.iloc[cells.index.to_numpy(), out.columns.get_loc(RANKED_COLUMN)] = cells.to_numpy()
    return out


RANKED_LONG_COLUMNS = [
    "question_id", "respondent_id", "region", "unit_key", "unit_text", "rank", "theme_id", "theme_label",
    "probability", "threshold", "chosen_by_model", "final", "left_in_autres",
]


def ranked_themes_long(
    con: duckdb.DuckDBPyConnection, engine: CodingEngine, *, question_id: str | None = None, top: int = 3
) -> pd.DataFrame:
    """One row per coded unit and rank: the model's `top` themes for the unit's text, with their
    calibrated probability and threshold, whether the model chose the theme, whether it is among
    the unit's final themes (human codes win), and whether the model left the unit in « Autres ».
    Every unit of a question the model decides is there: automatic codes, « Autres », and
    hand-coded ones (what the model would have said). Questions without a model: no rows."""
    frame = final_codings(con, engine.consultation.id, question_id=question_id)
    if frame.empty or not engine.models:
        return pd.DataFrame(columns=RANKED_LONG_COLUMNS)
    keys = ["question_id", "respondent_id", "unit_key"]
    final = frame.groupby(keys, sort=False)["theme_id"].agg(frozenset)
    units = frame.drop_duplicates(keys).reset_index(drop=True)
    ranked = _ranked_rows(engine, units["question_id"], unit_texts(con, units, engine.consultation.id), top)
    if ranked.empty:
        return pd.DataFrame(columns=RANKED_LONG_COLUMNS)
    out = units.iloc[ranked["row"].to_numpy()][["question_id", "respondent_id", "region", "unit_key", "unit_text"]]
    out = out.reset_index(drop=True)
    labels = {(q.id, t.id): t.label for q in engine.consultation.questions for t in q.themes}
    out["rank"] = ranked["rank"].to_numpy()
    out["theme_id"] = ranked["theme_id"].to_numpy()
    out["theme_label"] = [labels.get(k, k[1]) for k in zip(out["question_id"], out["theme_id"], strict=True)]
    out["probability"] = ranked["probability"].to_numpy()
    out["threshold"] = ranked["threshold"].to_numpy()
    out["chosen_by_model"] = ranked["chosen"].to_numpy(dtype=bool)
    out["final"] = [t in final.get((q, r, u), frozenset()) for q, r, u, t in
                    zip(out["question_id"], out["respondent_id"], out["unit_key"], out["theme_id"], strict=True)]
    out["left_in_autres"] = ranked["other"].to_numpy(dtype=bool)
    return out[RANKED_LONG_COLUMNS]
