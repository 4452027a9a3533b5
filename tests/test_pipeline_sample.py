"""End to end on the bundled sample: what a newcomer sees after `consultation run`."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT
from consultation import store
from consultation.tally import tally
from test_tally import national_counts

REFERENCE = yaml.safe_load((ROOT / "tests" / "data" / "segur-2020-reference.yaml").read_text(encoding="utf-8"))


def _reference_counts() -> dict[tuple[str, str], int]:
    return {
        (q["id"], t["label"]): t["national_count"] for q in REFERENCE["questions"] for t in q["themes"]
    }


@pytest.fixture(scope="module")
def con(sample_run):
    c = store.connect(sample_run.paths.db)
    yield c
    c.close()


def test_all_47_respondents_ingested_nothing_quarantined(sample_run, con):
    assert sample_run.rows_read == 47
    assert sample_run.rows_ingested == 47
    assert sample_run.rows_quarantined == 0
    assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == 47


def test_sample_spread_as_specified(con):
    regions = dict(con.execute("SELECT region, count(*) FROM respondents GROUP BY region").fetchall())
    assert regions["Occitanie"] == 5
    assert len(regions) >= 12
    assert "Région inconnue" not in regions
    assert any(r in regions for r in ("Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"))
    types = {r[0] for r in con.execute("SELECT DISTINCT structure_type FROM respondents").fetchall()}
    assert types == {"ACT", "LAM", "LHSS"}


def test_national_counts_equal_the_published_counts_for_all_66_themes(sample_run, con):
    expected = _reference_counts()
    assert len(expected) == 66
    got = national_counts(con, sample_run.consultation.id)
    mismatches = {k: (got.get(k), v) for k, v in expected.items() if got.get(k) != v}
    assert mismatches == {}


def test_every_answer_is_coded_and_sources_are_recorded(sample_run, con):
    uncoded = con.execute(
        """
        SELECT count(*) FROM stg_answers a
        JOIN questions q USING (consultation_id, question_id)
        WHERE q.unit <> 'free_text'
          AND NOT EXISTS (SELECT 1 FROM final_codes f WHERE f.consultation_id = a.consultation_id
                          AND f.respondent_id = a.respondent_id AND f.question_id = a.question_id)
        """
    ).fetchone()[0]
    assert uncoded == 0
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM auto_codes").fetchall()}
    assert "rule" in sources
    assert con.execute("SELECT count(*) FROM final_codes WHERE source='human'").fetchone()[0] == sum(
        _reference_counts().values()
    )


def test_occitanie_figures_match_its_five_respondents(sample_run, con):
    occ = tally(con, sample_run.consultation.id, scope_kind="region", scope="Occitanie")
    assert set(occ["respondents_answered"][occ["question_id"] == "q1_retenir"]) == {5}
    assert (occ["respondents_citing"] <= occ["respondents_answered"]).all()


def test_seven_national_charts_in_png_and_svg(sample_run):
    charts = sample_run.paths.charts
    for q in REFERENCE["questions"]:
        for suffix in (".png", ".svg"):
            path = charts / f"{q['id']}{suffix}"
            assert path.exists() and path.stat().st_size > 1000, path


def test_one_html_and_one_markdown_report_per_region(sample_run, con):
    # A region of fewer than 3 respondents has no report of its own (counted in the synthesis).
    regions = [r[0] for r in con.execute(
        "SELECT region FROM respondents GROUP BY region HAVING count(*) >= 3").fetchall()]
    reports = sample_run.paths.reports
    html = sorted(reports.glob("*.html"))
    md = sorted(reports.glob("*.md"))
    region_html = [p for p in html if p.stem not in {"index", "national", "synthese-nationale"}]
    assert len(region_html) >= len(regions)
    assert len([p for p in md if p.stem not in {"national", "synthese-nationale"}]) >= len(regions)


def test_occitanie_report_has_its_testimonies_and_not_others(sample_run, con):
    report = (sample_run.paths.reports / "occitanie.md").read_text(encoding="utf-8")
    assert "Région Occitanie" in report
    assert "(5 répondants)" in report
    own = con.execute(
        """SELECT h.unit_text FROM human_codes h JOIN respondents r USING (consultation_id, respondent_id)
           WHERE r.region = 'Occitanie' AND h.question_id LIKE 'pilier%' AND length(h.unit_text) > 25"""
    ).fetchall()
    other = con.execute(
        """SELECT h.unit_text FROM human_codes h JOIN respondents r USING (consultation_id, respondent_id)
           WHERE r.region <> 'Occitanie' AND h.question_id LIKE 'pilier%' AND length(h.unit_text) > 25"""
    ).fetchall()
    own_texts = {t for (t,) in own}
    assert own_texts
    assert any(t in report for t in own_texts)
    leaked = [t for (t,) in other if t in report and t not in own_texts]
    assert leaked == []


def test_second_run_adds_nothing(sample_run, nlp, con):
    from consultation.pipeline import run

    again = run(ROOT / "data" / "raw" / "segur-2020-sample", processed_root=sample_run.paths.root.parent, nlp=nlp)
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert con.execute("SELECT count(*) FROM respondents").fetchone()[0] == 47
    assert con.execute("SELECT count(*) FROM human_codes").fetchone()[0] == sum(_reference_counts().values())
    assert con.execute("SELECT count(*) FROM source_files").fetchone()[0] == 2
