"""The five-question benchmark skips cleanly, with a visible notice, when the shared data are absent."""

from __future__ import annotations

import importlib.util
import sys
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


def test_labels_only_reduces_question_163_to_its_labels(tmp_path, monkeypatch):
    bench = _bench()
    answers = tmp_path / "answers.csv"
    answers.write_text('answer,labels\n"Taxer les riches","Revoir niches"\n"Rien",\n', encoding="utf-8")
    monkeypatch.setattr(bench, "GRAND_DEBAT", answers)
    monkeypatch.setattr(bench, "TAGS", tmp_path / "absent.csv")
    own, = bench.load_cases(None)
    bare, = bench.load_cases(None, labels_only=True)
    assert any(t.keywords for t in own.question.themes)  # the codebook's keywords, as written
    assert [t.label for t in bare.question.themes] == [t.label for t in own.question.themes]
    assert not any(t.keywords or t.description or t.examples for t in bare.question.themes)
    assert bare.Y.tolist() == own.Y.tolist() and len(bare.pool) == 2


def _script(name: str):
    """A script of benchmarks/coding/ loaded as a module."""
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", BENCH.with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # a dataclass of the script looks its module up there
    spec.loader.exec_module(module)
    return module


def _agreement():
    return _script("human_agreement")


def test_human_agreement_expected_f1():
    f1 = _agreement().expected_f1
    # three annotators all give the same theme: any one of them agrees fully with the others
    assert f1([{"a": 3}]) == 1.0
    # three annotators (the highest count, 2, plus one), two give « a », one gives « b »: a
    # volunteer holds « a » with probability 2/3, and
    # the others' consensus holds it only when the volunteer is the one who did not give it
    # (1/3): TP 0, FP 2/3 + 1/3, FN 1/3 -> F1 0
    assert f1([{"a": 2, "b": 1}], extra=1) == 0.0
    # own vote counted: « a » is gold; TP 2/3, FP 1/3 (« b »), FN 1/3 -> F1 2/3
    assert abs(f1([{"a": 2, "b": 1}], extra=1, own_vote=True) - 2 / 3) < 1e-12
    # more annotators than the highest count: agreement falls
    votes = [{"a": 3, "b": 2}, {"c": 4, "d": 1}]
    assert f1(votes, extra=1) < f1(votes)


def test_human_agreement_skips_without_data(tmp_path, monkeypatch, capsys):
    module = _agreement()
    monkeypatch.setattr(module, "SHARED", tmp_path / "absent")
    assert module.main([]) == 0
    assert "Benchmark ignoré" in capsys.readouterr().out


def _ensemble():
    return _script("bench_ensemble")


def test_ensemble_averages_and_stacks_two_models():
    import numpy as np

    module = _ensemble()
    rng = np.random.default_rng(0)
    y = (rng.random((400, 2)) < 0.3).astype(int)
    informative = np.where(y == 1, 1.5, -1.5) + rng.normal(0, 1, y.shape)  # calibrated-ish logits
    noise = rng.normal(0, 1, y.shape)  # a second model that knows nothing
    engine = module.sigmoid(informative)
    covered = np.array([True, False])
    for how in ("probability", "logit", "stack"):
        oof, test = module.averaged(engine, engine, noise, noise, y, covered, how)
        # the theme not covered keeps the engine's probabilities on the answers to code
        assert np.allclose(test[:, 1], engine[:, 1])
        assert ((oof[:, 0] >= 0) & (oof[:, 0] <= 1)).all()
    # stacking learns to (nearly) ignore the uninformative model: its ranking stays the engine's
    oof, _ = module.averaged(engine, engine, noise, noise, y, covered, "stack")
    assert np.corrcoef(module.logit(oof[:, 0]), informative[:, 0])[0, 1] > 0.95
    # plain averaging with noise does not
    oof, _ = module.averaged(engine, engine, noise, noise, y, covered, "logit")
    assert np.corrcoef(module.logit(oof[:, 0]), informative[:, 0])[0, 1] < 0.9


def test_label_context_learns_a_theme_from_the_others():
    import numpy as np

    module = _ensemble()
    rng = np.random.default_rng(1)
    first = (rng.random(500) < 0.4).astype(int)
    y = np.column_stack([first, 1 - first, (rng.random(500) < 0.3).astype(int)])  # theme 1: exactly « not theme 0 »
    logits = np.column_stack([
        np.where(y[:, 0] == 1, 2.0, -2.0) + rng.normal(0, 1, 500),  # the engine knows theme 0
        rng.normal(0, 1, 500),  # and nothing of theme 1
        rng.normal(0, 1, 500),
    ])
    engine = module.sigmoid(logits)
    covered = np.array([True, True, False])
    oof, test = module.label_context(engine, engine, y, covered, 1.0, 0)
    # theme 1 is now told by theme 0's logit, out of fold as on the answers to code
    assert np.corrcoef(oof[:, 1], y[:, 1])[0, 1] > 0.6
    assert np.corrcoef(test[:, 1], y[:, 1])[0, 1] > 0.6
    # the theme not covered keeps the engine's probabilities, and has no out-of-fold ones
    assert np.allclose(test[:, 2], engine[:, 2]) and np.isnan(oof[:, 2]).all()


def test_ensemble_skips_without_data(tmp_path, monkeypatch, capsys):
    module = _ensemble()
    monkeypatch.setattr(sys.modules["bench_five"], "load_cases", lambda *args, **kwargs: [])  # what it loads with
    out = tmp_path / "results.json"
    assert module.main(["--out", str(out)]) == 0
    assert "Benchmark ignoré" in capsys.readouterr().out
    assert not out.exists()
