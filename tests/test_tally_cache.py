"""The tally cache never serves stale counts: after each kind of write the package makes, a cached
query gives the live view's figures, and the figure a user looks at has moved.

The freshness check no longer hashes every row of the big tables (it runs before every query), so
each writer is shown here to move it: ingestion, coding (whole and incremental), review import,
codebook change, corrected counts.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from consultation import store
from consultation.codebook import load_consultation
from consultation.coding import run as coding_run
from consultation.coding.coder import code_consultation
from consultation.coding.engine import CodingEngine
from consultation.coding.estimate import store_estimates
from consultation.coding.review import SHEET, export_review, import_review
from consultation.coding.training import load_engine
from consultation.ingest import sources
from consultation.ingest.core import ingest_consultation
from consultation.tally import CACHE_TABLE, refresh_tallies, select_tally, tally_relation
from test_tally import AUTO_CODES, CID, add_auto_codes


@pytest.fixture
def built(mini_dir):
    """The mini consultation with its hand-written automatic codes and a fresh cache."""
    con = store.connect(None)
    consultation = load_consultation(mini_dir)
    ingest_consultation(con, consultation, mini_dir)
    add_auto_codes(con, AUTO_CODES)
    refresh_tallies(con, CID)
    yield con, consultation, mini_dir
    con.close()


def cached(con) -> pd.DataFrame:
    """What a user reads (through the cache), checked against the live view."""
    rows = select_tally(con, CID)
    assert tally_relation(con, CID) == CACHE_TABLE
    pd.testing.assert_frame_equal(rows, select_tally(con, CID, use_cache=False))
    return rows


def figure(rows: pd.DataFrame, column: str, question: str, theme: str, scope: str = "France"):
    hit = rows[(rows["question_id"] == question) & (rows["theme_id"] == theme) & (rows["scope"] == scope)]
    assert len(hit) == 1
    return hit[column].iloc[0]


def test_ingesting_new_respondents_moves_the_cached_counts(built):
    con, consultation, folder = built
    assert figure(cached(con), "respondents_answered", "q1", "q1_epi") == 5
    export = folder / "reponses.csv"
    header, *rows = export.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    export.write_text(header + "".join(rows) + "A6;ACT Neuf;ACT;Bretagne;Des masques enfin;;;\n", encoding="utf-8")
    ingest_consultation(con, consultation, folder)
    assert figure(cached(con), "respondents_answered", "q1", "q1_epi") == 6


def test_a_corrected_export_moving_a_respondent_to_another_region_moves_the_cached_counts(built):
    """Same respondents, same answers, same codes: only their region changes."""
    con, consultation, folder = built
    assert figure(cached(con), "respondents_answered", "q1", "q1_epi", "Occitanie") == 2  # A1 and A3 ('34')
    export = folder / "reponses.csv"
    export.write_text(
        export.read_text(encoding="utf-8-sig").replace("LHSS La Source;LHSS;PACA;", "LHSS La Source;LHSS;Occitanie;"),
        encoding="utf-8",
    )
    counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("respondents", "answers", "auto_codes")]  # noqa: S608
    # as the nightly flow ingests: file by file, the codebook already registered
    changed = sources.pending_sources(sources.scan_sources(con, consultation, folder))
    assert [s.label for s in changed] == ["reponses.csv"]
    sources.ingest_source(con, consultation, changed[0], folder)
    assert [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("respondents", "answers", "auto_codes")] == counts  # noqa: S608
    assert figure(cached(con), "respondents_answered", "q1", "q1_epi", "Occitanie") == 3


def test_recoding_with_the_same_time_and_as_many_codes_moves_the_cached_counts(built, tmp_path):
    """coding.run.write_codes replacing A5's theme by another one, stamped with the codes' own time."""
    con, consultation, _ = built
    assert figure(cached(con), "respondents_citing", "q1", "q1_equipes") == 3
    units = pd.DataFrame([("A5", "q1", 0, "Une équipe soudée")], columns=["respondent_id", "question_id", "unit_no", "text"])
    codes = pd.DataFrame(
        [("A5", "q1", 0, "q1_autres", "rule", 0.6, False, None)],
        columns=["respondent_id", "question_id", "unit_no", "theme_id", "source", "confidence", "needs_review",
                 "model_version"],
    )
    batch = coding_run.BatchFiles(
        str(tmp_path / "units.parquet"), str(tmp_path / "codes.parquet"), str(tmp_path / "decisions.parquet"), 1, 1
    )
    coding_run.write_batch_file(units, batch.units)
    coding_run.write_batch_file(codes.astype({"model_version": object}), batch.codes)
    coding_run.write_batch_file(coding_run.DECISIONS_SCHEMA.empty_table(), batch.decisions)
    plan = coding_run.CodingPlan(consultation.id, False, None, 1, 1, [batch])
    coding_run.write_codes(con, CodingEngine(consultation, None), plan, estimate=False, coded_at=datetime(2024, 1, 1))
    after = cached(con)
    assert figure(after, "respondents_citing", "q1", "q1_equipes") == 2
    assert figure(after, "respondents_citing", "q1", "q1_autres") == 2


def test_coding_the_whole_consultation_moves_the_cached_counts(mini_dir, lemmatizer):
    con = store.connect(None)
    consultation = load_consultation(mini_dir)
    ingest_consultation(con, consultation, mini_dir)
    refresh_tallies(con, CID)
    before = cached(con)
    assert figure(before, "respondents_citing", "q1", "q1_autres") == 0  # nothing coded automatically yet
    code_consultation(con, consultation, lemmatizer, estimate=False)
    after = cached(con)
    assert after["respondents_citing"].sum() > before["respondents_citing"].sum()
    con.close()


def test_a_review_import_moves_the_cached_counts(mini_dir, lemmatizer, tmp_path):
    con = store.connect(None)
    consultation = load_consultation(mini_dir)
    ingest_consultation(con, consultation, mini_dir)
    code_consultation(con, consultation, lemmatizer, estimate=False)
    engine = load_engine(con, consultation, lemmatizer)
    path, rows = export_review(con, engine, tmp_path / "a-revoir.xlsx", n_answers=5, question_id="q1")
    assert len(rows)
    before = cached(con)
    wb = load_workbook(path)
    ws = wb[SHEET]
    head = {cell.value: cell.column for cell in ws[1]}
    reviewed = ws.cell(row=2, column=head["Identifiant"]).value
    ws.cell(row=2, column=head["Décision"], value="Corriger")
    ws.cell(row=2, column=head["Thèmes corrigés"], value="q1_epi")
    wb.save(path)
    assert import_review(con, consultation, path).answers_reviewed == 1
    after = cached(con)
    assert figure(after, "mentions_human", "q1", "q1_epi") == figure(before, "mentions_human", "q1", "q1_epi") + 1, reviewed
    con.close()


def test_a_renamed_theme_reaches_the_cached_tally(built):
    con, consultation, _ = built
    assert figure(cached(con), "label", "q1", "q1_epi") == "Manque d'EPI"
    question = consultation.question("q1")
    themes = [t.model_copy(update={"label": "Manque de masques"}) if t.id == "q1_epi" else t for t in question.themes]
    renamed = consultation.model_copy(update={"questions": [
        q.model_copy(update={"themes": themes}) if q.id == "q1" else q for q in consultation.questions
    ]})
    store.register_codebook(con, renamed)
    assert figure(cached(con), "label", "q1", "q1_epi") == "Manque de masques"


def test_corrected_counts_reach_the_cached_tally(built):
    con, _, _ = built
    assert pd.isna(figure(cached(con), "corrected_count", "q1", "q1_epi"))
    frame = pd.DataFrame([("q1", "q1_epi", "national", "France", 2.0, 2.4, 1.5, 3.5, "bootstrap")], columns=[
        "question_id", "theme_id", "scope_kind", "scope", "raw_count", "corrected_count", "ci_low", "ci_high", "method",
    ])
    store_estimates(con, CID, frame, "m1")
    assert figure(cached(con), "corrected_count", "q1", "q1_epi") == 2.4
