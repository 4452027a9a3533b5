"""The model: a scikit-learn Pipeline per question, multi-label, calibrated, with per-theme thresholds.

Features: TF-IDF of lemma n-grams (stop words kept), TF-IDF of character n-grams of the folded
text (typos, compounds) and the codebook's keywords as one feature per theme. Classifier: one
linear SVM per theme, stacked with a logistic regression on the character n-grams alone (the two
weighed per theme on their out-of-fold scores, kept as one linear model: `_fit_stacked`), its
scores turned into probabilities by Platt scaling fitted on
out-of-fold scores, and a decision threshold per theme chosen on the same out-of-fold
probabilities (training data only). Each theme's own best threshold is noisy when it has few
examples, so it is shrunk towards the threshold that is best for all themes together.

What no theme claims goes to « Autres » and is flagged for review: that is the coder's decision
(coder.py), not the model's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from consultation.codebook import Question
from consultation.coding.features import (
    LATENT_CORPUS_MAX,
    CompactTfidfVectorizer,
    KeywordFeatures,
    LatentSemanticFeatures,
    Patterns,
    codebook_examples,
    codebook_patterns,
    unit_frame,
)
from consultation.text import Lemmatizer, says_something

# Bump when the features or the classifier change: part of every model version.
MODEL_SPEC = "svm-platt-shrunk-thresholds/3-review-cutoff"
SCORE_CHUNK = 20_000  # units scored at once
THRESHOLD_GRID = np.round(np.linspace(0.05, 0.95, 91), 2)
# The character model's regularisation (ModelSettings.char_model): the data README's baseline learner.
CHAR_MODEL_C = 10.0
CHAR_BLOCK = "caracteres"  # the block of features it learns from (build_pipeline)


# --------------------------------------------------------------------------
# Platt scaling, vectorised over bootstrap replicates
# --------------------------------------------------------------------------


def fit_platt(
    scores: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None, start: np.ndarray | None = None
) -> np.ndarray:
    """Sigmoid p = 1 / (1 + exp(-(a * score + b))) fitted by Newton's method.

    `weights` (replicates x units, e.g. bootstrap counts) fits one sigmoid per row; the result
    is then (replicates, 2), else (2,). Platt's smoothed targets keep it finite when the scores
    separate the classes perfectly. `start` (2,): where Newton starts (default: slope 1 and the
    smoothed log-odds, also when `start` is not finite); bootstrap refits started from the fit on
    every unit need fewer Newton steps and reach the same optimum (within the stopping tolerance).
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(targets, dtype=float)
    single = weights is None
    w = np.ones((1, len(s))) if weights is None else np.atleast_2d(np.asarray(weights, dtype=float))
    n_pos = w @ y
    n_neg = w.sum(axis=1) - n_pos
    t = np.where(y[None, :] > 0, ((n_pos + 1) / (n_pos + 2))[:, None], (1 / (n_neg + 2))[:, None])
    if start is None or not np.isfinite(start).all():
        params = np.column_stack([np.ones(len(w)), np.log((n_pos + 1) / (n_neg + 1))])
    else:
        params = np.tile(np.asarray(start, dtype=float), (len(w), 1))
    ridge = 1e-6

    def loss(p: np.ndarray) -> np.ndarray:
        z = p[:, :1] * s[None, :] + p[:, 1:]
        return (w * (np.logaddexp(0, z) - t * z)).sum(axis=1) + ridge * (p**2).sum(axis=1)

    current = loss(params)
    for _iteration in range(100):
        z = params[:, :1] * s[None, :] + params[:, 1:]
        p = 1 / (1 + np.exp(-z))
        r = w * (p - t)
        h = w * p * (1 - p)
        g = np.column_stack([(r * s).sum(1), r.sum(1)]) + 2 * ridge * params
        haa = (h * s * s).sum(1) + 2 * ridge
        hab = (h * s).sum(1)
        hbb = h.sum(1) + 2 * ridge
        det = haa * hbb - hab**2
        det = np.where(np.abs(det) < 1e-12, 1e-12, det)
        step = np.column_stack([(hbb * g[:, 0] - hab * g[:, 1]) / det, (haa * g[:, 1] - hab * g[:, 0]) / det])
        factor = np.ones(len(w))
        for _ in range(20):
            trial = params - factor[:, None] * step
            new = loss(trial)
            worse = new > current + 1e-12
            if not worse.any():
                break
            factor = np.where(worse, factor / 2, factor)
        else:  # the last halving is not evaluated yet (after a break, `new` is the loss at `trial`)
            trial = params - factor[:, None] * step
            new = loss(trial)
        improved = new <= current + 1e-12
        params = np.where(improved[:, None], trial, params)
        converged = np.abs(current - new) < 1e-10 * (1 + np.abs(current))
        current = np.minimum(new, current)
        if converged.all():
            break
    return params[0] if single else params


def apply_platt(scores: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Probabilities from scores; `params` (2,) or (replicates, 2) broadcast against scores."""
    params = np.asarray(params, dtype=float)
    if params.ndim == 1:
        return 1 / (1 + np.exp(-(params[0] * scores + params[1])))
    return 1 / (1 + np.exp(-(params[:, :1] * np.asarray(scores)[None, :] + params[:, 1:])))


# Share of units flagged for review besides those left in « Autres » (set on the out-of-fold
# decisions of the human-coded units): a review load people can carry (benchmarks/coding).
REVIEW_SHARE = 0.15


def expected_errors(
    probabilities: np.ndarray, thresholds: np.ndarray, chosen: np.ndarray | None = None,
) -> np.ndarray:
    """Per unit, the expected number of wrong theme decisions if the calibrated probabilities are
    right: 1 - p for each theme chosen, p for each theme not chosen. `chosen`: the decisions
    (default: p >= its threshold; with the best-theme policy, a theme below its threshold too)."""
    if probabilities.shape[1] == 0:
        return np.zeros(len(probabilities))
    p = np.nan_to_num(probabilities)
    return np.where(p >= thresholds if chosen is None else chosen, 1 - p, p).sum(axis=1)


# The abstention policy of a question counted in respondents (ModelSettings.best_theme_min_ratio):
# an answer that says something and that no theme claims gets the theme whose probability is
# highest relative to its threshold, unless even that one is below this share of its threshold
# (clearly off every theme: it stays in « Autres »).
BEST_THEME_MIN_RATIO = 0.5


def best_theme_choice(
    probabilities: np.ndarray, thresholds: np.ndarray, chosen: np.ndarray, min_ratio: float,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """`chosen` (units x themes the model decides) with the best-theme policy applied: each
    `eligible` unit (default: every unit no theme claims) gets its best theme, probability over
    threshold, when that ratio is at least `min_ratio`. A new array; `chosen` is not changed."""
    out = np.asarray(chosen, dtype=bool).copy()
    if probabilities.shape[1] == 0 or not len(out):
        return out
    candidates = ~out.any(axis=1) if eligible is None else np.asarray(eligible, dtype=bool) & ~out.any(axis=1)
    ratio = np.nan_to_num(probabilities) / np.maximum(thresholds, 1e-12)
    best = np.argmax(ratio, axis=1)
    rows = np.flatnonzero(candidates & (ratio[np.arange(len(best)), best] >= min_ratio))
    out[rows, best[rows]] = True
    return out


def _f1(y: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((y & predicted).sum())
    denominator = float(y.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


class LinearScore:
    """A linear scorer (`coef_` 1 x features, `intercept_` (1,)) with the `decision_function` of
    scikit-learn's linear models: the SVM and the character model of a theme, stacked, are one."""

    def __init__(self, coef: np.ndarray, intercept: float):
        self.coef_ = np.asarray(coef, dtype=float).reshape(1, -1)
        self.intercept_ = np.array([float(intercept)])

    def decision_function(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef_.ravel()).ravel() + self.intercept_[0]


def nb_ratio(X: Any, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """The naive-Bayes log-count ratio of each column of X (Wang & Manning, 2012):
    r = log((p / |p|1) / (q / |q|1)), p = alpha + the number of positive rows (y = 1) where the
    column is non-zero, q the same over the negative rows."""
    B = (X > 0).astype(float)
    p = alpha + np.asarray(B[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(B[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def _stacked(parts: list[tuple[Any, np.ndarray, slice | None]], weights: np.ndarray, width: int) -> LinearScore:
    """One linear model over `width` columns from a theme's models: parts are (model, its Platt
    pair, the columns it reads: None for all); weights[i] x model i's calibrated logit, +
    weights[-1]. The SVM reads every column, the character models the character n-grams."""
    coef = np.zeros(width)
    intercept = float(weights[-1])
    for (model, platt, columns), w in zip(parts, weights[:-1], strict=True):
        where = slice(None) if columns is None else columns
        coef[where] += w * platt[0] * model.coef_.ravel()
        intercept += w * (platt[0] * model.intercept_[0] + platt[1])
    return LinearScore(coef, intercept)


def stack_weights(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(w_1, …, w_m, intercept): the logistic regression of the human codes on the m models'
    calibrated out-of-fold logits (one column each; C=1): how much each model is worth for this
    theme."""
    from sklearn.linear_model import LogisticRegression

    stacker = LogisticRegression(C=1.0).fit(logits, y)
    return np.array([*stacker.coef_[0], stacker.intercept_[0]])


# --------------------------------------------------------------------------
# The classifier
# --------------------------------------------------------------------------


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """One-vs-rest linear SVMs with calibrated probabilities and per-theme thresholds.

    Multi-label when `y` is an indicator matrix (one column per theme): `predict` returns the
    themes whose probability reaches their threshold. With a 1-D `y` it is an ordinary
    classifier (the most probable class), which lets scikit-learn's estimator checks run.

    A theme with fewer than `min_positives` human examples (or negatives) cannot be calibrated
    or given a threshold by cross-validation: it is marked not covered (`covered_`), and the
    coder lets the rules decide it. Rows flagged by `prior_mask` in `fit` (the codebook's
    pseudo-examples) are always trained on and never used to measure.
    """

    # Defaults of the parameters added since models were first saved: a model file saved before
    # them is loaded without these attributes (its get_params, repr and scoring read these).
    self_training_weight = 0.0
    self_training_margin = 0.5
    self_training_rounds = 1
    self_training_transductive = True
    fold_average_decides = False
    best_theme_min_ratio = None
    char_model = False
    char_nb_stack = False

    def __init__(
        self,
        C: float = 0.3,
        cv: int = 5,
        min_positives: int = 3,
        threshold_shrinkage: float = 20.0,
        class_weight: str | None = "balanced",
        random_state: int = 0,
        self_training_weight: float = 0.0,
        self_training_margin: float = 0.5,
        self_training_rounds: int = 1,
        self_training_transductive: bool = True,
        fold_average_decides: bool = False,
        best_theme_min_ratio: float | None = None,
        char_model: bool = False,
        char_nb_stack: bool = False,
    ):
        self.C = C
        self.cv = cv
        self.min_positives = min_positives
        self.threshold_shrinkage = threshold_shrinkage
        self.class_weight = class_weight
        self.random_state = random_state
        self.self_training_weight = self_training_weight
        self.self_training_margin = self_training_margin
        self.self_training_rounds = self_training_rounds
        self.self_training_transductive = self_training_transductive
        self.fold_average_decides = fold_average_decides
        # The best-theme policy (best_theme_choice) with this ratio, None: off. Set for the
        # questions counted in respondents (fit_question_model); the review cut-off counts it.
        self.best_theme_min_ratio = best_theme_min_ratio
        # A second model per theme, stacked with the SVM (ModelSettings.char_model): a logistic
        # regression on the columns of X that `fit`'s `char_columns` names (the character
        # n-grams), its weight learnt per theme on the out-of-fold scores of both.
        self.char_model = char_model
        # A third model per theme beside the SVM and the character model: the character model on
        # the columns scaled by their naive-Bayes log-count ratio (NBSVM), stacked with both
        # (ModelSettings.char_nb_stack): the stacking weighs it per theme, nothing replaced.
        self.char_nb_stack = char_nb_stack

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        prior_mask: Any = None,
        pool: Any = None,
        char_columns: slice | None = None,
    ) -> ThemeClassifier:
        """`pool`: features of uncoded answers for self-training (used only when
        `self_training_weight` > 0 and `y` is multi-label; see `_self_train`). `char_columns`:
        with `char_model`, the columns of X the character model learns from (build_pipeline's
        character n-grams); the SVM learns from every column, as without it."""
        X, y = validate_data(self, X, y, accept_sparse="csr", multi_output=True)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # a column vector is one target, not one theme
        if y.ndim == 1:
            check_classification_targets(y)
            self.classes_, index = np.unique(y, return_inverse=True)
            Y = np.eye(len(self.classes_), dtype=np.int8)[index]
            self.multilabel_ = False
        else:
            if type_of_target(y) != "multilabel-indicator":
                raise ValueError("y must be a 1-D array of classes or a 0/1 indicator matrix")
            Y = y.astype(np.int8)
            self.classes_ = np.arange(Y.shape[1])
            self.multilabel_ = True
        n, k = Y.shape
        weights = _check_sample_weight(sample_weight, X)
        prior = np.zeros(n, dtype=bool) if prior_mask is None else np.asarray(prior_mask, dtype=bool)
        measured = np.flatnonzero(~prior)
        always = np.flatnonzero(prior)

        self.estimators_: list[LinearSVC | LinearScore | None] = []
        self.platt_ = np.tile([2.0, 0.0], (k, 1))
        self.constant_ = np.full(k, np.nan)
        self.covered_ = np.zeros(k, dtype=bool)
        self.n_positives_ = Y[measured].sum(axis=0).astype(int)
        self.oof_scores_ = np.zeros((len(measured), k))
        self.oof_targets_ = Y[measured].copy()
        # Per theme, the fold models of the cross-validation (empty where there is none): each
        # coded unit's out-of-fold score comes from the one that did not see it; cross-fitted
        # counts score the uncoded units with all of them (coding/estimate.py, « cross-fitted »).
        self.fold_estimators_: list[list[Any]] = [[] for _ in range(k)]
        self.fold_tests_: list[list[np.ndarray]] = [[] for _ in range(k)]
        oof_proba = np.full((len(measured), k), np.nan)
        # Self-training (an option) refits the SVMs with pseudo-labels: with it, the SVM decides alone.
        stacking = (bool(self.char_model) and char_columns is not None and char_columns.stop > char_columns.start
                    and not self.self_training_weight > 0)
        X_char = X[:, char_columns] if stacking else None
        self.stack_weights_ = np.full((k, 4 if self.char_nb_stack else 3), np.nan)
        for j in range(k):
            column = Y[:, j]
            if column.min() == column.max():
                self.estimators_.append(None)
                self.constant_[j] = float(column[0])
                continue
            y_measured = column[measured]
            positives = int(y_measured.sum())
            negatives = len(measured) - positives
            folds = min(self.cv, positives, negatives)
            coverable = positives >= self.min_positives and negatives >= self.min_positives and folds >= 2
            if coverable and stacking:
                assert char_columns is not None
                self._fit_stacked(j, X, X_char, char_columns, column, weights, measured, always, folds, oof_proba)
                continue
            if coverable:
                splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
                scores = np.zeros(len(measured))
                for train, test in splitter.split(np.zeros(len(measured)), y_measured):
                    rows = np.concatenate([measured[train], always])
                    svm = self._svm().fit(X[rows], column[rows], sample_weight=weights[rows])
                    scores[test] = svm.decision_function(X[measured[test]])
                    self.fold_estimators_[j].append(svm)
                    self.fold_tests_[j].append(test)
                self.oof_scores_[:, j] = scores
                self.platt_[j] = fit_platt(scores, y_measured)
                oof_proba[:, j] = apply_platt(scores, self.platt_[j])
                self.covered_[j] = True
            self.estimators_.append(self._svm().fit(X, column, sample_weight=weights))
        self.n_pseudo_ = np.zeros(k, dtype=int)
        if self.self_training_weight > 0 and self.multilabel_ and pool is not None and pool.shape[0]:
            self.thresholds_ = self._thresholds(oof_proba)
            for _round in range(self.self_training_rounds):
                oof_proba = self._self_train(X, Y, weights, measured, always, validate_data(
                    self, pool, accept_sparse="csr", reset=False))
                self.thresholds_ = self._thresholds(oof_proba)
        del self.fold_tests_
        # The fold models' average linear model per theme (float32: half the size of the final
        # model's coefficients, which it sits beside in the saved model).
        self.fold_coef_ = np.zeros((k, X.shape[1]), dtype=np.float32)
        self.fold_intercept_ = np.zeros(k)
        for j, fold_models in enumerate(self.fold_estimators_):
            if fold_models:
                self.fold_coef_[j] = np.mean([svm.coef_.ravel() for svm in fold_models], axis=0)
                self.fold_intercept_[j] = float(np.mean([svm.intercept_[0] for svm in fold_models]))
        self.thresholds_ = self._thresholds(oof_proba)
        covered = np.flatnonzero(self.covered_)
        errors = self.decision_errors(oof_proba[:, covered], self.thresholds_[covered])
        # The cut-off above which a unit is flagged for review: the REVIEW_SHARE of the
        # human-coded units (out of fold) most likely to hold a wrong decision.
        self.review_cutoff_ = float(np.quantile(errors, 1 - REVIEW_SHARE)) if len(errors) else np.inf
        return self

    def _char(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        # liblinear's dual solver: few coded answers, many n-gram columns; about 4 times faster than
        # newton-cg (itself 6 times faster than lbfgs) for scores correlated at 0.998 on GD163
        # (random_state: liblinear shuffles the coordinates; without it two trainings on the same codes,
        # e.g. one forked and one not, give models that differ in the 4th decimal)
        return LogisticRegression(C=CHAR_MODEL_C, class_weight=self.class_weight, solver="liblinear", dual=True,
                                  max_iter=1000, random_state=self.random_state)

    def _fit_nb_char(self, X_char: Any, y: np.ndarray, weights: np.ndarray) -> LinearScore:
        """The character model fitted on the columns scaled by their naive-Bayes ratio on these
        rows, as the equivalent linear model over the unscaled columns (coefficients x ratio)."""
        ratio = nb_ratio(X_char, y)
        char = self._char().fit(X_char @ sparse.diags(ratio), y, sample_weight=weights)
        return LinearScore(char.coef_.ravel() * ratio, char.intercept_[0])

    def _fit_stacked(
        self, j: int, X: Any, X_char: Any, columns: slice, column: np.ndarray, weights: np.ndarray,
        measured: np.ndarray, always: np.ndarray, folds: int, oof_proba: np.ndarray,
    ) -> None:
        """Theme j with the character model: on the same folds, the SVM (every column of X), a
        logistic regression (X_char, X's `columns`) and, with `char_nb_stack`, the same on the
        NB-scaled columns (`_fit_nb_char`) each give out-of-fold scores and their own Platt
        calibration; a logistic regression of the human codes on their calibrated logits
        (`stack_weights`) weighs them. Each fold's models, and the final ones, become one linear
        model over X (`_stacked`), so that scoring, the fold models' average and the stored
        scores work as with the SVM alone; the out-of-fold scores are the stacked ones,
        calibrated again."""
        fitters: list[tuple[Any, slice | None]] = [
            (lambda M, y, w: self._svm().fit(M, y, sample_weight=w), None),
            (lambda M, y, w: self._char().fit(M, y, sample_weight=w), columns),
        ]
        if self.char_nb_stack:
            fitters.append((self._fit_nb_char, columns))

        def fit_all(rows: Any) -> list[Any]:
            return [fit(X[rows] if part is None else X_char[rows], column[rows], weights[rows]) for fit, part in fitters]

        y_measured = column[measured]
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        scores = np.zeros((len(measured), len(fitters)))
        fold_models = []
        for train, test in splitter.split(np.zeros(len(measured)), y_measured):
            models = fit_all(np.concatenate([measured[train], always]))
            for i, (model, (_, part)) in enumerate(zip(models, fitters, strict=True)):
                scores[test, i] = model.decision_function((X if part is None else X_char)[measured[test]])
            fold_models.append(models)
            self.fold_tests_[j].append(test)
        platts = [fit_platt(scores[:, i], y_measured) for i in range(len(fitters))]
        logits = np.column_stack([p[0] * scores[:, i] + p[1] for i, p in enumerate(platts)])
        stack = stack_weights(logits, y_measured)
        self.stack_weights_[j] = stack

        def one(models: list[Any]) -> LinearScore:
            return _stacked([(m, p, part) for m, p, (_, part) in zip(models, platts, fitters, strict=True)],
                            stack, X.shape[1])

        self.fold_estimators_[j] = [one(models) for models in fold_models]
        stacked = logits @ stack[:-1] + stack[-1]
        self.oof_scores_[:, j] = stacked
        self.platt_[j] = fit_platt(stacked, y_measured)
        oof_proba[:, j] = apply_platt(stacked, self.platt_[j])
        self.covered_[j] = True
        self.estimators_.append(one(fit_all(np.arange(X.shape[0]))))

    def decision_errors(
        self, probabilities: np.ndarray, thresholds: np.ndarray, says: np.ndarray | None = None,
    ) -> np.ndarray:
        """`expected_errors` of the decisions this model makes, the best-theme policy included
        (`says`: which units say something, `text.says_something`; None: all of them): what the
        review cut-off is a quantile of."""
        chosen = probabilities >= thresholds
        if self.best_theme_min_ratio is not None:  # a class attribute too, for models saved before it
            chosen = best_theme_choice(probabilities, thresholds, chosen, self.best_theme_min_ratio, says)
        return expected_errors(probabilities, thresholds, chosen)

    def _pseudo_labels(self, svm: LinearSVC, j: int, pool: Any) -> tuple[np.ndarray, np.ndarray]:
        """The pool rows `svm` is confident about for theme j, and their 0/1 labels: calibrated
        probability at least `margin` of the way from the theme's threshold to 1 (positive), or
        at most (1 - margin) of its threshold (negative)."""
        p = apply_platt(svm.decision_function(pool), self.platt_[j])
        t = self.thresholds_[j]
        positive = p >= t + self.self_training_margin * (1 - t)
        negative = p <= (1 - self.self_training_margin) * t
        rows = np.flatnonzero(positive | negative)
        return rows, positive[rows].astype(np.int8)

    def _fit_with_pseudo(
        self, X: Any, column: np.ndarray, weights: np.ndarray, rows: np.ndarray, pool: Any,
        pseudo_rows: np.ndarray, pseudo_y: np.ndarray,
    ) -> LinearSVC:
        """A theme's SVM on `rows` of the coded units plus pseudo-labelled pool rows weighted by
        `self_training_weight`; the class weights (« balanced ») are those of the coded rows, so
        that the pseudo-labels do not shift them (with thousands of pseudo-negatives, they would)."""
        y_rows = column[rows]
        class_weight = np.ones(2)
        if self.class_weight == "balanced":
            counts = np.bincount(y_rows, minlength=2).astype(float)
            class_weight = np.where(counts > 0, len(y_rows) / (2 * np.maximum(counts, 1)), 1.0)
        X_all = sparse.vstack([X[rows], pool[pseudo_rows]], format="csr")
        y_all = np.concatenate([y_rows, pseudo_y])
        w_all = np.concatenate([weights[rows], np.full(len(pseudo_rows), self.self_training_weight)])
        w_all = w_all * class_weight[y_all]
        svm = LinearSVC(C=self.C, class_weight=None, random_state=self.random_state)
        return svm.fit(X_all, y_all, sample_weight=w_all)

    def _self_train(
        self, X: Any, Y: np.ndarray, weights: np.ndarray, measured: np.ndarray, always: np.ndarray, pool: Any,
    ) -> np.ndarray:
        """One round of self-training on the pool (uncoded answers): for each covered theme, each
        fold model labels the pool rows it is confident about and is refitted with them (so the
        coded units' out-of-fold scores, hence Platt and the thresholds, still come from models
        that never saw them, nor pseudo-labels made by a model that saw them); the final model the
        same with its own pseudo-labels. Human codes are never overridden: the pool holds no coded
        answer (fit_question_model removes them). Returns the new out-of-fold probabilities."""
        k = Y.shape[1]
        oof_proba = np.full((len(measured), k), np.nan)
        for j in np.flatnonzero(self.covered_).tolist():
            column = Y[:, j]
            y_measured = column[measured]
            scores = np.zeros(len(measured))
            folds = self.fold_estimators_[j]
            for f, (svm, test) in enumerate(zip(folds, self.fold_tests_[j], strict=True)):
                train = np.setdiff1d(np.arange(len(measured)), test)
                rows = np.concatenate([measured[train], always])
                # The fold's held-out units join its pool, unlabelled: the fold model sees them as
                # the final model sees the answers it will code (among its pool), so that their
                # out-of-fold scores, hence Platt and the thresholds, carry over to those answers.
                fold_pool = sparse.vstack([pool, X[measured[test]]], format="csr") if self.self_training_transductive else pool
                pseudo_rows, pseudo_y = self._pseudo_labels(svm, j, fold_pool)
                refit = self._fit_with_pseudo(X, column, weights, rows, fold_pool, pseudo_rows, pseudo_y)
                scores[test] = refit.decision_function(X[measured[test]])
                folds[f] = refit
            final = self.estimators_[j]
            assert final is not None
            pseudo_rows, pseudo_y = self._pseudo_labels(final, j, pool)
            self.n_pseudo_[j] = len(pseudo_rows)
            self.estimators_[j] = self._fit_with_pseudo(
                X, column, weights, np.arange(len(column)), pool, pseudo_rows, pseudo_y)
            self.oof_scores_[:, j] = scores
            self.platt_[j] = fit_platt(scores, y_measured)
            oof_proba[:, j] = apply_platt(scores, self.platt_[j])
        return oof_proba

    def _thresholds(self, oof_proba: np.ndarray) -> np.ndarray:
        k = len(self.covered_)
        thresholds = np.full(k, 0.5)
        covered = np.flatnonzero(self.covered_)
        if not len(covered):
            self.global_threshold_ = 0.5
            return thresholds
        targets = self.oof_targets_[:, covered].astype(bool)
        proba = oof_proba[:, covered]
        pooled = [_f1(targets.ravel(), (proba >= t).ravel()) for t in THRESHOLD_GRID]
        self.global_threshold_ = float(THRESHOLD_GRID[int(np.argmax(pooled))])
        for column, j in enumerate(covered):
            own = [_f1(targets[:, column], proba[:, column] >= t) for t in THRESHOLD_GRID]
            best = float(THRESHOLD_GRID[int(np.argmax(own))])
            weight = self.n_positives_[j] / (self.n_positives_[j] + self.threshold_shrinkage)
            thresholds[j] = weight * best + (1 - weight) * self.global_threshold_
        return thresholds

    def decision_function(self, X: Any) -> np.ndarray:
        scores = self._scores(X)
        if self.multilabel_:
            return scores
        proba = self._normalised(scores)
        if len(self.classes_) == 2:
            return np.log(proba[:, 1] + 1e-12) - np.log(proba[:, 0] + 1e-12)
        return np.log(proba + 1e-12)

    def _scores(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        scores = np.zeros((X.shape[0], len(self.estimators_)))
        for j, svm in enumerate(self.estimators_):
            if svm is None:
                scores[:, j] = 10.0 if self.constant_[j] > 0 else -10.0
            else:
                scores[:, j] = svm.decision_function(X)
        if self.fold_average_decides and hasattr(self, "fold_coef_"):
            # The covered themes are scored by the fold models' average linear model: the models
            # whose out-of-fold scores Platt and the thresholds were fitted on.
            covered = np.flatnonzero(self.covered_)
            if len(covered):
                scores[:, covered] = (
                    np.asarray(X @ self.fold_coef_[covered].T.astype(float)) + self.fold_intercept_[covered]
                )
        return scores

    def fold_probabilities(self, X: Any, average: str = "score") -> np.ndarray:
        """(units x themes) the fold models' calibrated probabilities, averaged over the folds.

        `average="score"`: the probability of the fold models' mean score, i.e. of their average
        linear model (`fold_coef_`, `fold_intercept_`: what the saved model keeps, one linear
        model per theme); "probability": the mean of each fold model's probability (needs the
        fold models themselves, kept in memory after `fit` only). NaN for the themes without
        fold models (not covered)."""
        check_is_fitted(self, "fold_coef_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        out = np.full((X.shape[0], len(self.covered_)), np.nan)
        if average == "probability":
            folds_of = getattr(self, "fold_estimators_", None)
            if folds_of is None:
                raise ValueError("the fold models are not kept in a saved model: use average='score'")
            for j, folds in enumerate(folds_of):
                if folds:
                    out[:, j] = np.mean([apply_platt(svm.decision_function(X), self.platt_[j]) for svm in folds], axis=0)
            return out
        covered = np.flatnonzero(self.covered_)
        if len(covered):
            scores = np.asarray(X @ self.fold_coef_[covered].T.astype(float)) + self.fold_intercept_[covered]
            for c, theme in enumerate(covered.tolist()):
                out[:, theme] = apply_platt(scores[:, c], self.platt_[theme])
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())
        state.pop("fold_estimators_", None)  # their average (fold_coef_) is what estimates use
        return state

    def _calibrated(self, scores: np.ndarray) -> np.ndarray:
        proba = np.column_stack(
            [apply_platt(scores[:, j], self.platt_[j]) for j in range(scores.shape[1])]
        ) if scores.shape[1] else np.zeros((scores.shape[0], 0))
        constant = ~np.isnan(self.constant_)
        proba[:, constant] = self.constant_[constant]
        return proba

    def _normalised(self, scores: np.ndarray) -> np.ndarray:
        proba = self._calibrated(scores)
        total = proba.sum(axis=1, keepdims=True)
        return np.where(total > 0, proba / np.where(total > 0, total, 1), 1 / proba.shape[1])

    def predict_proba(self, X: Any) -> np.ndarray:
        """Multi-label: each theme's own probability. Otherwise: rows sum to one."""
        scores = self._scores(X)
        return self._calibrated(scores) if self.multilabel_ else self._normalised(scores)

    def predict(self, X: Any) -> np.ndarray:
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= self.thresholds_).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]


# --------------------------------------------------------------------------
# The pipeline of a question
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelSettings:
    """Knobs of the model; defaults were set on the Grand Débat training folds (benchmarks/coding)."""

    C: float = 0.3
    cv: int = 5
    min_positives: int = 3
    threshold_shrinkage: float = 20.0
    word_ngrams: tuple[int, int] = (1, 3)
    char_ngrams: tuple[int, int] = (2, 5)
    max_features: int = 100_000  # per block: bounds the model's size on very large consultations
    use_keywords: bool = True
    use_codebook_examples: bool = True
    min_units: int = 8  # fewer human-coded units than this: the rules code the question
    # Latent semantic features fitted on every answer of the question (0: none; see
    # features.LatentSemanticFeatures and benchmarks/coding/RESULTS-five.md)
    latent_dims: int = 0
    latent_weight: float = 1.0
    # Fit the features (vocabularies, IDF) on every answer of the question, coded or not (at most
    # LATENT_CORPUS_MAX, a deterministic sample), instead of on the coded ones only: coded and
    # uncoded answers are then featurised alike, which the corrected counts need
    # (benchmarks/coding/RESULTS-five.md, « Cross-fitted counts »). The default since its cost at
    # a million answers was measured (BENCHMARKS.md, « Features fitted on every answer at 1M »).
    features_on_pool: bool = True
    # At most this many of the question's answers (a deterministic sample) for those features: at
    # a million answers, 50,000 per question cost 3 minutes of CPU and 2.3 GB more to train
    # (BENCHMARKS.md); the gains were measured with 1,250-1,905 answers per question.
    features_pool_max: int = 10_000
    # Self-training on the question's uncoded answers (0: off, the default): each theme's models
    # label the uncoded answers they are confident about (calibrated probability at least
    # `self_training_margin` of the way from the threshold to 1, or at most 1 - margin of the
    # threshold) and are refitted with them at this weight (a human code weighs 1), for
    # `self_training_rounds` rounds, on at most `self_training_pool_max` uncoded answers (a
    # deterministic sample). Calibration and thresholds stay out of fold on the human codes
    # (ThemeClassifier._self_train; benchmarks/coding/RESULTS-five.md, « Self-training »).
    self_training_weight: float = 0.0
    self_training_margin: float = 0.5
    self_training_rounds: int = 1
    self_training_pool_max: int = 5_000
    self_training_transductive: bool = True  # each fold's held-out coded units join its pool, unlabelled
    # Score the answers with the average of the cross-validation's fold models (fold_coef_)
    # instead of the model refitted on every coded answer: the calibration and the thresholds
    # were fitted on those fold models' out-of-fold scores. The default since 2026-12-04: at 20 %
    # hand-coded it lowered the corrected count error on all five benchmark questions, with
    # micro-F1 within +0.004 and no training cost (RESULTS-five.md, « The abstention policy »).
    fold_average_decides: bool = True
    # The abstention policy of the questions counted in respondents (best_theme_choice): an
    # answer that says something and that no theme claims gets its best theme unless its
    # probability is below this share of the theme's threshold. None: off (« Autres » for every
    # answer no theme claims, as the questions counted in propositions always do).
    best_theme_min_ratio: float | None = BEST_THEME_MIN_RATIO
    # A second model per theme, stacked with the SVM: a logistic regression (C=10, balanced) on
    # the character 2-5-grams of the folded text alone (the features' « caracteres » block; the
    # SVM sees every block), the two calibrated out-of-fold logits weighed per theme by a
    # logistic regression (ThemeClassifier._fit_stacked). The default since 2026-12-04: at 20 %
    # hand-coded, micro-F1 higher in mean on the five real questions with both codebooks (+0.023
    # on GD163, +0.001 to +0.018 elsewhere), counts as before; `consultation run` at 1M 1.06x
    # (training and cross-validation +23 s; benchmarks/coding/RESULTS-five.md and BENCHMARKS.md,
    # « A second model per theme »). Not with self-training (an option): the SVM then decides alone.
    char_model: bool = True
    # A third model per theme stacked with the SVM and the character model: the character model
    # on columns scaled by their naive-Bayes log-count ratio (NBSVM; ThemeClassifier.char_nb_stack).
    # The default since 2026-12-07: micro-F1 +0.005 to +0.038 on each of the five real questions
    # at 20 % hand-coded, with each codebook, no seed lower by more than 0.001
    # (benchmarks/coding/RESULTS-five.md, « Three models per theme »).
    char_nb_stack: bool = True
    # A theme without keywords gets its label's own words as keyword features (never as rules):
    # features.label_word_phrases. The default since 2026-12-05: with codebooks of labels alone,
    # micro-F1 +0.013 to +0.043 on three of the five real questions at 20 % hand-coded, within
    # 0.002 on the two others; codebooks whose themes all have keywords are unchanged
    # (benchmarks/coding/RESULTS-five.md, « The labels' own words »).
    label_words: bool = True

    def as_dict(self) -> dict[str, Any]:
        out = {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}
        # Absent when off: a model saved before the setting existed (features on the coded answers
        # only) keeps its version under these settings; with the default (on) the version differs,
        # so such a model is trained again, never reused as a model of today's default.
        if not self.features_on_pool:
            del out["features_on_pool"]
            del out["features_pool_max"]
        # Absent when off: models saved before the option keep their version under it.
        if not self.fold_average_decides:
            del out["fold_average_decides"]
        # Absent when off: models saved before the policy keep their version under it; with it
        # (the default) the version differs, so their stored decisions are made again.
        if self.best_theme_min_ratio is None:
            del out["best_theme_min_ratio"]
        # Absent when off: models saved before the option keep their version under it; with it
        # (the default) the version differs, so they are trained again.
        if not self.char_model:
            del out["char_model"]
        if not self.char_nb_stack:  # absent when off: models saved before it keep their version
            del out["char_nb_stack"]
        if not self.label_words:
            del out["label_words"]
        if not self.self_training_weight:
            for key in ("self_training_weight", "self_training_margin", "self_training_rounds",
                        "self_training_pool_max", "self_training_transductive"):
                del out[key]
        return out


DEFAULT_SETTINGS = ModelSettings()


def build_pipeline(
    patterns: Patterns, n_units: int, settings: ModelSettings = DEFAULT_SETTINGS, corpus: tuple[str, ...] = (),
    *, respondents: bool = False,
) -> Pipeline:
    """Features + classifier; rare n-grams are kept only when there is little data. `corpus`: the
    lemmas of the question's other answers, for the latent features. `respondents`: the question
    is counted in respondents (the best-theme policy applies)."""
    min_df = 2 if n_units >= 200 else 1
    transformers: list[tuple[str, Any, str]] = [
        (
            "lemmes",
            CompactTfidfVectorizer(
                ngram_range=settings.word_ngrams, sublinear_tf=True, min_df=min_df,
                max_features=settings.max_features,
                token_pattern=r"\S+", lowercase=False,
            ),
            "lemmas",
        ),
        (
            "caracteres",
            CompactTfidfVectorizer(
                analyzer="char_wb", ngram_range=settings.char_ngrams, sublinear_tf=True, min_df=min_df,
                max_features=settings.max_features,
                lowercase=False,
            ),
            "text",
        ),
    ]
    if settings.use_keywords and any(phrases for _, phrases in patterns):
        transformers.append(("mots_cles", KeywordFeatures(patterns), "content"))
    if settings.latent_dims:
        transformers.append((
            "latent", LatentSemanticFeatures(settings.latent_dims, corpus, settings.latent_weight), "lemmas",
        ))
    classifier = ThemeClassifier(
        C=settings.C, cv=settings.cv, min_positives=settings.min_positives,
        threshold_shrinkage=settings.threshold_shrinkage,
        self_training_weight=settings.self_training_weight,
        self_training_margin=settings.self_training_margin,
        self_training_rounds=settings.self_training_rounds,
        self_training_transductive=settings.self_training_transductive,
        fold_average_decides=settings.fold_average_decides,
        best_theme_min_ratio=settings.best_theme_min_ratio if respondents else None,
        char_model=settings.char_model,
        char_nb_stack=settings.char_nb_stack,
    )
    return Pipeline([("features", ColumnTransformer(transformers, sparse_threshold=1.0)), ("classifier", classifier)])


@dataclass
class QuestionModel:
    """A fitted pipeline for one question and the themes its columns stand for (« Autres » excluded)."""

    question_id: str
    theme_ids: list[str]
    pipeline: Pipeline
    n_units: int
    metrics: dict[str, Any] = field(default_factory=dict)
    # Per theme: may the keyword rules decide it where the model does not? No when, on the
    # human-coded units, the rules picked it mostly where humans did not.
    rules_trusted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def classifier(self) -> ThemeClassifier:
        return self.pipeline.named_steps["classifier"]

    @property
    def covered(self) -> np.ndarray:
        return self.classifier.covered_

    @property
    def thresholds(self) -> np.ndarray:
        return self.classifier.thresholds_

    def scores(self, frame: pd.DataFrame) -> np.ndarray:
        """(units x themes) raw SVM scores for a `features.unit_frame`."""
        if frame.empty:
            return np.zeros((0, len(self.theme_ids)))
        # In chunks: the character n-grams of a million units would not fit in memory at once.
        return np.vstack([
            self.pipeline.decision_function(frame.iloc[start : start + SCORE_CHUNK])
            for start in range(0, len(frame), SCORE_CHUNK)
        ])

    def fold_probabilities(self, frame: pd.DataFrame, average: str = "score") -> np.ndarray:
        """(units x themes) the cross-validation's fold models' calibrated probabilities, averaged
        (see ThemeClassifier.fold_probabilities), for a `features.unit_frame`."""
        if frame.empty:
            return np.zeros((0, len(self.theme_ids)))
        features = self.pipeline[:-1]
        return np.vstack([
            self.classifier.fold_probabilities(features.transform(frame.iloc[start : start + SCORE_CHUNK]), average)
            for start in range(0, len(frame), SCORE_CHUNK)
        ])

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        """Scores to calibrated probabilities (each theme on its own)."""
        return self.classifier._calibrated(scores)

    def probabilities(self, frame: pd.DataFrame) -> np.ndarray:
        """(units x themes) calibrated probabilities for a `features.unit_frame`."""
        return self.calibrate(self.scores(frame))

    def oof_probabilities(self) -> np.ndarray:
        """Out-of-fold probabilities of the human-coded units it was trained on, in training order."""
        return self.calibrate(self.classifier.oof_scores_)


def theme_matrix(theme_sets: list[list[str]] | list[set[str]], theme_ids: list[str]) -> np.ndarray:
    index = {t: j for j, t in enumerate(theme_ids)}
    Y = np.zeros((len(theme_sets), len(theme_ids)), dtype=np.int8)
    for i, themes in enumerate(theme_sets):
        for theme in themes:
            if theme in index:
                Y[i, index[theme]] = 1
    return Y


def can_train(question: Question, theme_sets: list[list[str]], settings: ModelSettings = DEFAULT_SETTINGS) -> bool:
    """Enough human-coded units, and at least one theme with enough examples to calibrate."""
    theme_ids = [t.id for t in question.themes if not t.is_other]
    if len(theme_sets) < settings.min_units or not theme_ids:
        return False
    return bool((theme_matrix(theme_sets, theme_ids).sum(axis=0) >= settings.min_positives).any())


def fit_question_model(
    question: Question,
    texts: list[str],
    theme_sets: list[list[str]],
    lemmatizer: Lemmatizer,
    settings: ModelSettings = DEFAULT_SETTINGS,
    unlabelled: Sequence[str] = (),
    *,
    unaware: Sequence[Collection[str]] = (),
    features: Any = None,
) -> QuestionModel | None:
    """Train on a question's human-coded units; None when there are too few to learn from.

    `unlabelled`: the question's other answers (texts): what the features are fitted on with
    `features_on_pool` (with the coded ones), and the latent features' corpus.
    `unaware`: per unit, the themes its coder did not have (added to the codebook since): their
    rules are not judged on that unit (`rules_trusted`).
    `features`: with `features_on_pool`, features already fitted by `fit_pool_features` (the
    cross-validation fits them once for all its folds: they do not depend on the codes)."""
    theme_ids = [t.id for t in question.themes if not t.is_other]
    if not can_train(question, theme_sets, settings):
        return None
    Y_human = theme_matrix(theme_sets, theme_ids)
    prior = codebook_examples(question) if settings.use_codebook_examples else []
    all_texts = list(texts) + [t for t, _ in prior]
    Y = np.vstack([Y_human, theme_matrix([[theme] for _, theme in prior], theme_ids)]) if prior else Y_human
    mask = np.r_[np.zeros(len(texts), dtype=bool), np.ones(len(prior), dtype=bool)]
    frame = unit_frame(all_texts, lemmatizer)
    corpus: tuple[str, ...] = ()
    if settings.latent_dims and len(unlabelled):
        distinct = list(dict.fromkeys(unlabelled))
        if len(distinct) > LATENT_CORPUS_MAX:
            keep = np.random.default_rng(0).choice(len(distinct), LATENT_CORPUS_MAX, replace=False)
            distinct = [distinct[i] for i in np.sort(keep)]
        corpus = tuple(unit_frame(distinct, lemmatizer)["lemmas"])
    pipeline = build_pipeline(
        codebook_patterns(question, lemmatizer, settings.label_words), len(texts), settings, corpus, respondents=question.unit == "respondents",
    )
    # Self-training's pool: the question's answers that are not coded (a coded answer's human codes
    # are never replaced by pseudo-labels), at most self_training_pool_max of them.
    uncoded: list[str] = []
    if settings.self_training_weight > 0:
        coded = set(texts)
        uncoded = [t for t in dict.fromkeys(unlabelled) if t not in coded and t and str(t).strip()]
    self_training = len(uncoded) > 0
    if (settings.features_on_pool and (features is not None or len(unlabelled))) or self_training or settings.char_model:
        if features is None:
            features = pipeline.named_steps["features"]
            fit_on = list(unlabelled) + all_texts if settings.features_on_pool else all_texts
            features.fit(unit_frame(
                pool_sample(fit_on, settings.features_pool_max) if settings.features_on_pool else fit_on, lemmatizer))
        else:
            pipeline.steps[0] = ("features", features)
        pool = None
        if self_training:
            pool = features.transform(unit_frame(pool_sample(uncoded, settings.self_training_pool_max), lemmatizer))
        char_columns = features.output_indices_[CHAR_BLOCK] if settings.char_model else None
        pipeline.named_steps["classifier"].fit(
            features.transform(frame), Y, prior_mask=mask, pool=pool, char_columns=char_columns)
    else:
        pipeline.fit(frame, Y, classifier__prior_mask=mask)
    model = QuestionModel(question.id, theme_ids, pipeline, len(texts))
    informed = None
    if any(unaware):
        informed = np.array([[t not in gone for t in theme_ids] for gone in unaware], dtype=bool)
    model.rules_trusted = rules_trusted(question, texts, Y_human, theme_ids, lemmatizer, informed)
    if len(unlabelled) >= REVIEW_POOL_MIN:
        set_review_cutoff(model, unlabelled, lemmatizer)
    model.metrics = training_metrics(model)
    return model


def fit_pool_features(
    question: Question, texts: Sequence[str], lemmatizer: Lemmatizer, settings: ModelSettings,
    unlabelled: Sequence[str],
) -> Any:
    """The features `fit_question_model` fits with `features_on_pool` for these coded texts (the
    question's answers, coded or not, and the codebook's examples), fitted once: no codes are
    used, so the cross-validation's folds share them (the answers of a fold's test part are among
    the question's answers, as the answers the model will code are). None when off, or no pool."""
    if not settings.features_on_pool or not len(unlabelled) or settings.latent_dims:
        return None
    prior = codebook_examples(question) if settings.use_codebook_examples else []
    all_texts = list(texts) + [t for t, _ in prior]
    pipeline = build_pipeline(
        codebook_patterns(question, lemmatizer, settings.label_words), len(texts), settings, respondents=question.unit == "respondents",
    )
    features = pipeline.named_steps["features"]
    features.fit(unit_frame(pool_sample(list(unlabelled) + all_texts, settings.features_pool_max), lemmatizer))
    return features


def pool_sample(texts: Sequence[str], limit: int = LATENT_CORPUS_MAX) -> list[str]:
    """The distinct texts, at most `limit` of them (a deterministic random sample that does not
    depend on which answers are coded)."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) > limit:
        keep = np.random.default_rng(0).choice(len(distinct), limit, replace=False)
        distinct = [distinct[i] for i in np.sort(keep)]
    return distinct


# The review cut-off is set on at most this many of the question's answers (a deterministic
# sample), when it has at least REVIEW_POOL_MIN; else on the human-coded ones, out of fold.
REVIEW_POOL_MAX = 2_000
REVIEW_POOL_MIN = 50


def set_review_cutoff(model: QuestionModel, answers: Sequence[str], lemmatizer: Lemmatizer) -> None:
    """Flag for review the REVIEW_SHARE of the question's answers most likely to hold a wrong
    decision: the cut-off is set on the answers the coding will decide (coded or not), not on
    the human-coded ones, whose out-of-fold errors are lower than those of new answers (on the
    five benchmark questions the latter rule flagged 17–32 % of them, not 15 %)."""
    distinct = list(dict.fromkeys(t for t in answers if t and str(t).strip()))
    if len(distinct) > REVIEW_POOL_MAX:
        keep = np.random.default_rng(0).choice(len(distinct), REVIEW_POOL_MAX, replace=False)
        distinct = [distinct[i] for i in np.sort(keep)]
    covered = np.flatnonzero(model.covered)
    if len(distinct) < REVIEW_POOL_MIN or not len(covered):
        return
    proba = model.probabilities(unit_frame(distinct, lemmatizer))
    says = np.array([says_something(t) for t in distinct], dtype=bool)
    errors = model.classifier.decision_errors(proba[:, covered], model.thresholds[covered], says)
    model.classifier.review_cutoff_ = float(np.quantile(errors, 1 - REVIEW_SHARE))
    model.classifier.review_on_answers_ = True


# Rules whose precision on the human-coded units is below this are not used for a theme.
MIN_RULE_PRECISION = 0.5


def rules_trusted(
    question: Question, texts: list[str], Y: np.ndarray, theme_ids: list[str], lemmatizer: Lemmatizer,
    informed: np.ndarray | None = None,
) -> np.ndarray:
    """A theme's rules are trusted unless, on the human-coded units, most of their hits are wrong.

    A rule that never fires there cannot be judged and stays trusted (as with no codes at all).
    `informed` (units x themes): where False, the unit's coder did not have the theme (it was added
    to the codebook after the coding by hand), so the unit does not judge that theme's rules: a
    new theme is coded by its keywords until coders have had it.
    """
    from consultation.coding.rules import RuleCoder

    index = {t: j for j, t in enumerate(theme_ids)}
    fired = np.zeros_like(Y, dtype=bool)
    for i, hits in enumerate(RuleCoder([question], lemmatizer).code(question.id, list(texts))):
        for hit in hits:
            if hit.theme_id in index:
                fired[i, index[hit.theme_id]] = True
    if informed is not None:
        fired &= informed
    n_fired = fired.sum(axis=0)
    right = (fired & (Y > 0)).sum(axis=0)
    return (n_fired == 0) | (right >= MIN_RULE_PRECISION * n_fired)


def training_metrics(model: QuestionModel) -> dict[str, Any]:
    """Out-of-fold agreement on the training units (what the thresholds were chosen on)."""
    clf = model.classifier
    covered = np.flatnonzero(clf.covered_)
    out: dict[str, Any] = {
        "n_units": model.n_units,
        "covered_themes": [model.theme_ids[j] for j in covered],
        "thresholds": {model.theme_ids[j]: round(float(clf.thresholds_[j]), 3) for j in covered},
    }
    if len(covered):
        proba = np.column_stack([apply_platt(clf.oof_scores_[:, j], clf.platt_[j]) for j in covered])
        predicted = proba >= clf.thresholds_[covered]
        targets = clf.oof_targets_[:, covered].astype(bool)
        out["oof_micro_f1"] = round(_f1(targets.ravel(), predicted.ravel()), 4)
    return out


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


def model_version(
    codebook_version: int, training_hash: str, settings: ModelSettings, units_digest: str = ""
) -> str:
    """Deterministic: the same codes, texts, codebook and settings give the same version (and file)."""
    blob = json.dumps([MODEL_SPEC, training_hash, units_digest, settings.as_dict()], sort_keys=True).encode()
    return f"m{codebook_version}-{hashlib.sha256(blob).hexdigest()[:10]}"
