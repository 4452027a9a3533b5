"""Review flags on the five questions: the share flagged beside the F1 a human review of it protects.

    nice -n 10 python benchmarks/coding/bench_review.py           # 20 % hand-coded, seeds 0 1 2

Per question × seed: `train_test_split(train_size=0.2, random_state=seed)` as bench_five; the
engine (ModelSettings defaults) is fitted on the training part, decides the test part, and each
rule flags some test answers. For each rule: the share flagged, the micro-F1 with no review, the
micro-F1 once the flagged answers are corrected by a human (their true codes), its gain, and the
gain a review of as many answers picked at random would bring (mean of 50 draws): a rule is worth
its load when its gain is well above random's. Rules:

- `before`: every answer in « Autres » plus those whose expected number of wrong decisions is
  above the cut-off (model.REVIEW_SHARE of the human-coded answers, out of fold): the rule up to
  this change;
- `errors`: only the expected number of wrong decisions above the same cut-off; an answer in
  « Autres » is flagged when that number is high (some theme nearly claimed it), not when every
  theme is far below its threshold;
- `errors-10` / `errors-20`: the same with the cut-off at 10 % / 20 % of the human-coded answers;
- `pool`: the expected number of wrong decisions above its 85th percentile over every answer to
  the question (the pool, coded or not: the answers the coding will decide), so that about 15 %
  of them are flagged whatever the human-coded answers look like; `pool+autres`: plus « Autres ».

Results: results-review.json and the printed table (copied into RESULTS-five.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_active import decisions, fit
from bench_five import load_cases, micro_f1

from consultation.coding.engine import decide
from consultation.coding.features import unit_frame
from consultation.coding.model import ModelSettings, expected_errors
from consultation.coding.rules import RuleCoder
from consultation.text import Lemmatizer, load_nlp

HERE = Path(__file__).resolve().parent


def oof_errors(model) -> np.ndarray:
    covered = np.flatnonzero(model.covered)
    return expected_errors(model.oof_probabilities()[:, covered], model.thresholds[covered])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--questions", nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=HERE / "results-review.json")
    args = parser.parse_args(argv)
    cases = load_cases(args.questions)
    if not cases:
        print("Benchmark ignoré : aucune des données partagées n'est présente.")
        return 0
    lemmatizer = Lemmatizer(load_nlp())
    settings = ModelSettings()
    started = time.perf_counter()
    runs = []
    for case in cases:
        unit_frame(case.pool + case.texts, lemmatizer)
        rules = RuleCoder([case.question], lemmatizer)
        for seed in args.seeds:
            train, test = train_test_split(np.arange(len(case.texts)), train_size=args.share, random_state=seed)
            model = fit(case, settings, lemmatizer, train)
            d = decisions(case, model, lemmatizer, rules, test)
            Y, P = case.Y[test], d.chosen.astype(int)
            decided = d.model_decides
            # the expected errors of the decisions made (the best-theme policy included)
            errors = expected_errors(d.probabilities[:, decided], d.thresholds[decided], d.chosen[:, decided])
            reference = oof_errors(model)
            dp = decide(case.question, model, model.probabilities(unit_frame(case.pool, lemmatizer)),
                        rules.code(case.question.id, case.pool), texts=case.pool)
            pool_errors = expected_errors(dp.probabilities[:, decided], dp.thresholds[decided], dp.chosen[:, decided])
            flags = {
                "engine": d.needs_review,  # what `consultation code` flags (the cut-off of set_review_cutoff)
                "before": d.other | (errors > np.quantile(reference, 0.85)),
                "errors": errors > np.quantile(reference, 0.85),
                "errors-10": errors > np.quantile(reference, 0.90),
                "errors-20": errors > np.quantile(reference, 0.80),
                "pool": errors > np.quantile(pool_errors, 0.85),
                "pool+autres": d.other | (errors > np.quantile(pool_errors, 0.85)),
            }
            f1 = micro_f1(Y, P)
            rng = np.random.default_rng(seed)
            for rule, flagged in flags.items():
                reviewed = np.where(flagged[:, None], Y, P)
                random_gain = np.mean([
                    micro_f1(Y, np.where(np.isin(np.arange(len(P)), rng.choice(len(P), flagged.sum(), replace=False))[:, None], Y, P)) - f1
                    for _ in range(50)
                ])
                runs.append({
                    "question": case.name, "seed": seed, "rule": rule, "flagged": float(flagged.mean()),
                    "other": float(d.other.mean()), "f1": f1, "f1_reviewed": micro_f1(Y, reviewed),
                    "gain": micro_f1(Y, reviewed) - f1, "random_gain": float(random_gain),
                    "f1_unflagged": micro_f1(Y[~flagged], P[~flagged]),
                    "f1_flagged": micro_f1(Y[flagged], P[flagged]) if flagged.any() else None,
                })
                r = runs[-1]
                print(f"{case.name} seed {seed} {rule:9s} flagged {r['flagged']:.3f} F1 {f1:.3f} -> "
                      f"{r['f1_reviewed']:.3f} (random {f1 + random_gain:.3f})", flush=True)
    out = {
        "created": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/coding/bench_review.py", *(argv if argv is not None else sys.argv[1:])]),
        "settings": settings.as_dict(), "total_seconds": round(time.perf_counter() - started, 1), "runs": runs,
    }
    args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table(out))
    return 0


def table(results: dict) -> str:
    frame = pd.DataFrame(results["runs"])
    mean = frame.groupby(["question", "rule"], sort=False)[
        ["flagged", "f1", "f1_reviewed", "gain", "random_gain", "f1_unflagged", "f1_flagged"]].mean()
    worst = frame.groupby(["question", "rule"], sort=False)["flagged"].max()
    lines = ["| question | rule | flagged (max over seeds) | F1 | F1 after review | gain | gain of as many at random "
             "| F1 unflagged / flagged |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (question, rule), r in mean.iterrows():
        lines.append(f"| {question} | {rule} | {r.flagged:.3f} ({worst[(question, rule)]:.3f}) | {r.f1:.3f} | "
                     f"{r.f1_reviewed:.3f} | +{r.gain:.3f} | +{r.random_gain:.3f} | "
                     f"{r.f1_unflagged:.3f} / {r.f1_flagged:.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
