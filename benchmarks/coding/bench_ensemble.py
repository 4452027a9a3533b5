"""A second model beside the engine's SVMs, their calibrated probabilities averaged (issue 16, F1 target).

    nice -n 10 python benchmarks/coding/bench_ensemble.py                       # 5 questions, 3 seeds, 20 %
    nice -n 10 python benchmarks/coding/bench_ensemble.py --questions TE11 --seeds 0
    nice -n 10 python benchmarks/coding/bench_ensemble.py --label-context --views --out benchmarks/coding/results-label-context.json

The one idea for the F1 target that RESULTS-five.md lists as not tried: an ensemble with a
separately trained model. Same protocol and splits as bench_five.py (`train_test_split(
train_size=0.2, random_state=seed)`, seeds 0, 1, 2, labels-only codebook for the tag questions).
For each split:

- `engine`: the engine with today's defaults, decisions as `consultation code` makes them;
- `engine (replayed)`: the same model's out-of-fold probabilities and test probabilities put
  through this script's decision path (thresholds from the out-of-fold probabilities with the
  engine's own `_thresholds`, then `engine.decide`): must give `engine`'s F1 exactly, the check
  that the path below changes nothing but the probabilities;
- `+ word LR`, `+ char LR`: per covered theme, a logistic regression (C=10, balanced: the data
  README's baseline learner) on TF-IDF word 1-2-grams (sublinear) or character 2-5-grams
  (`char_wb`, sublinear) of the texts, vocabulary fitted on every answer of the question (as the
  engine's features are); its out-of-fold scores (5 stratified folds of the coded answers) get a
  Platt calibration; the ensemble's probability is the mean of the engine's calibrated
  probability and the LR's; the thresholds are fitted on the ensemble's out-of-fold probabilities
  by the engine's rule, then the same `decide` (best-theme policy, rules for uncovered themes);
- `--label-context` (stacked binary relevance: what the other themes say): per covered theme, a
  logistic regression (C=0.1 and C=1) of its human codes on the engine's calibrated out-of-fold
  logits of every covered theme, its own out-of-fold probabilities from 5 stratified folds, applied
  to the engine's test logits; `label context` alone, and `label context (averaged)`: the mean of
  its logit and the engine's.

Nothing is tuned per question: one setting for all five. Results: results-ensemble.json (or --out).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_five import SEEDS, Case, add_codebook_option, chosen_cases, micro_f1, run_baseline

from consultation.coding.engine import decide
from consultation.coding.features import unit_frame
from consultation.coding.model import (
    ModelSettings,
    apply_platt,
    fit_platt,
    fit_question_model,
    stack_weights,
)
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, load_nlp

HERE = Path(__file__).resolve().parent
VIEWS: dict[str, dict[str, Any]] = {
    "engine": {},  # the engine's own features
    "word": dict(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
    "char": dict(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
}


def baseline_lr(X: Any, y: np.ndarray, X_apply: Any) -> np.ndarray:
    """The data README's baseline learner (C=10, balanced) fitted on X, y: its scores of X_apply."""
    return LogisticRegression(C=10, class_weight="balanced", max_iter=5000).fit(X, y).decision_function(X_apply)


def second_model(
    X: Any, Y_train: np.ndarray, X_test: Any, covered: np.ndarray, seed: int,
    learner: Callable[[Any, np.ndarray, Any], np.ndarray] = baseline_lr,
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold calibrated logits of the coded answers and calibrated logits of the test
    answers (NaN columns where the engine's theme is not covered), from `learner` (fitted on
    rows of X and a theme's codes, it scores other rows)."""
    oof = np.full(Y_train.shape, np.nan)
    test = np.full((X_test.shape[0], Y_train.shape[1]), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for j in np.flatnonzero(covered):
            y = Y_train[:, j]
            folds = min(5, int(y.sum()), int(len(y) - y.sum()))
            scores = np.zeros(len(y))
            for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
                scores[held] = learner(X[train], y[train], X[held])
            platt = fit_platt(scores, y)
            oof[:, j] = platt[0] * scores + platt[1]
            test[:, j] = platt[0] * learner(X, y, X_test) + platt[1]
    return oof, test


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def averaged(
    engine_oof: np.ndarray, engine_test: np.ndarray, oof2: np.ndarray, test2: np.ndarray, Y_train: np.ndarray,
    covered: np.ndarray, how: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The two models' calibrated probabilities averaged (`how="probability"`), or their calibrated
    logits averaged and calibrated again by Platt on the out-of-fold average (`how="logit"`: the
    sum of two linear models is one linear model, what the engine could store), or stacked
    (`how="stack"`: per theme, a logistic regression on the two out-of-fold calibrated logits
    learns their weights; its probabilities on the coded answers are in-sample for its three
    parameters)."""
    if how == "probability":
        oof = (engine_oof + sigmoid(oof2)) / 2
        return oof, np.where(covered, (engine_test + sigmoid(test2)) / 2, engine_test)
    oof = np.full(engine_oof.shape, np.nan)
    test = engine_test.copy()
    if how == "stack":  # per theme, the engine's own stacking (model.stack_weights) of the two calibrated logits
        for j in np.flatnonzero(covered):
            z_engine, z_engine_test = logit(engine_oof[:, j]), logit(engine_test[:, j])
            a, b, c = stack_weights(np.column_stack([z_engine, oof2[:, j]]), Y_train[:, j])
            oof[:, j] = sigmoid(a * z_engine + b * oof2[:, j] + c)
            test[:, j] = sigmoid(a * z_engine_test + b * test2[:, j] + c)
        return oof, test
    for j in np.flatnonzero(covered):
        z_oof = (logit(engine_oof[:, j]) + oof2[:, j]) / 2
        platt = fit_platt(z_oof, Y_train[:, j])
        oof[:, j] = apply_platt(z_oof, platt)
        test[:, j] = apply_platt((logit(engine_test[:, j]) + test2[:, j]) / 2, platt)
    return oof, test


def label_context(
    engine_oof: np.ndarray, engine_test: np.ndarray, Y_train: np.ndarray, covered: np.ndarray, C: float, seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each covered theme's probability from every covered theme's calibrated logit (stacked
    binary relevance): out of fold on the coded answers, then refitted on them all for the test."""
    themes = np.flatnonzero(covered)
    F, F_test = logit(engine_oof[:, themes]), logit(engine_test[:, themes])
    oof = np.full(engine_oof.shape, np.nan)
    test = engine_test.copy()
    for j in themes:
        y = Y_train[:, j]
        folds = min(5, int(y.sum()), int(len(y) - y.sum()))
        scores = np.zeros(len(y))
        for train, held in StratifiedKFold(folds, shuffle=True, random_state=seed).split(F, y):
            scores[held] = LogisticRegression(C=C, max_iter=2000).fit(F[train], y[train]).decision_function(F[held])
        oof[:, j] = sigmoid(scores)
        test[:, j] = sigmoid(LogisticRegression(C=C, max_iter=2000).fit(F, y).decision_function(F_test))
    return oof, test


def replay_parser(doc: str, out: Path) -> argparse.ArgumentParser:
    """The options every replay benchmark takes: seeds, questions, training share, output, codebook."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--questions", nargs="+", default=None)
    parser.add_argument("--size", type=float, default=0.2)
    parser.add_argument("--out", type=Path, default=out)
    add_codebook_option(parser)
    return parser


@dataclass
class Split:
    """One of bench_five's splits of one question, with its rules and the baseline's micro-F1 in `row`."""

    case: Case
    rules: RuleCoder
    lemmatizer: Lemmatizer
    train: np.ndarray
    test: np.ndarray
    row: dict[str, Any]

    @property
    def texts(self) -> tuple[list[str], list[str], list[list[str]]]:
        """The training texts, the test texts, the training theme sets."""
        case = self.case
        return ([case.texts[i] for i in self.train], [case.texts[i] for i in self.test],
                [case.sets[i] for i in self.train])


def splits(args: argparse.Namespace) -> Iterator[Split]:
    """bench_five's splits (`train_test_split(train_size=args.size, random_state=seed)`) of the
    questions `args` asks for, per question and seed (none, with a notice, when no data is there)."""
    cases = chosen_cases(args)
    if not cases:
        return
    lemmatizer = Lemmatizer(load_nlp())
    for case in cases:
        rules = RuleCoder([case.question], lemmatizer)
        for seed in args.seeds:
            train, test = train_test_split(np.arange(len(case.texts)), train_size=args.size, random_state=seed)
            row: dict[str, Any] = {"question": case.name, "seed": seed, "size": args.size}
            row["baseline"] = micro_f1(case.Y[test], run_baseline(
                [case.texts[i] for i in train], case.Y[train], [case.texts[i] for i in test]))
            yield Split(case, rules, lemmatizer, train, test, row)


def main(argv: list[str] | None = None) -> int:
    parser = replay_parser(__doc__, HERE / "results-ensemble.json")
    parser.add_argument("--views", nargs="*", default=list(VIEWS), choices=list(VIEWS))
    parser.add_argument("--average", nargs="+", default=["probability", "logit"], choices=["probability", "logit", "stack"])
    parser.add_argument("--label-context", action="store_true",
                        help="also each theme decided from every theme's engine logit (stacked binary relevance)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs = []
    for split in splits(args):
        case, rules, lemmatizer, train, row = split.case, split.rules, split.lemmatizer, split.train, split.row
        question, seed = case.question, row["seed"]
        (tr_texts, te_texts, tr_sets), Y_test = split.texts, case.Y[split.test]
        model = fit_question_model(question, tr_texts, tr_sets, lemmatizer, ModelSettings(), unlabelled=case.pool)
        assert model is not None
        hits = rules.code(question.id, te_texts)
        scores = model.scores(unit_frame(te_texts, lemmatizer))
        probabilities = model.calibrate(scores)
        d = decide(question, model, probabilities, hits, scores, te_texts)
        row["engine"] = micro_f1(Y_test, d.chosen.astype(int))
        clf = model.classifier
        covered = np.asarray(clf.covered_, dtype=bool)
        engine_oof = np.full(clf.oof_scores_.shape, np.nan)
        for j in np.flatnonzero(covered):
            engine_oof[:, j] = apply_platt(clf.oof_scores_[:, j], clf.platt_[j])
        kept = clf.thresholds_.copy()
        # Model theme order = case.theme_ids (the question's themes but « Autres »).
        assert list(model.theme_ids) == case.theme_ids
        variants = {"engine (replayed)": (engine_oof, probabilities)}
        for C in (0.1, 1.0) if args.label_context else ():
            oof_c, test_c = label_context(engine_oof, probabilities, case.Y[train], covered, C, seed)
            variants[f"label context C={C:g}"] = (oof_c, test_c)
            variants[f"label context C={C:g} (averaged)"] = (
                np.where(covered, sigmoid((logit(oof_c) + logit(engine_oof)) / 2), np.nan),
                np.where(covered, sigmoid((logit(test_c) + logit(probabilities)) / 2), probabilities))
        for view in args.views:
            if view == "engine":  # the engine's own features (its fitted ColumnTransformer)
                features = model.pipeline.named_steps["features"]
                X, X_test = (features.transform(unit_frame(t, lemmatizer)) for t in (tr_texts, te_texts))
            else:
                vectorizer = TfidfVectorizer(**VIEWS[view]).fit(list(dict.fromkeys(case.pool + tr_texts)))
                X, X_test = vectorizer.transform(tr_texts), vectorizer.transform(te_texts)
            oof2, test2 = second_model(X, case.Y[train], X_test, covered, seed)
            for how in args.average:
                variants[f"+ {view} LR ({how})"] = averaged(
                    engine_oof, probabilities, oof2, test2, case.Y[train], covered, how)
            variants[f"{view} LR alone"] = (sigmoid(oof2), np.where(covered, sigmoid(test2), probabilities))
        for name, (oof, proba) in variants.items():
            clf.thresholds_ = clf._thresholds(oof)
            decided = decide(question, model, proba, hits, scores, te_texts)
            row[name] = micro_f1(Y_test, decided.chosen.astype(int))
        clf.thresholds_ = kept
        runs.append(row)
        print("  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    if runs:
        write_results(runs, args, "benchmarks/coding/bench_ensemble.py", argv, started)
    return 0


def write_results(runs: list[dict[str, Any]], args: argparse.Namespace, script: str, argv: list[str] | None,
                  started: float) -> None:
    """The runs to `args.out` (JSON, with the command) and a table of each method's micro-F1 per
    question printed: mean (seeds)."""
    methods = [k for k, v in runs[0].items() if k not in ("question", "seed", "size") and isinstance(v, float)]
    lines = ["| question | " + " | ".join(methods) + " |", "| --- |" + " --- |" * len(methods)]
    for name in dict.fromkeys(r["question"] for r in runs):
        mine = [r for r in runs if r["question"] == name]
        lines.append(f"| {name} | " + " | ".join(
            f"{np.mean([r[m] for r in mine]):.3f} (" + " / ".join(f"{r[m]:.3f}" for r in mine) + ")" for m in methods) + " |")
    out = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", script, *(argv if argv is not None else sys.argv[1:])]),
        "codebook": args.codebook,
        "total_seconds": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
