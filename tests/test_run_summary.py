"""The run summary tells what the run did, with the figures the reports print."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from consultation import run_summary, store
from consultation.cli import main
from consultation.publish.figures import coding_stats
from test_tally import CID, build_mini


@pytest.fixture
def con():
    c = store.connect(None)
    build_mini(c)
    yield c
    c.close()


def test_answers_by_source_add_up_to_the_answers_of_the_reliability_box(con):
    figures = run_summary.coding_figures(con, CID)
    stats = coding_stats(con, CID)[None]
    assert figures.answers == stats.answers
    assert sum(figures.by_source.values()) == figures.answers  # answers, not codes nor units
    assert figures.by_source["human"] == stats.human
    assert figures.to_review == stats.to_review
    assert "humain" in figures.phrase() and "human" not in figures.phrase()


def test_review_counts_only_answers_without_human_codes(con):
    con.execute("UPDATE auto_codes SET needs_review = TRUE, source = 'model'")
    figures = run_summary.coding_figures(con, CID)
    without_human = con.execute(
        "SELECT count(DISTINCT (respondent_id, question_id)) FROM auto_codes c WHERE NOT EXISTS ("
        "SELECT 1 FROM human_codes h WHERE h.respondent_id = c.respondent_id AND h.question_id = c.question_id)"
    ).fetchone()[0]
    assert 0 < without_human < con.execute("SELECT count(DISTINCT (respondent_id, question_id)) FROM auto_codes").fetchone()[0]
    assert figures.to_review == without_human == coding_stats(con, CID)[None].to_review
    assert figures.by_source.get("model") == without_human and not figures.by_source.get("rule")


def test_outputs_rewritten_or_unchanged(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    before = run_summary.snapshot([tmp_path])
    (tmp_path / "a.txt").write_text("a")  # rewritten, same bytes
    (tmp_path / "b.txt").write_text("B")
    (tmp_path / "c.txt").write_text("c")
    changes = run_summary.compare(before, run_summary.snapshot([tmp_path]))
    assert (changes.written, changes.unchanged, changes.removed) == (2, 1, 0) and changes.changed
    assert not run_summary.compare(before, before).changed


def _line(output: str, start: str) -> str:
    return next(x for x in output.splitlines() if x.startswith(start))


@pytest.mark.slow
def test_run_then_rerun_says_what_changed(mini_dir, tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["run", str(mini_dir), "--sorties", str(out)])
    assert first.exit_code == 0, first.output
    assert "Répondants ajoutés par ce traitement : 5" in first.output
    coded = _line(first.output, "Codage, réponses aux questions codées : ")
    total, *parts = map(int, re.findall(r"\d+", coded))
    assert total == sum(parts) and re.search(r"humain \d+, modèle \d+, règles \d+", coded)
    human = int(re.search(r"humain (\d+)", coded).group(1))
    # The national report's reliability box says the same numbers.
    national = next((out / "mini" / "reports").glob("*national*.md")).read_text(encoding="utf-8")
    assert f"({human} sur {total}) ont été codées à la main" in national
    review = int(re.search(r"À revoir : (\d+)", first.output).group(1))
    assert (f"{review} réponse" in national) == bool(review)
    assert "Rien de nouveau" not in first.output
    assert re.search(r"Graphiques, rapports et sommaire : [1-9]\d* réécrits", first.output)

    second = CliRunner().invoke(main, ["run", str(mini_dir), "--sorties", str(out)])
    assert second.exit_code == 0, second.output
    assert "Répondants ajoutés par ce traitement : 0" in second.output
    assert _line(second.output, "Codage, ") == coded
    assert "Graphiques, rapports et sommaire : 0 réécrit" in second.output
    assert "Rien de nouveau" in second.output
    assert not re.search(r"\b(human|model|rule)\b", first.output + second.output)
