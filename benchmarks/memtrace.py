"""A command's memory over time: the proportional set size of its process tree, every 0.5 s.

    python -m benchmarks.memtrace TRACE -- python -m consultation run RAW --sorties OUT

TRACE gets one line per sample: seconds since the start, the tree's total in MB, then each
process's share in MB (the command first, then its children); the last line is the peak and the
exit code. The command's own output goes to TRACE.log. Used for « Where `consultation run`'s
memory goes at 1M » in BENCHMARKS.md.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

import psutil


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    trace, command = Path(argv[0]), argv[2:]
    t0 = time.monotonic()
    peak = 0
    with trace.open("w", encoding="utf-8") as out, trace.with_name(trace.name + ".log").open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            parts = []
            with contextlib.suppress(psutil.Error):
                for p in (root, *root.children(recursive=True)):
                    with contextlib.suppress(psutil.Error):
                        parts.append(p.memory_full_info().pss)
            total = sum(parts)
            peak = max(peak, total)
            out.write(f"{time.monotonic() - t0:.1f} {total >> 20} {[x >> 20 for x in parts]}\n")
            out.flush()
            time.sleep(0.5)
        out.write(f"PEAK {peak >> 20} EXIT {proc.returncode} {time.monotonic() - t0:.1f}\n")
    print(f"peak {peak >> 20} MB, exit {proc.returncode}, {time.monotonic() - t0:.1f} s")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
