"""Five-question development benchmark of the coding engine, side by side with the plain baseline.

    nice -n 10 python benchmarks/coding/bench_five.py                  # 5 questions, 3 seeds, 20 % and 50 %
    nice -n 10 python benchmarks/coding/bench_five.py --variants latent no-best-theme

Questions (read in place, never copied; a missing file is skipped with a notice):

- Grand Débat question 163 (`../shared/data/grand-debat-fiscalite/answers.csv`, the 1,699
  answers with consensus labels, 23 themes; codebook benchmarks/coding/grand-debat-codebook.yaml);
- « Entendre la France » DC11, DC12, OE10, TE11 (`../shared/data/entendre-la-france/tags.csv`,
  tags joined by `|`). There is no codebook for them: one is built from the tag labels alone
  (a theme per tag, its label only: no description, keyword or example).

For each question, training share and seed: `train_test_split(train_size=share, random_state=seed)`;
every method is fitted on the training part only and measured on the rest. Methods:

- `baseline`: the data README's plain baseline (TF-IDF word 1-2-grams, sublinear; one-vs-rest
  logistic regression C=10, balanced; threshold 0.5);
- `engine`: the engine as `consultation code` runs it (ModelSettings defaults, the codebook, its
  keyword rules, corrected counts of coding/estimate.py);
- variants (`--variants`), each today's defaults with one change (see METHODS): `latent` (latent
  semantic features fitted on every answer of the question, labelled or not), `no-best-theme` (the
  abstention policy off: an answer no theme claims stays in « Autres »), `refitted-decides` (the
  model refitted on every coded answer decides, not the cross-validation's averaged fold models),
  `former-default` (both: the defaults before 2026-12-04), `self-train*` (self-training on the
  question's uncoded answers: ModelSettings.self_training_*), `C0.1`, `C1` (the SVMs'
  regularisation), `no-char-model` (without the logistic regression on character n-grams stacked
  with each theme's SVM, ModelSettings.char_model, the default since 2026-12-04), `no-label-words`
  (a theme without keywords does not get its label's own words as features,
  ModelSettings.label_words, the default since 2026-12-05).

The shared data are read from `../shared/data` beside the checkout, or from the directory in
the environment variable CONSULTATION_SHARED_DATA (a worktree elsewhere).

`--codebook keywords`: the tag questions' themes get the descriptions and keywords of
tags-codebook-keywords.yaml (written from the labels alone). `--codebook labels-only`: question
163's themes too are reduced to their labels (no description, keyword or example), as the tag
questions' are by default.

Corrected counts, side by side on the same model and decisions: `calibrated` (the default of
coding/estimate.py), `difference` and `sample-share` (its options), and `spread matched` (the
difference estimator after the final model's scores are rescaled to the out-of-fold spread: an
experiment of this benchmark only); the second table printed.

Metrics: micro-F1; count error = sum over themes of |count - true count| / true total, raw
(decisions added up) and corrected; coverage = share of themes whose 90 % interval holds the
true count; share of test answers flagged for review and share left in « Autres ».
Results: results-five.json (or --out) and the tables printed (copied into RESULTS-five.md).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from consultation.codebook import Question, Theme
from consultation.coding.engine import decide
from consultation.coding.estimate import (
    ESTIMATOR_CROSS_FITTED,
    ESTIMATOR_DIFFERENCE,
    ESTIMATOR_EXPANSION,
    calibrate_question,
    estimate_counts,
)
from consultation.coding.features import unit_frame
from consultation.coding.model import ModelSettings, fit_question_model, theme_matrix
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, load_nlp, normalise_text

HERE = Path(__file__).resolve().parent
# The shared data beside the checkout; CONSULTATION_SHARED_DATA overrides it (a worktree elsewhere).
DATA = Path(os.environ.get("CONSULTATION_SHARED_DATA", HERE.parents[1].parent / "shared" / "data"))
GRAND_DEBAT = DATA / "grand-debat-fiscalite" / "answers.csv"
TAGS = DATA / "entendre-la-france" / "tags.csv"
ANSWERS = DATA / "entendre-la-france" / "answers.csv"
CODEBOOK = HERE / "grand-debat-codebook.yaml"
TAGS_KEYWORDS = HERE / "tags-codebook-keywords.yaml"  # descriptions and keywords written from the tag labels
TAG_QUESTIONS = ["DC11", "DC12", "OE10", "TE11"]
SEEDS = (0, 1, 2)
REVIEW_MARGINS = (0.1, 0.05, 0.025)


class Case:
    """One question: its codebook, labelled texts and theme sets, and every answer (the pool)."""

    def __init__(self, name: str, question: Question, texts: list[str], sets: list[list[str]], pool: list[str]):
        self.name, self.question, self.texts, self.sets, self.pool = name, question, texts, sets, pool
        self.theme_ids = [t.id for t in question.themes if not t.is_other]
        self.Y = theme_matrix(sets, self.theme_ids)


def load_cases(only: list[str] | None, keywords: bool = False, labels_only: bool = False) -> list[Case]:
    """The five questions; with `keywords`, the tag questions' themes get the descriptions and
    keywords of tags-codebook-keywords.yaml (the issue's « with keywords » codebook); with
    `labels_only`, question 163's themes keep their labels only, as the tag questions' do."""
    cases = []
    written = yaml.safe_load(TAGS_KEYWORDS.read_text(encoding="utf-8")) if keywords else {}
    if GRAND_DEBAT.exists():
        question = Question.model_validate(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["questions"][0])
        if labels_only:
            question = question.model_copy(update={"themes": [
                Theme(id=t.id, label=t.label, category=t.category) for t in question.themes]})
        frame = pd.read_csv(GRAND_DEBAT)
        pool = [normalise_text(t) for t in frame["answer"].fillna("")]
        frame = frame[frame["labels"].notna() & (frame["labels"].str.strip() != "")].reset_index(drop=True)
        by_label = {t.label: t.id for t in question.themes}
        sets = [[by_label[label] for label in labels.split("|")] for labels in frame["labels"]]
        cases.append(Case("GD163", question, [normalise_text(t) for t in frame["answer"]], sets, pool))
    else:
        print(f"Question 163 ignorée : {GRAND_DEBAT} est absent (données partagées hors du dépôt).")
    if TAGS.exists():
        tags = pd.read_csv(TAGS)
        answers = pd.read_csv(ANSWERS) if ANSWERS.exists() else pd.DataFrame(columns=["question_id", "answer"])
        for qid in TAG_QUESTIONS:
            mine = tags[(tags["question_id"] == qid) & tags["tags"].notna()].reset_index(drop=True)
            if mine.empty:
                print(f"Question {qid} ignorée : aucune réponse étiquetée dans {TAGS}.")
                continue
            labels = sorted({t.strip() for ts in mine["tags"] for t in ts.split("|") if t.strip()})
            extra = written.get(qid, {})
            themes = [Theme(id=f"t{j:02d}", label=label, **extra.get(label, {})) for j, label in enumerate(labels)]
            themes.append(Theme(id="autres", label="Autres"))
            question = Question(
                id=qid, section="Entendre la France", text=str(mine["question_text"].iloc[0]),
                unit="respondents", columns=["answer"], themes=themes,
            )
            by_label = {t.label: t.id for t in themes}
            sets = [[by_label[t.strip()] for t in ts.split("|") if t.strip()] for ts in mine["tags"]]
            texts = [normalise_text(t) for t in mine["answer"].fillna("")]
            others = answers.loc[answers["question_id"] == qid, "answer"].fillna("")
            pool = list(dict.fromkeys(texts + [normalise_text(t) for t in others]))
            cases.append(Case(qid, question, texts, sets, pool))
    else:
        print(f"Questions DC11, DC12, OE10, TE11 ignorées : {TAGS} est absent.")
    return [c for c in cases if not only or c.name in only]


def add_codebook_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--codebook", choices=["labels", "keywords", "labels-only"], default="labels",
                        help="tag questions: labels only, or with the descriptions and keywords of "
                             "tags-codebook-keywords.yaml; labels-only: question 163's themes too")


def chosen_cases(args: argparse.Namespace) -> list[Case]:
    """The questions `--questions` and `--codebook` ask for; a notice when none is present."""
    cases = load_cases(args.questions, keywords=args.codebook == "keywords", labels_only=args.codebook == "labels-only")
    if not cases:
        print("Benchmark ignoré : aucune des données partagées n'est présente.")
    return cases


def count_error(Y: np.ndarray, counts: np.ndarray) -> float:
    return float(np.abs(np.asarray(counts, dtype=float) - Y.sum(axis=0)).sum() / max(Y.sum(), 1))


def micro_f1(Y: np.ndarray, P: np.ndarray) -> float:
    if len(Y) == 0:  # e.g. no answer flagged for review
        return float("nan")
    return float(f1_score(Y, P, average="micro", zero_division=0))


def run_baseline(train_texts: list[str], Y_train: np.ndarray, test_texts: list[str]) -> np.ndarray:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    X = vectorizer.fit_transform(train_texts)
    present = Y_train.sum(axis=0) > 0  # a theme absent from the training part is never predicted
    P = np.zeros((len(test_texts), Y_train.shape[1]), dtype=int)
    model = OneVsRestClassifier(LogisticRegression(C=10, class_weight="balanced", max_iter=5000))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, Y_train[:, present])
    P[:, present] = model.predict_proba(vectorizer.transform(test_texts)) >= 0.5
    return P


def run_engine(
    case: Case, settings: ModelSettings, lemmatizer: Lemmatizer, rules: RuleCoder,
    train: np.ndarray, test: np.ndarray,
) -> dict[str, float]:
    question = case.question
    tr_texts, te_texts = [case.texts[i] for i in train], [case.texts[i] for i in test]
    tr_sets = [case.sets[i] for i in train]
    t0 = time.perf_counter()
    model = fit_question_model(question, tr_texts, tr_sets, lemmatizer, settings, unlabelled=case.pool)
    fit_seconds = time.perf_counter() - t0
    scores = model.scores(unit_frame(te_texts, lemmatizer)) if model is not None else None
    probabilities = model.calibrate(scores) if model is not None else None
    d = decide(question, model, probabilities, rules.code(question.id, te_texts), scores, te_texts)
    calibration = calibrate_question(question, model, tr_sets, rules.code(question.id, tr_texts), tr_texts)
    national = {"France": np.ones(len(te_texts), dtype=bool)}
    estimates = estimate_counts(d, calibration, national, n_bootstrap=200)
    by_theme = estimates.set_index("theme_id").loc[d.theme_ids]
    Y = case.Y[test]
    truth = Y.sum(axis=0)
    covered = (by_theme["ci_low"].to_numpy() <= truth) & (truth <= by_theme["ci_high"].to_numpy())
    # The difference estimator, side by side (same model, same decisions), and the plain
    # expansion of the coded sample's shares (no model at all: the floor a model has to beat).
    difference = estimate_counts(d, calibration, national, estimator=ESTIMATOR_DIFFERENCE)
    diff = difference.set_index("theme_id").loc[d.theme_ids]
    diff_covered = (diff["ci_low"].to_numpy() <= truth) & (truth <= diff["ci_high"].to_numpy())
    # Experimental: the final model's scores on the uncoded units matched in spread to the
    # out-of-fold scores the calibration was fitted on (the final model, trained on every coded
    # unit, scores more widely than the fold models: read by their calibration, it over-counts).
    spread = difference
    if d.scores is not None and calibration is not None:
        matched = d.scores.copy()
        for j in np.flatnonzero(d.model_decides):
            s_new, s_oof = d.scores[:, j], calibration.oof_scores[:, j]
            matched[:, j] = s_new.mean() + (s_new - s_new.mean()) * s_oof.std() / max(s_new.std(), 1e-9)
        spread = estimate_counts(replace(d, scores=matched), calibration, national, estimator=ESTIMATOR_DIFFERENCE)
    spr = spread.set_index("theme_id").loc[d.theme_ids]
    spr_covered = (spr["ci_low"].to_numpy() <= truth) & (truth <= spr["ci_high"].to_numpy())
    sample = estimate_counts(d, calibration, national, estimator=ESTIMATOR_EXPANSION).set_index("theme_id").loc[d.theme_ids]
    expansion = sample["corrected_count"].to_numpy()
    share_covered = (sample["ci_low"].to_numpy() <= truth) & (truth <= sample["ci_high"].to_numpy())
    present = truth > 0
    extra_cross: dict[str, float] = {}
    # Cross-fitted (cross-prediction-powered inference): the uncoded answers predicted by the
    # cross-validation's fold models, averaged (their probabilities; or the probability of their
    # mean score, i.e. of one averaged linear model), the coded ones out of fold as before.
    for key, average in (("cross", "probability"), ("cross_score", "score")):
        cross = None
        if model is not None:
            cross = model.fold_probabilities(unit_frame(te_texts, lemmatizer), average)
            cross = cross[:, [model.theme_ids.index(t) for t in d.theme_ids]]
        cf = estimate_counts(d, calibration, national, estimator=ESTIMATOR_CROSS_FITTED, cross_predictions=cross)
        cf = cf.set_index("theme_id").loc[d.theme_ids]
        cf_covered = (cf["ci_low"].to_numpy() <= truth) & (truth <= cf["ci_high"].to_numpy())
        extra_cross[f"corrected_count_error_{key}"] = count_error(Y, cf["corrected_count"].to_numpy())
        extra_cross[f"coverage_{key}"] = float(cf_covered[present].mean()) if present.any() else float("nan")
        extra_cross[f"width_{key}"] = float((cf["ci_high"] - cf["ci_low"]).to_numpy().sum() / max(truth.sum(), 1))
    extra = extra_cross | {
        "corrected_count_error_difference": count_error(Y, diff["corrected_count"].to_numpy()),
        "coverage_difference": float(diff_covered[present].mean()) if present.any() else float("nan"),
        "width_difference": float((diff["ci_high"] - diff["ci_low"]).to_numpy().sum() / max(truth.sum(), 1)),
        "width_calibrated": float((by_theme["ci_high"] - by_theme["ci_low"]).to_numpy().sum() / max(truth.sum(), 1)),
        "corrected_count_error_spread": count_error(Y, spr["corrected_count"].to_numpy()),
        "coverage_spread": float(spr_covered[present].mean()) if present.any() else float("nan"),
        "count_error_sample_share": count_error(Y, expansion),
        "coverage_sample_share": float(share_covered[present].mean()) if present.any() else float("nan"),
    }
    automatic = ~np.zeros(len(te_texts), dtype=bool)
    review = {}
    decided = d.model_decides
    for margin in REVIEW_MARGINS:  # the share flagged and the F1 of what is not flagged, per margin
        near = (np.abs(d.probabilities[:, decided] - d.thresholds[decided]) < margin).any(axis=1)
        flagged = d.other | near
        review[f"flagged@{margin}"] = float(flagged.mean())
        review[f"f1_unflagged@{margin}"] = micro_f1(Y[~flagged], d.chosen[~flagged].astype(int))
        review[f"f1_flagged@{margin}"] = micro_f1(Y[flagged], d.chosen[flagged].astype(int))
    flagged = d.needs_review
    review["f1_unflagged"] = micro_f1(Y[~flagged], d.chosen[~flagged].astype(int))
    review["f1_flagged"] = micro_f1(Y[flagged], d.chosen[flagged].astype(int))
    return review | extra | {
        "micro_f1": micro_f1(Y, d.chosen.astype(int)),
        "count_error": count_error(Y, d.chosen.sum(axis=0)),
        "corrected_count_error": count_error(Y, by_theme["corrected_count"].to_numpy()),
        "coverage": float(covered[truth > 0].mean()) if (truth > 0).any() else float("nan"),
        "flagged": float(d.needs_review[automatic].mean()),
        "autres": float(d.other.mean()),
        "fit_seconds": fit_seconds,
    }


# Each variant is today's defaults with one change. The JSON files of earlier runs name the
# variants of their time, measured against the defaults of their time (RESULTS-five.md says which):
# `pool-features` (now the default), `best-theme` (the policy applied to the test answers only),
# `fold-average`, `self-train-fold-average` (the fold average deciding: now the default),
# `engine-bagged`, `self-train-bagged` (the same, computed by the benchmark), `spread*` (40c4d99).
METHODS = {
    "engine": ModelSettings(),
    "latent": ModelSettings(latent_dims=100),
    # The abstention policy off: an answer no theme claims stays in « Autres ».
    "no-best-theme": ModelSettings(best_theme_min_ratio=None),
    # The model refitted on every coded answer decides, not the fold models' average.
    "refitted-decides": ModelSettings(fold_average_decides=False),
    # The default before 2026-12-04: both of the above.
    "former-default": ModelSettings(fold_average_decides=False, best_theme_min_ratio=None),
    # Self-training on the question's uncoded answers (ModelSettings.self_training_*).
    "self-train": ModelSettings(self_training_weight=0.3),
    "self-train-inductive": ModelSettings(self_training_weight=0.3, self_training_transductive=False),
    "self-train-w1": ModelSettings(self_training_weight=1.0),
    "self-train-2r": ModelSettings(self_training_weight=0.3, self_training_rounds=2),
    "self-train-m25": ModelSettings(self_training_weight=0.3, self_training_margin=0.25),
    # Sensitivity of the SVMs' regularisation (is there anything to choose?)
    "C0.1": ModelSettings(C=0.1),
    "C1": ModelSettings(C=1.0),
    # Without the second model per theme (the logistic regression on character n-grams stacked
    # with the SVM): the default before 2026-12-04, later. Runs named `char-model` (results-five-char*.json)
    # measured it on, against the defaults of their time (without it).
    "no-char-model": ModelSettings(char_model=False),
    "char-nb-stack": ModelSettings(char_nb_stack=True),
    # Ten folds instead of five: each fold model (their average decides) sees 90 % of the codes
    # (RESULTS-five.md, « Ten folds »: not kept).
    "cv10": ModelSettings(cv=10),
    # Without the labels' own words as features of the themes that have no keywords (the default
    # since 2026-12-05, ModelSettings.label_words).
    "no-label-words": ModelSettings(label_words=False),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.2, 0.5])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--questions", nargs="+", default=None)
    parser.add_argument("--variants", nargs="*", default=[], choices=[m for m in METHODS if m != "engine"])
    parser.add_argument("--latent-dims", type=int, default=100)
    parser.add_argument("--latent-weight", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=HERE / "results-five.json")
    add_codebook_option(parser)
    args = parser.parse_args(argv)
    cases = chosen_cases(args)
    if not cases:
        return 0
    started = time.perf_counter()
    lemmatizer = Lemmatizer(load_nlp())
    for case in cases:
        unit_frame(case.pool + case.texts, lemmatizer)  # the lemma cache, filled once
    methods = {"engine": METHODS["engine"]}
    for name in args.variants:
        settings = METHODS[name]
        if settings.latent_dims:
            settings = replace(settings, latent_dims=args.latent_dims, latent_weight=args.latent_weight)
        methods[name] = settings
    runs = []
    for case in cases:
        rules = RuleCoder([case.question], lemmatizer)
        for size in args.sizes:
            for seed in args.seeds:
                train, test = train_test_split(np.arange(len(case.texts)), train_size=size, random_state=seed)
                t = time.perf_counter()
                P = run_baseline([case.texts[i] for i in train], case.Y[train], [case.texts[i] for i in test])
                runs.append({
                    "question": case.name, "size": size, "seed": seed, "method": "baseline",
                    "micro_f1": micro_f1(case.Y[test], P), "count_error": count_error(case.Y[test], P.sum(axis=0)),
                    "autres": float((P.sum(axis=1) == 0).mean()), "seconds": time.perf_counter() - t,
                })
                for name, settings in methods.items():
                    t = time.perf_counter()
                    result = run_engine(case, settings, lemmatizer, rules, train, test)
                    result.update(question=case.name, size=size, seed=seed, method=name, seconds=time.perf_counter() - t)
                    runs.append(result)
                line = [r for r in runs if r["question"] == case.name and r["size"] == size and r["seed"] == seed]
                print(f"{case.name} {size:.0%} seed {seed}: " + "  ".join(
                    f"{r['method']} {r['micro_f1']:.3f}" for r in line), flush=True)
    out = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/coding/bench_five.py", *(argv if argv is not None else sys.argv[1:])]),
        "questions": {c.name: {"labelled": len(c.texts), "pool": len(c.pool), "themes": len(c.theme_ids)} for c in cases},
        "codebook": args.codebook,  # of the tag questions; GD163 keeps its keywords but with labels-only
        "total_seconds": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(out))
    print()
    print(counts_table(out))
    print()
    print(cross_table(out))
    return 0


def counts_table(results: dict) -> str:
    """The corrected counts side by side: today's estimator, the difference estimator, the
    coded sample's shares (mean over seeds; coverage's minimum over seeds in brackets)."""
    frame = pd.DataFrame(results["runs"])
    frame = frame[frame["method"] != "baseline"]
    lines = [
        "| question | train | method | count error: calibrated / difference / difference, spread matched / sample share "
        "| 90 % coverage (min over seeds): calibrated / difference / difference, spread matched / sample share "
        "| interval width: calibrated / difference |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for (question, size, method), g in frame.groupby(["question", "size", "method"], sort=False):
        errors = " / ".join(f"{g[c].mean():.3f}" for c in (
            "corrected_count_error", "corrected_count_error_difference", "corrected_count_error_spread",
            "count_error_sample_share"))
        cover = " / ".join(f"{g[c].mean():.3f} ({g[c].min():.2f})" for c in (
            "coverage", "coverage_difference", "coverage_spread", "coverage_sample_share"))
        widths = " / ".join(f"{g[c].mean():.3f}" for c in ("width_calibrated", "width_difference"))
        lines.append(f"| {question} | {size:.0%} | {method} | {errors} | {cover} | {widths} |")
    return "\n".join(lines)


def cross_table(results: dict) -> str:
    """Calibrated (default) against cross-fitted, per question and share (mean over seeds;
    the lowest seed in brackets)."""
    frame = pd.DataFrame(results["runs"])
    frame = frame[frame["method"] != "baseline"]
    if "coverage_cross" not in frame:
        return ""
    lines = [
        "| question | train | method | count error: calibrated / cross-fitted / cross-fitted (mean score) / sample share "
        "| 90 % coverage (min over seeds): calibrated / cross-fitted / cross-fitted (mean score) / sample share "
        "| interval width: calibrated / cross-fitted |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for (question, size, method), g in frame.groupby(["question", "size", "method"], sort=False):
        errors = " / ".join(f"{g[c].mean():.3f} ({g[c].max():.3f})" for c in (
            "corrected_count_error", "corrected_count_error_cross", "corrected_count_error_cross_score",
            "count_error_sample_share"))
        cover = " / ".join(f"{g[c].mean():.3f} ({g[c].min():.2f})" for c in (
            "coverage", "coverage_cross", "coverage_cross_score", "coverage_sample_share"))
        widths = " / ".join(f"{g[c].mean():.3f}" for c in ("width_calibrated", "width_cross"))
        lines.append(f"| {question} | {size:.0%} | {method} | {errors} | {cover} | {widths} |")
    return "\n".join(lines)


def table(results: dict) -> str:
    """Mean over seeds per question, share and method."""
    frame = pd.DataFrame(results["runs"])
    cols = ["micro_f1", "count_error", "corrected_count_error", "coverage", "flagged", "autres"]
    lines = [
        "| question | train | method | micro-F1 | count error (raw) | count error (corrected) | 90 % coverage "
        "| flagged | « Autres » | s / run |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (question, size, method), g in frame.groupby(["question", "size", "method"], sort=False):
        cells = [f"{g[c].mean():.3f}" if c in g and g[c].notna().any() else "—" for c in cols]
        lines.append(f"| {question} | {size:.0%} | {method} | " + " | ".join(cells) + f" | {g['seconds'].mean():.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
