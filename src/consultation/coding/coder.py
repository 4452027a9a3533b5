"""Code every answer of a consultation and store the automatic codes; human codes always win."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from consultation import store
from consultation.codebook import Consultation, Question
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, segment


@dataclass
class CodingSummary:
    units: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    needs_review: int = 0
    human_coded_answers: int = 0


def build_units(question: Question, answers: pd.DataFrame) -> pd.DataFrame:
    """Units of coding: the whole answer, or each proposition for proposition-counted questions."""
    rows = []
    for respondent_id, text in zip(answers["respondent_id"], answers["text"], strict=True):
        parts = segment(text) if question.unit == "propositions" else [text]
        rows.extend((respondent_id, question.id, no, part) for no, part in enumerate(parts or [text]))
    return pd.DataFrame(rows, columns=["respondent_id", "question_id", "unit_no", "text"])


def code_consultation(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, lemmatizer: Lemmatizer
) -> CodingSummary:
    """Recode every answer with the rules; one transaction so a failure leaves old codes in place."""
    cid = consultation.id
    version = store.codebook_version(con, cid)
    rules = RuleCoder(consultation.questions, lemmatizer)
    all_units, all_codes = [], []
    for question in consultation.questions:
        answers = con.execute(
            "SELECT respondent_id, text FROM stg_answers WHERE consultation_id = ? AND question_id = ? "
            "ORDER BY respondent_id",
            [cid, question.id],
        ).df()
        units = build_units(question, answers)
        hits = rules.code(question.id, units["text"].tolist())
        other = question.other_theme.id
        for unit, unit_hits in zip(units.itertuples(index=False), hits, strict=True):
            chosen = [(h.theme_id, h.confidence, False) for h in unit_hits] or [(other, 0.0, True)]
            all_codes.extend(
                (unit.respondent_id, unit.question_id, unit.unit_no, theme, "rule", conf, review)
                for theme, conf, review in chosen
            )
        all_units.append(units)
    units_df = pd.concat(all_units, ignore_index=True) if all_units else pd.DataFrame()
    codes_df = pd.DataFrame(
        all_codes,
        columns=["respondent_id", "question_id", "unit_no", "theme_id", "source", "confidence", "needs_review"],
    )
    now = datetime.now()
    for df in (units_df, codes_df):
        df.insert(0, "consultation_id", cid)
    codes_df["model_version"] = None
    codes_df["codebook_version"] = version
    codes_df["coded_at"] = now
    with store.transaction(con):
        con.execute("DELETE FROM auto_codes WHERE consultation_id = ?", [cid])
        con.execute("DELETE FROM units WHERE consultation_id = ?", [cid])
        store.insert_df(con, "units", units_df)
        store.insert_df(con, "auto_codes", codes_df)
    summary = CodingSummary(units=len(units_df))
    summary.by_source = codes_df["source"].value_counts().to_dict() if len(codes_df) else {}
    summary.needs_review = int(codes_df["needs_review"].sum()) if len(codes_df) else 0
    summary.human_coded_answers = int(
        con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT respondent_id, question_id FROM human_codes "
            "WHERE consultation_id = ?)",
            [cid],
        ).fetchone()[0]
    )
    return summary
