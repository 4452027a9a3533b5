"""How close the automatic coding is to human coders: k-fold cross-validation on the human codes.

Each question's human-coded units are split in k folds (a respondent's units stay in one
fold); the whole coder (model trained on the other folds, rules, « Autres ») codes the held-out
fold, and its codes are compared with the human ones. Questions with too few human codes for a
model are coded by the rules, which learn nothing: they are compared on every unit directly.

Reported per question and for all questions together: micro- and macro-F1 (over the themes that
humans or the coder used), Cohen's kappa over every (unit, theme) decision, and per theme the
precision, recall, F1, kappa and count error (predicted count - human count). A majority-class
reference (every unit gets the most frequent theme of the training folds) says what "no skill"
scores.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupKFold

from consultation import fmt, store
from consultation.codebook import Consultation, Question
from consultation.coding.engine import decide
from consultation.coding.features import unit_frame
from consultation.coding.model import (
    DEFAULT_SETTINGS,
    ModelSettings,
    can_train,
    fit_pool_features,
    fit_question_model,
)
from consultation.coding.rules import RuleCoder
from consultation.coding.training import (
    PARALLEL_TRAINING_FROM,
    TrainingUnits,
    current_version,
    training_units,
)
from consultation.parallel import fork_map
from consultation.text import Lemmatizer

N_FOLDS = 5
# From this many hand-coded units, 3 folds: each fold's model still learns from thousands of
# codes and the measure is as stable, for 40 % less time (35 model fits instead of 60 per
# question with the classifier's own inner folds). Slightly pessimistic: each fold's model sees
# two thirds of the codes instead of four fifths.
MANY_HAND_CODED_UNITS = 2_000
FOLDS_WHEN_MANY = 3
RULES_VERSION = "rules"  # model_version of an evaluation where no question had enough codes for a model


@dataclass
class ThemeScore:
    theme_id: str
    label: str
    support: int  # units humans coded with the theme
    predicted: int  # units the coder gave it (out of fold)
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None
    count_error: int  # predicted - support


@dataclass
class QuestionEvaluation:
    question_id: str
    engine: str  # 'model' (cross-validated) or 'rules' (applied to every unit)
    n_units: int
    n_folds: int
    micro_f1: float | None
    macro_f1: float | None
    kappa: float | None
    majority_micro_f1: float | None
    majority_macro_f1: float | None
    themes: list[ThemeScore] = field(default_factory=list)


@dataclass
class Evaluation:
    consultation_id: str
    model_version: str
    n_folds: int
    n_units: int
    micro_f1: float | None
    macro_f1: float | None
    kappa: float | None
    questions: list[QuestionEvaluation] = field(default_factory=list)
    created_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def _kappa(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    if truth.size == 0 or (truth.min() == truth.max() == predicted.min() == predicted.max()):
        return None
    value = cohen_kappa_score(truth.ravel().astype(int), predicted.ravel().astype(int))
    return None if np.isnan(value) else float(value)


def _used(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    return (truth.sum(axis=0) > 0) | (predicted.sum(axis=0) > 0)


def micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    tp = float((truth & predicted).sum())
    return _ratio(2 * tp, float(truth.sum() + predicted.sum()))


def macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float | None:
    """Mean F1 over the themes humans or the coder used (an unused theme has no F1)."""
    used = np.flatnonzero(_used(truth, predicted))
    if not len(used):
        return None
    return float(np.mean([micro_f1(truth[:, j], predicted[:, j]) or 0.0 for j in used]))


def theme_scores(question: Question, ids: list[str], truth: np.ndarray, predicted: np.ndarray) -> list[ThemeScore]:
    labels = {t.id: t.label for t in question.coded_themes}
    out = []
    for j, theme_id in enumerate(ids):
        t, p = truth[:, j], predicted[:, j]
        tp = float((t & p).sum())
        out.append(ThemeScore(
            theme_id, labels.get(theme_id, theme_id), int(t.sum()), int(p.sum()),
            _ratio(tp, float(p.sum())), _ratio(tp, float(t.sum())),
            micro_f1(t, p) if (t.any() or p.any()) else None, _kappa(t, p), int(p.sum() - t.sum()),
        ))
    return out


# --------------------------------------------------------------------------
# Cross-validation
# --------------------------------------------------------------------------


def targets_of(question: Question, theme_sets: list[list[str]]) -> tuple[list[str], np.ndarray]:
    """Human codes as a matrix over the question's themes, « Autres » last (also when no theme applies)."""
    ids = [t.id for t in question.themes if not t.is_other] + [question.other_theme.id]
    index = {t: j for j, t in enumerate(ids)}
    truth = np.zeros((len(theme_sets), len(ids)), dtype=bool)
    for i, themes in enumerate(theme_sets):
        for theme in themes:
            if theme in index:
                truth[i, index[theme]] = True
        if not truth[i, :-1].any():
            truth[i, -1] = True
    return ids, truth


def cross_validate_question(
    question: Question,
    training: TrainingUnits,
    lemmatizer: Lemmatizer,
    rules: RuleCoder,
    *,
    settings: ModelSettings = DEFAULT_SETTINGS,
    n_folds: int = N_FOLDS,
    seed: int = 0,
) -> tuple[QuestionEvaluation, np.ndarray, np.ndarray]:
    """Out-of-fold codes of the whole coder for every human-coded unit, compared with the humans'.

    Returns the scores, the human codes and the out-of-fold codes (units x themes, « Autres » last).
    """
    ids, truth = targets_of(question, training.theme_sets)
    n = len(training)
    texts = list(training.texts)
    hits = rules.code(question.id, texts)
    predicted = np.zeros_like(truth)
    majority = np.zeros_like(truth)
    groups = np.asarray(training.respondent_ids)
    folds = min(n_folds, len(set(training.respondent_ids)))
    if folds < 2 or not can_train(question, training.theme_sets, settings):
        d = decide(question, None, None, hits)
        predicted = np.column_stack([d.chosen, d.other])
        engine, used_folds = "rules", 0
        majority[:, int(np.argmax(truth.sum(axis=0)))] = True
    else:
        engine, used_folds = "model", folds
        splitter = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        # Features fitted on the question's answers once for every fold (they use no codes), not
        # again on up to 50,000 answers in each fold.
        shared = fit_pool_features(question, texts, lemmatizer, settings, training.pool)
        for train, test in splitter.split(np.zeros(n), groups=groups):
            model = fit_question_model(
                question, [texts[i] for i in train], [training.theme_sets[i] for i in train], lemmatizer, settings,
                training.pool, unaware=[training.unaware[i] for i in train] if training.unaware else (),
                features=shared,
            )
            test_hits = [hits[i] for i in test]
            if model is None:
                d = decide(question, None, None, test_hits)
            else:
                test_texts = [texts[i] for i in test]
                d = decide(question, model, model.probabilities(unit_frame(test_texts, lemmatizer)), test_hits,
                           texts=test_texts)
            predicted[test] = np.column_stack([d.chosen, d.other])
            majority[np.ix_(test, [int(np.argmax(truth[train].sum(axis=0)))])] = True
    return QuestionEvaluation(
        question.id, engine, n, used_folds,
        micro_f1(truth, predicted), macro_f1(truth, predicted), _kappa(truth, predicted),
        micro_f1(truth, majority), macro_f1(truth, majority),
        theme_scores(question, ids, truth, predicted),
    ), truth, predicted


def evaluate_consultation(
    con: duckdb.DuckDBPyConnection,
    consultation: Consultation,
    lemmatizer: Lemmatizer,
    *,
    settings: ModelSettings = DEFAULT_SETTINGS,
    n_folds: int | None = None,
    seed: int = 0,
) -> Evaluation:
    """Cross-validate every question that has human codes; questions without any are left out.

    `n_folds`: N_FOLDS, or FOLDS_WHEN_MANY from MANY_HAND_CODED_UNITS hand-coded units.
    """
    units = training_units(con, consultation)
    if n_folds is None:
        hand_coded = sum(len(u) for u in units.values())
        n_folds = FOLDS_WHEN_MANY if hand_coded >= MANY_HAND_CODED_UNITS else N_FOLDS
    rules = RuleCoder(consultation.questions, lemmatizer)
    todo = [q for q in consultation.questions if q.id in units]
    total = sum(len(units[q.id]) for q in todo)

    def validate(question: Question) -> tuple[QuestionEvaluation, np.ndarray, np.ndarray]:
        return cross_validate_question(
            question, units[question.id], lemmatizer, rules, settings=settings, n_folds=n_folds, seed=seed
        )

    done = fork_map(validate, todo, workers=None if total >= PARALLEL_TRAINING_FROM else 1)
    questions = [d[0] for d in done]
    truths = [d[1] for d in done]
    predictions = [d[2] for d in done]
    pooled_t = np.concatenate([t.ravel() for t in truths]) if truths else np.zeros(0, dtype=bool)
    pooled_p = np.concatenate([p.ravel() for p in predictions]) if predictions else np.zeros(0, dtype=bool)
    f1s = [s.f1 for q in questions for s in q.themes if s.f1 is not None]
    any_model = any(q.engine == "model" for q in questions)
    version = current_version(con, consultation, settings, units) if any_model else RULES_VERSION
    return Evaluation(
        consultation.id, version, n_folds, sum(q.n_units for q in questions),
        micro_f1(pooled_t, pooled_p), float(np.mean(f1s)) if f1s else None, _kappa(pooled_t, pooled_p),
        questions,
    )


def evaluation_is_current(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, settings: ModelSettings = DEFAULT_SETTINGS
) -> bool:
    """The latest stored evaluation is of the model the current human codes give: nothing to redo.

    Rules-only evaluations are cheap (no cross-validation) and are always redone.
    """
    units = training_units(con, consultation)
    if not any(q.id in units and can_train(q, units[q.id].theme_sets, settings) for q in consultation.questions):
        return False
    latest = con.execute(
        "SELECT model_version FROM evaluations WHERE consultation_id = ? ORDER BY created_at DESC LIMIT 1",
        [consultation.id],
    ).fetchall()  # read to its end: DuckDB 2.0 keeps an unread result open
    return bool(latest) and latest[0][0] == current_version(con, consultation, settings, units)


def stored_evaluation(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, model_version: str
) -> Evaluation | None:
    """An evaluation read back from the table `evaluations` (None when there is none)."""
    rows = con.execute(
        "SELECT question_id, details_json FROM evaluations WHERE consultation_id = ? AND model_version = ?",
        [consultation.id, model_version],
    ).fetchall()
    overall = next((json.loads(d) for q, d in rows if q is None), None)
    if overall is None:
        return None
    by_question = {q: json.loads(d) for q, d in rows if q is not None}
    questions = []
    for question in consultation.questions:
        item = by_question.get(question.id)
        if item is not None:
            themes = [ThemeScore(**t) for t in item.pop("themes", [])]
            questions.append(QuestionEvaluation(**item, themes=themes))
    return Evaluation(**overall, questions=questions)


def current_evaluation(
    con: duckdb.DuckDBPyConnection, consultation: Consultation, settings: ModelSettings = DEFAULT_SETTINGS
) -> Evaluation | None:
    """The stored evaluation of the model the current human codes give, if any."""
    if not evaluation_is_current(con, consultation, settings):
        return None
    return stored_evaluation(con, consultation, current_version(con, consultation, settings))


def store_evaluation(con: duckdb.DuckDBPyConnection, evaluation: Evaluation) -> int:
    """One row per question and one for all questions together (question_id NULL)."""
    now = datetime.now()
    rows: list[tuple] = [
        (evaluation.consultation_id, evaluation.model_version, None, evaluation.n_units, evaluation.micro_f1,
         evaluation.macro_f1, evaluation.kappa,
         json.dumps({k: v for k, v in evaluation.to_dict().items() if k != "questions"}, ensure_ascii=False), now),
    ]
    for q in evaluation.questions:
        rows.append((
            evaluation.consultation_id, evaluation.model_version, q.question_id, q.n_units, q.micro_f1,
            q.macro_f1, q.kappa, json.dumps(asdict(q), ensure_ascii=False), now,
        ))
    with store.transaction(con):
        con.execute(
            "DELETE FROM evaluations WHERE consultation_id = ? AND model_version = ?",
            [evaluation.consultation_id, evaluation.model_version],
        )
        con.executemany("INSERT INTO evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


# --------------------------------------------------------------------------
# For people
# --------------------------------------------------------------------------


def format_evaluation(evaluation: Evaluation, consultation: Consultation | None = None) -> str:
    """A plain-text report in French: one block per question, a table of themes in each."""
    texts = {q.id: q.text for q in consultation.questions} if consultation else {}
    lines = [
        f"Accord du codage automatique avec les codeurs humains — {evaluation.consultation_id}",
        f"(validation croisée en {evaluation.n_folds} plis sur les réponses codées à la main ; "
        f"modèle {evaluation.model_version})",
        "",
        f"Ensemble : {fmt.count(evaluation.n_units, 'unité')} ; F1 micro {fmt.decimal(evaluation.micro_f1)} ; "
        f"F1 macro {fmt.decimal(evaluation.macro_f1)} ; kappa de Cohen {fmt.decimal(evaluation.kappa)}",
    ]
    for q in evaluation.questions:
        how = (
            f"modèle, validation croisée en {q.n_folds} plis" if q.engine == "model"
            else "règles par mots-clés (trop peu de codes humains pour un modèle)"
        )
        lines += [
            "",
            f"{q.question_id} — {texts.get(q.question_id, '')}".rstrip(" —"),
            f"  {fmt.count(q.n_units, 'unité codée', 'unités codées')} à la main ; {how}",
            f"  F1 micro {fmt.decimal(q.micro_f1)} ; F1 macro {fmt.decimal(q.macro_f1)} ; kappa {fmt.decimal(q.kappa)} "
            f"(référence « thème le plus fréquent » : F1 micro {fmt.decimal(q.majority_micro_f1)}, "
            f"F1 macro {fmt.decimal(q.majority_macro_f1)})",
        ]
        width = min(48, max([len(s.label) for s in q.themes] + [5]))
        header = f"  {'Thème':<{width}}  {'Humains':>7}  {'Prédits':>7}  {'Écart':>5}  {'Précision':>9}  {'Rappel':>6}  {'F1':>5}"
        lines += [header, "  " + "-" * (len(header) - 2)]
        for s in q.themes:
            label = s.label if len(s.label) <= width else s.label[: width - 1] + "…"
            lines.append(
                f"  {label:<{width}}  {s.support:>7}  {s.predicted:>7}  {s.count_error:>+5}  "
                f"{fmt.decimal(s.precision):>9}  {fmt.decimal(s.recall):>6}  {fmt.decimal(s.f1):>5}"
            )
    return "\n".join(lines)
