"""How well one volunteer agrees with the others on Grand Débat question 163: the human yardstick
beside the engine's micro-F1 (issue 16).

    python benchmarks/coding/human_agreement.py            # reads ../shared/data, prints a table

The data keep, per answer, how many distinct annotators gave each theme (`label_votes`), not who
gave what, nor how many annotators read the answer. The gold standard is the consensus: the
themes given by at least 2 annotators (`labels`). For an answer read by A annotators, a
volunteer drawn at random holds a theme that c of them gave with probability c / A; this script
sums, over the labelled answers, the expected true positives, false positives and false
negatives of that volunteer (expected micro-F1, as a ratio of expectations) against:

- `others`: the consensus of the other A − 1 annotators (at least 2 of them gave the theme):
  a fair yardstick, the volunteer's own vote not counted;
- `all`: the published consensus, the volunteer's own vote included (the gold the engine is
  scored against; flattering to the volunteer).

A is not in the data: it is at least the highest vote count of the answer. `--extra K` adds K
annotators to that lower bound; the agreement falls as A grows, so `--extra 0` is the most
favourable reading.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

SHARED = Path(os.environ.get("CONSULTATION_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
GD163 = Path("grand-debat-fiscalite") / "answers.csv"
CONSENSUS = 2  # votes a theme needs to be in `labels`


def expected_f1(votes: list[dict[str, int]], extra: int = 0, own_vote: bool = False) -> float:
    """Expected micro-F1 of one annotator drawn at random against the consensus (`own_vote`:
    the consensus of all annotators, else of the others). `votes`: per answer, theme → number
    of annotators who gave it; annotators per answer = highest count + `extra`."""
    tp = fp = fn = 0.0
    for answer in votes:
        if not answer:
            continue
        annotators = max(answer.values()) + extra
        for count in answer.values():
            holds = count / annotators
            # the volunteer gave the theme: the others gave it count - 1 times (or count with own vote)
            gold_if_held = (count if own_vote else count - 1) >= CONSENSUS
            gold_if_not = count >= CONSENSUS
            tp += holds * gold_if_held
            fp += holds * (not gold_if_held)
            fn += (1 - holds) * gold_if_not
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    path = SHARED / GD163
    if not path.exists():
        print(f"Benchmark ignoré : {path} est absent.")
        return 0
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame[frame["labels"] != ""]  # the answers the benchmarks score (a consensus exists)
    votes = [json.loads(v) if v else {} for v in frame["label_votes"]]
    print(f"{len(votes)} answers with a consensus")
    print("| annotators per answer | one volunteer against the others' consensus | against the consensus, own vote included |")
    print("| --- | --- | --- |")
    for extra in args.extra:
        lower = "highest vote count" + (f" + {extra}" if extra else " (lower bound)")
        print(f"| {lower} | {expected_f1(votes, extra):.3f} | {expected_f1(votes, extra, own_vote=True):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
