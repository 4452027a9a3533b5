"""NBSVM and naive Bayes as one more view beside the engine's models (issue 16, F1 target).

    nice -n 10 python benchmarks/coding/bench_nbsvm.py                                   # 5 questions, 3 seeds, 20 %
    nice -n 10 python benchmarks/coding/bench_nbsvm.py --codebook labels-only --questions GD163 --out /tmp/nb-gd.json

Wang & Manning (2012): features scaled per theme by the naive-Bayes log-count ratio
r = log((p / |p|1) / (q / |q|1)), p = alpha + the column sums of the binarised features over the
theme's positive coded answers, q the same over its negatives (alpha = 1), then a linear model.
Same protocol and splits as bench_five.py and bench_ensemble.py (`train_test_split(train_size=0.2,
random_state=seed)`, seeds 0, 1, 2); the engine's own calibrated out-of-fold probabilities are
replayed, the new view added, and the result goes through the engine's stacking
(`model.stack_weights`), thresholds (`ThemeClassifier._thresholds`) and decisions
(`engine.decide`). Three variants, written down before the first run (RESULTS-five.md, « NBSVM »):

- `+ nb-words`: a logistic regression (the character model's learner: C=10, balanced, liblinear
  dual) on the engine's « lemmes » block (its TF-IDF lemma n-grams, fitted on every answer) scaled
  column by column by r (r from each fold's training rows only), stacked with the engine;
- `svm + nb-chars`: the character model's view NB-scaled, in place of the plain one: the engine
  refitted with `char_model=False` gives the SVM's calibrated out-of-fold logits, stacked with the
  same logistic regression on the « caracteres » block x r; `svm + char (replayed)` is the same
  path with the plain character block (how close this path comes to the engine);
- `+ nb-score`: the naive Bayes score itself (binarised « lemmes » block . r), out of fold, Platt,
  stacked with the engine.

`engine (replayed)` must give `engine`'s F1 exactly (the decision path changes nothing but the
probabilities). `seconds` per view: fitting its per-theme models (out of fold and final) on the
split, against the engine's whole fit. Results: results-nbsvm.json (or --out).

None passed the keep rule; (b) was also measured inside the engine (`ModelSettings.char_nb`, commit
17d10b6, reverted; results-five-char-nb.json): not kept either (DC11). RESULTS-five.md, « NBSVM ».
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ensemble import averaged, replay_parser, second_model, splits, write_results
from bench_five import micro_f1

from consultation.coding.engine import decide
from consultation.coding.features import unit_frame
from consultation.coding.model import (
    CHAR_MODEL_C,
    ModelSettings,
    apply_platt,
    fit_question_model,
)

HERE = Path(__file__).resolve().parent
ALPHA = 1.0


def nb_ratio(X: Any, y: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """The naive-Bayes log-count ratio of each column: positive against negative rows, binarised."""
    B = (X > 0).astype(float)
    p = alpha + np.asarray(B[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(B[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def logistic() -> LogisticRegression:
    return LogisticRegression(C=CHAR_MODEL_C, class_weight="balanced", solver="liblinear", dual=True,
                              max_iter=1000, random_state=0)


def nb_lr(X: Any, y: np.ndarray, X_apply: Any) -> np.ndarray:
    """NBSVM (logistic flavour): the features scaled by r, then the character model's learner."""
    scale = sp.diags(nb_ratio(X, y))
    return logistic().fit(X @ scale, y).decision_function(X_apply @ scale)


def plain_lr(X: Any, y: np.ndarray, X_apply: Any) -> np.ndarray:
    return logistic().fit(X, y).decision_function(X_apply)


def nb_score(X: Any, y: np.ndarray, X_apply: Any) -> np.ndarray:
    """The naive Bayes score (binarised features . r; its bias is left to the Platt calibration)."""
    return np.asarray((X_apply > 0).astype(float) @ nb_ratio(X, y)).ravel()


def replayed(model: Any, te_frame: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A fitted engine's calibrated out-of-fold probabilities, its test scores and probabilities,
    and which themes it covers."""
    clf = model.classifier
    covered = np.asarray(clf.covered_, dtype=bool)
    oof = np.full(clf.oof_scores_.shape, np.nan)
    for j in np.flatnonzero(covered):
        oof[:, j] = apply_platt(clf.oof_scores_[:, j], clf.platt_[j])
    scores = model.scores(te_frame)
    return oof, scores, model.calibrate(scores), covered


def main(argv: list[str] | None = None) -> int:
    args = replay_parser(__doc__, HERE / "results-nbsvm.json").parse_args(argv)
    started = time.perf_counter()
    runs = []
    for split in splits(args):
        case, lemmatizer, row, seed = split.case, split.lemmatizer, split.row, split.row["seed"]
        question, (tr_texts, te_texts, tr_sets) = case.question, split.texts
        Y_train, Y_test = case.Y[split.train], case.Y[split.test]
        te_frame, tr_frame = unit_frame(te_texts, lemmatizer), unit_frame(tr_texts, lemmatizer)
        hits = split.rules.code(question.id, te_texts)
        seconds: dict[str, float] = {}
        t0 = time.perf_counter()
        model = fit_question_model(question, tr_texts, tr_sets, lemmatizer, ModelSettings(), unlabelled=case.pool)
        seconds["engine fit"] = time.perf_counter() - t0
        assert model is not None and list(model.theme_ids) == case.theme_ids
        engine_oof, scores, probabilities, covered = replayed(model, te_frame)
        row["engine"] = micro_f1(Y_test, decide(question, model, probabilities, hits, scores, te_texts).chosen.astype(int))
        features = model.pipeline.named_steps["features"]
        X, X_test = features.transform(tr_frame).tocsr(), features.transform(te_frame).tocsr()
        lemmas, chars = features.output_indices_["lemmes"], features.output_indices_["caracteres"]
        variants = {"engine (replayed)": (model, engine_oof, probabilities, scores)}
        for name, block, learner in (("nb-words", lemmas, nb_lr), ("nb-score", lemmas, nb_score)):
            t0 = time.perf_counter()
            oof2, test2 = second_model(X[:, block], Y_train, X_test[:, block], covered, seed, learner)
            seconds[name] = time.perf_counter() - t0
            oof, proba = averaged(engine_oof, probabilities, oof2, test2, Y_train, covered, "stack")
            variants[f"+ {name}"] = (model, oof, proba, scores)
        # (b): the SVM alone (the engine without its character model), stacked with a character view.
        svm_model = fit_question_model(question, tr_texts, tr_sets, lemmatizer, replace(ModelSettings(), char_model=False),
                                       unlabelled=case.pool)
        assert svm_model is not None
        svm_oof, svm_scores, svm_proba, svm_covered = replayed(svm_model, te_frame)
        for name, learner in (("char (replayed)", plain_lr), ("nb-chars", nb_lr)):
            t0 = time.perf_counter()
            oof2, test2 = second_model(X[:, chars], Y_train, X_test[:, chars], svm_covered, seed, learner)
            seconds[name] = time.perf_counter() - t0
            oof, proba = averaged(svm_oof, svm_proba, oof2, test2, Y_train, svm_covered, "stack")
            variants[f"svm + {name}"] = (svm_model, oof, proba, svm_scores)
        for name, (m, oof, proba, sc) in variants.items():
            clf = m.classifier
            kept = clf.thresholds_.copy()
            clf.thresholds_ = clf._thresholds(oof)
            row[name] = micro_f1(Y_test, decide(question, m, proba, hits, sc, te_texts).chosen.astype(int))
            clf.thresholds_ = kept
        row["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
        runs.append(row)
        print("  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    if runs:
        write_results(runs, args, "benchmarks/coding/bench_nbsvm.py", argv, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
