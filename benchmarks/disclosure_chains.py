"""Small figures a reader holding every night's reports gets back, over generated chains of publications.

    PYTHONPATH=src:tests python -m benchmarks.disclosure_chains grow 1,2,3,4,5,6,7,8 5
    PYTHONPATH=/tmp/baseline/src:tests python -m benchmarks.disclosure_chains recode 1,2,3,4,5,6,7,8 5

Scenarios (`tests/test_disclosure_channels.py::_chain`): `grow` (1 to 3 new respondents a night),
`recode` (some nights a recoding instead), `leave` (some nights a respondent removed instead). For
another version of the code, put its `src/` first on PYTHONPATH (`git archive <commit> src | tar -x
-C /tmp/baseline`); the tests' generator and attacker stay this checkout's. Prints one JSON line:
figures recovered by readers whose premise holds (per reader), figures got right by chance
(« lucky »), regional figures hidden over every publication, seconds. Charts stand in as empty files.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=("grow", "recode", "leave"))
    parser.add_argument("seeds", help="comma-separated, e.g. 1,2,3")
    parser.add_argument("nights", type=int)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    from consultation.publish import charts, report

    def touch(job):
        job.stem.parent.mkdir(parents=True, exist_ok=True)
        paths = [job.stem.with_suffix(".png"), job.stem.with_suffix(".svg")]
        for path in paths:
            path.write_bytes(b"")
        return paths

    charts._render_one = touch
    hidden = 0
    build = report.DisclosurePlan.build.__func__

    def counting(cls, *a, **k):
        nonlocal hidden
        plan = build(cls, *a, **k)
        hidden += sum(len(v) for v in plan.hidden.values())
        return plan

    report.DisclosurePlan.build = classmethod(counting)
    import test_disclosure_channels

    changes = {"grow": {}, "recode": {"recode": True}, "leave": {"leave": True}}[args.scenario]
    seeds = [int(s) for s in args.seeds.split(",")]
    start = time.time()
    with tempfile.TemporaryDirectory() as work:
        found, lucky = test_disclosure_channels._chain_recovered(Path(work), seeds, args.nights, **changes)
    print(json.dumps({
        "scenario": args.scenario, "seeds": seeds, "nights": args.nights, "recovered": len(found),
        "by_seed_and_reader": {f"{s} {r}": n for (s, r), n in collections.Counter(k[:2] for k in found).items()},
        "lucky": len(lucky), "hidden_regional_figures": hidden, "seconds": round(time.time() - start),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
