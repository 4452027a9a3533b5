"""The five-question benchmark skips cleanly, with a visible notice, when the shared data are absent."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "coding" / "bench_five.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_five_under_test", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_missing_data_is_announced_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    bench = _bench()
    for name in ("GRAND_DEBAT", "TAGS", "ANSWERS"):
        monkeypatch.setattr(bench, name, tmp_path / "absent" / f"{name}.csv")
    out = tmp_path / "results.json"
    assert bench.main(["--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Question 163 ignorée" in printed and "DC11, DC12, OE10, TE11 ignorées" in printed
    assert "Benchmark ignoré" in printed
    assert not out.exists()


def test_only_the_questions_present_are_run(tmp_path, monkeypatch, capsys):
    bench = _bench()
    monkeypatch.setattr(bench, "GRAND_DEBAT", tmp_path / "absent.csv")
    tags = tmp_path / "tags.csv"
    tags.write_text(
        "contribution_id,question_id,question_text,answer,tags\n"
        '1,DC11,"Q ?","Voter plus souvent","vote|référendum"\n'
        '2,OE10,"Q ?","La poste","Bureaux de Poste"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(bench, "TAGS", tags)
    monkeypatch.setattr(bench, "ANSWERS", tmp_path / "absent-answers.csv")
    cases = bench.load_cases(None)
    assert [c.name for c in cases] == ["DC11", "OE10"]  # DC12 and TE11 have no tagged answer here
    dc11 = cases[0]
    assert sorted(t.label for t in dc11.question.themes) == ["Autres", "référendum", "vote"]
    assert "Question DC12 ignorée" in capsys.readouterr().out
    assert dc11.Y.tolist() == [[1, 1]]
