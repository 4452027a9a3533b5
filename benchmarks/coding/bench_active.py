"""Active learning by simulation on the five questions: what the tool picks to code next vs random.

    nice -n 10 python benchmarks/coding/bench_active.py            # seeds 0 1 2, steps of 5 % up to 20 %

For each question and seed, 30 % of the labelled answers are held out for measuring; the rest
is the pool a federation could hand-code. Start from a random 5 % of the labelled answers; then,
step by step (5 % more each time, up to 20 %), add either random answers or the answers the
tool picks for the review sheet and « quoi coder ensuite » (`active.choose_to_code` on the engine's
`uncertainty()` of the pool's answers: uncertain first, one per cluster of similar answers).
Other strategies (`--strategies`): `mmr` (the former choice, `review.select_diverse`),
`uncertain` (no diversity), `tool-errors` (ranked by expected wrong decisions), `hybrid` (half
the tool's choice, half at random). At each step the engine (its
ModelSettings defaults, or `--latent`) is fitted on what is coded so far and measured on the
held-out part (micro-F1). Answers the humans coded are revealed from the data's labels.
Results: results-active.json and the printed table (copied into RESULTS-five.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_five import Case, load_cases, micro_f1

from consultation.coding.active import choose_to_code
from consultation.coding.engine import decide
from consultation.coding.features import KeywordFeatures, codebook_patterns, unit_frame
from consultation.coding.model import ModelSettings, expected_errors, fit_question_model
from consultation.coding.review import select_diverse
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, load_nlp

HERE = Path(__file__).resolve().parent


def fit(case: Case, settings: ModelSettings, lemmatizer: Lemmatizer, coded: np.ndarray):
    return fit_question_model(
        case.question, [case.texts[i] for i in coded], [case.sets[i] for i in coded], lemmatizer, settings,
        unlabelled=case.pool,
    )


def decisions(case: Case, model, lemmatizer: Lemmatizer, rules: RuleCoder, rows: np.ndarray):
    texts = [case.texts[i] for i in rows]
    scores = model.scores(unit_frame(texts, lemmatizer)) if model is not None else None
    proba = model.calibrate(scores) if model is not None else None
    return decide(case.question, model, proba, rules.code(case.question.id, texts), scores, texts)


STRATEGIES = ("random", "tool", "mmr")
PREFILTER = [5]  # --prefilter: candidates kept before clustering, × the answers to choose


KEYWORDS: dict[str, np.ndarray] = {}  # per question: (answers x themes) 1 where a theme's keyword or label word occurs


def needy_evidence(case: Case, rest: np.ndarray, coded: np.ndarray) -> np.ndarray:
    """1 for an answer holding a keyword or label word of a theme that has fewer coded answers
    than the model needs to cover it (`min_positives`): the model has no probability for such a
    theme, so its uncertainty cannot point at its answers."""
    counts = case.Y[coded].sum(axis=0)
    needy = counts < ModelSettings().min_positives
    if not needy.any():
        return np.zeros(len(rest))
    return (KEYWORDS[case.name][rest][:, needy] > 0).any(axis=1).astype(float)


def pick(strategy: str, case: Case, d, rest: np.ndarray, want: int, rng: np.random.Generator, seed: int,
         coded: np.ndarray | None = None) -> np.ndarray:
    """`want` positions of `rest` chosen by the strategy (duplicate texts skipped, filled at random)."""
    if strategy == "random":
        return rng.choice(rest, want, replace=False)
    texts = [case.texts[i] for i in rest]
    if strategy == "tool":  # what the review sheet and « quoi coder ensuite » use
        picked = choose_to_code(texts, d.uncertainty(), want, seed=seed, prefilter=PREFILTER[0])
    elif strategy == "tool-errors":  # the same choice on the expected number of wrong decisions
        decided = d.model_decides
        errors = expected_errors(d.probabilities[:, decided], d.thresholds[decided])
        picked = choose_to_code(texts, errors, want, seed=seed, prefilter=PREFILTER[0])
    elif strategy == "mmr":  # the former review sheet choice (maximal marginal relevance)
        picked = select_diverse(texts, d.uncertainty(), want)
    elif strategy == "hybrid":  # half the tool's choice, half at random among the rest
        n_tool = want - want // 2
        picked = choose_to_code(texts, d.uncertainty(), n_tool, seed=seed, prefilter=PREFILTER[0])
        left = np.setdiff1d(np.arange(len(rest)), picked)
        picked = [*picked, *rng.choice(left, want - len(picked), replace=False)]
    elif strategy == "tool-cover":  # the tool's choice, themes with too few codes first
        evidence = needy_evidence(case, rest, coded)
        priority = np.maximum(d.uncertainty(), evidence)
        picked = choose_to_code(texts, priority, want, seed=seed, prefilter=PREFILTER[0])
    elif strategy == "uncertain":  # uncertainty alone, no diversity
        picked = list(np.argsort(-d.uncertainty(), kind="stable")[:want])
    else:
        raise ValueError(strategy)
    extra = rest[picked]
    if len(extra) < want:
        left = np.setdiff1d(rest, extra)
        extra = np.r_[extra, rng.choice(left, want - len(extra), replace=False)]
    return extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=float, nargs="+", default=[0.05, 0.10, 0.15, 0.20])
    parser.add_argument("--questions", nargs="+", default=None)
    parser.add_argument("--strategies", nargs="+", default=["random", "tool"],
                        choices=[*STRATEGIES, "uncertain", "tool-errors", "hybrid", "tool-cover"])
    parser.add_argument("--prefilter", type=int, default=5, help="the tool's candidates × the answers to choose")
    parser.add_argument("--latent", type=int, default=0, help="latent dimensions (0: the defaults)")
    parser.add_argument("--out", type=Path, default=HERE / "results-active.json")
    parser.add_argument("--table", type=Path, nargs="+", default=None,
                        help="only print the table of these result files (merged)")
    args = parser.parse_args(argv)
    if args.table:
        runs = [r for path in args.table for r in json.loads(path.read_text(encoding="utf-8"))["runs"]]
        print(table({"runs": runs}))
        return 0
    PREFILTER[0] = args.prefilter
    cases = load_cases(args.questions)
    if not cases:
        print("Benchmark ignoré : aucune des données partagées n'est présente.")
        return 0
    settings = replace(ModelSettings(), latent_dims=args.latent)
    lemmatizer = Lemmatizer(load_nlp())
    started = time.perf_counter()
    runs = []
    for case in cases:
        unit_frame(case.pool + case.texts, lemmatizer)
        rules = RuleCoder([case.question], lemmatizer)
        if "tool-cover" in args.strategies:
            patterns = codebook_patterns(case.question, lemmatizer, label_words=True)
            order = [t.id for t in case.question.themes if not t.is_other]
            assert [tid for tid, _ in patterns] == order
            found = KeywordFeatures(patterns).fit([]).transform(unit_frame(case.texts, lemmatizer)["content"]).toarray()
            KEYWORDS[case.name] = found
        n = len(case.texts)
        for seed in args.seeds:
            pool, test = train_test_split(np.arange(n), test_size=0.3, random_state=seed)
            start = np.random.default_rng(seed).choice(pool, round(args.steps[0] * n), replace=False)
            for strategy in args.strategies:
                rng = np.random.default_rng([seed, 1])
                coded = start.copy()
                for k, share in enumerate(args.steps):
                    t0 = time.perf_counter()
                    model = fit(case, settings, lemmatizer, coded)
                    d = decisions(case, model, lemmatizer, rules, test)
                    f1 = micro_f1(case.Y[test], d.chosen.astype(int))
                    runs.append({"question": case.name, "seed": seed, "strategy": strategy, "share": share,
                                 "n_coded": len(coded), "micro_f1": f1})
                    print(f"{case.name} seed {seed} {strategy:6s} {share:.0%} ({len(coded)}) micro-F1 {f1:.3f}",
                          flush=True)
                    if k + 1 < len(args.steps):
                        want = round(args.steps[k + 1] * n) - len(coded)
                        rest = np.setdiff1d(pool, coded)
                        d_rest = decisions(case, model, lemmatizer, rules, rest) if strategy != "random" else None
                        coded = np.r_[coded, pick(strategy, case, d_rest, rest, want, rng, seed, coded)]
                    runs[-1]["seconds"] = round(time.perf_counter() - t0, 1)
                    out = {  # written at every step: a run stopped by its time limit keeps what it measured
                        "created": datetime.now().isoformat(timespec="seconds"),
                        "command": " ".join(["python", "benchmarks/coding/bench_active.py",
                                             *(argv if argv is not None else sys.argv[1:])]),
                        "settings": settings.as_dict(), "total_seconds": round(time.perf_counter() - started, 1),
                        "runs": runs,
                    }
                    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(out))
    return 0


def table(results: dict) -> str:
    frame = pd.DataFrame(results["runs"])
    pivot = frame.groupby(["question", "strategy", "share"], sort=False)["micro_f1"].mean().unstack("share")
    shares = list(pivot.columns)
    lines = ["| question | choice | " + " | ".join(f"{s:.0%} coded" for s in shares) + " |",
             "| --- | --- | " + " | ".join("---" for _ in shares) + " |"]
    for (question, strategy), row in pivot.iterrows():
        lines.append(f"| {question} | {strategy} | " + " | ".join(f"{v:.3f}" for v in row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
