"""Time the nightly Prefect flow on a generated consultation (Prefect's temporary local server).

    python -m benchmarks.generate 1000000                      # once: data/processed/bench/n1000000-s0
    /usr/bin/time -v python -m benchmarks.bench_flow data/processed/bench/n1000000-s0 /tmp/flow-out [batch_size]

Prints the flow's wall and CPU time and peak RSS; the per-step times are in the flow's log lines.
Results are written down in BENCHMARKS.md (« The nightly Prefect flow at 1M »).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path


def main() -> None:
    folder, out = Path(sys.argv[1]), Path(sys.argv[2])
    from flows.nightly import RunOptions, nightly

    options = RunOptions(batch_size=int(sys.argv[3])) if len(sys.argv) > 3 else RunOptions()
    t0 = time.monotonic()
    summary = nightly(folder, out, options)
    wall = time.monotonic() - t0
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"nightly: wall {wall:.1f} s; CPU {me.ru_utime + me.ru_stime:.1f} s here, "
        f"{children.ru_utime + children.ru_stime:.1f} s in children; peak RSS {me.ru_maxrss / 1024:.0f} MB here, "
        f"largest child {children.ru_maxrss / 1024:.0f} MB; {summary.coding.batches} batches, {summary.coding.units} units"
    )


if __name__ == "__main__":
    main()
