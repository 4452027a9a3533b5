"""The Prefect flows against the CLI, side by side in one run, on a generated consultation.

    python -m benchmarks.generate 100000 --work /tmp/bench          # once
    nice -n 10 python -m benchmarks.bench_flow /tmp/bench/n100000-s0 /tmp/flow-bench
    # or in two parts (each command under 10 minutes on a loaded 2-core machine):
    nice -n 10 python -m benchmarks.bench_flow SRC WORK --steps code,coding-flow,nightly
    nice -n 10 python -m benchmarks.bench_flow SRC WORK --steps run,plus,quiet,counts --keep

Every step is a command run as a user runs it, in its own Python process (imports, spaCy and
Prefect's client included), timed from outside (wall clock), with the peak memory of its
process tree (proportional set size, sampled every 0.2 s: pages shared with forked workers
counted once). The flows talk to a Prefect server started first (`prefect server start`, a
temporary PREFECT_HOME under WORK, telemetry off), as a federation's would be; its start-up is
timed as its own step. Each runner works on its own copy of the outputs:

1. `code`: `consultation code` (ingest, train, code every answer, corrected counts, agreement);
2. `coding-flow`: the same with the flows, `ingestion_flow` then `coding_flow`;
3. `nightly`: the whole nightly flow (ingestion, coding, publication: charts and reports);
4. `run`: `consultation run` (ingest, code, publish), to compare with 3;
5. `plus`: the nightly flow again on 3's outputs after the generated batch of new respondents
   (`batch/reponses-lot.csv`) was added to the exports: everything included;
6. `quiet`: the nightly flow again, nothing new;
7. `counts`: the corrected counts of 5's database, from the stored decisions (what a night
   does) and, for comparison, deciding every unit again (`reuse_decisions=False`).

Results are kept in WORK/results.json (a later part adds to it) and printed with the ratios;
they are written down in BENCHMARKS.md (« The nightly Prefect flow »).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil

STEPS = ["code", "coding-flow", "nightly", "run", "plus", "quiet", "counts"]
ROOT = Path(__file__).resolve().parents[1]


class TreeMemory(threading.Thread):
    """Peak proportional set size of a process and its children, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            total = 0
            with contextlib.suppress(psutil.Error):
                for proc in (self.process, *self.process.children(recursive=True)):
                    with contextlib.suppress(psutil.Error):
                        info = proc.memory_full_info()
                        total += getattr(info, "pss", info.rss)
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak


def _env(api_url: str | None, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")] if p)
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def timed(label: str, argv: list[str], env: dict[str, str], log: Path) -> dict:
    """Run a command, return its wall time and peak tree memory; stop everything on failure."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n===== {label}: {' '.join(argv)}\n")
        out.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        memory = TreeMemory(proc.pid)
        memory.start()
        code = proc.wait()
        seconds = time.monotonic() - t0
        peak = memory.stop()
    if code != 0:
        sys.exit(f"{label} failed (exit {code}), see {log}")
    print(f"{label}: {seconds:.1f} s, peak tree memory {peak / 2**20:,.0f} MB", flush=True)
    return {"seconds": round(seconds, 1), "peak_mb": round(peak / 2**20)}


@contextlib.contextmanager
def prefect_server(home: Path, log: Path):
    """`prefect server start` on a free loopback port; yields (api url, seconds to healthy)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = _env(None, home)
    t0 = time.monotonic()
    with log.open("a", encoding="utf-8") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/api"
    try:
        while True:
            if server.poll() is not None:
                sys.exit(f"the Prefect server stopped (exit {server.returncode}), see {log}")
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    break
            if time.monotonic() - t0 > 300:
                sys.exit("the Prefect server did not answer within 300 s")
            time.sleep(0.5)
        yield url, time.monotonic() - t0
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _flow_call(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a generated consultation folder (benchmarks.generate)")
    parser.add_argument("work", type=Path, help="scratch folder (emptied unless --keep)")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, among {','.join(STEPS)}")
    parser.add_argument("--keep", action="store_true", help="keep WORK and its results (a later part of the run)")
    parser.add_argument(
        "--nights-on", default="nightly", choices=["nightly", "flow-coding"],
        help="outputs the +1,000 and quiet nights continue (flow-coding: step 2's, never published before)",
    )
    args = parser.parse_args(argv)
    steps = [s for s in args.steps.split(",") if s]
    unknown = set(steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    work = args.work.resolve()
    if work.exists() and not args.keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    raw, home, log = work / "raw", work / "prefect-home", work / "bench.log"
    if not raw.exists():
        shutil.copytree(args.source, raw)
    home.mkdir(exist_ok=True)
    results_file = work / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    python = sys.executable

    def save(step: str, value: dict) -> None:
        results[step] = value
        results_file.write_text(json.dumps(results, indent=2))

    def nightly(out: Path) -> list[str]:
        return _flow_call(f"from flows.nightly import nightly; nightly({str(raw)!r}, {str(out)!r})")

    def add_batch() -> None:
        yaml = raw / "consultation.yaml"
        text = yaml.read_text(encoding="utf-8")
        if "batch/reponses-lot.csv" not in text:
            yaml.write_text(text.replace("- reponses.csv", "- reponses.csv\n  - batch/reponses-lot.csv", 1),
                            encoding="utf-8")

    cli_env = _env(None, home)
    if "code" in steps:
        save("code", timed("1. consultation code", [python, "-m", "consultation", "code", str(raw), "--sorties",
                                                      str(work / "cli-code")], cli_env, log))
    if "run" in steps:
        save("run", timed("4. consultation run", [python, "-m", "consultation", "run", str(raw), "--sorties",
                                                    str(work / "cli-run")], cli_env, log))
    if any(s in steps for s in ("coding-flow", "nightly", "plus", "quiet")):
        with prefect_server(home, log) as (url, started):
            env = _env(url, home)
            results.setdefault("server_start", []).append(round(started, 1))
            print(f"Prefect server ready in {started:.1f} s", flush=True)
            if "coding-flow" in steps:
                save("coding-flow", timed("2. ingestion + coding flows", _flow_call(
                    "from flows.ingest_flow import ingestion_flow; from flows.coding_flow import coding_flow; "
                    f"ingestion_flow({str(raw)!r}, {str(work / 'flow-coding')!r}); "
                    f"coding_flow({str(raw)!r}, {str(work / 'flow-coding')!r})"
                ), env, log))
            if "nightly" in steps:
                save("nightly", timed("3. nightly flow", nightly(work / "nightly"), env, log))
            if "plus" in steps:
                add_batch()
                save("plus", timed("5. nightly flow, +1,000 respondents", nightly(work / args.nights_on), env, log)
                     | {"on": args.nights_on})
            if "quiet" in steps:
                save("quiet", timed("6. nightly flow, nothing new", nightly(work / args.nights_on), env, log)
                     | {"on": args.nights_on})
    if "counts" in steps:
        script = (
            "import json, time\n"
            "from consultation import store\n"
            "from consultation.codebook import load_consultation\n"
            "from consultation.coding.estimate import estimate_consultation\n"
            "from consultation.coding.training import load_engine, training_units\n"
            "from consultation.store.paths import OutputPaths\n"
            "from consultation.text import Lemmatizer, load_nlp\n"
            f"c = load_consultation({str(raw)!r})\n"
            f"con = store.connect(OutputPaths.for_consultation({str(work / args.nights_on)!r}, c.id).db, read_only=True)\n"
            "engine = load_engine(con, c, Lemmatizer(load_nlp()))\n"
            "training = training_units(con, c)\n"
            "t0 = time.monotonic(); estimate_consultation(con, engine, training); stored = time.monotonic() - t0\n"
            "t0 = time.monotonic(); estimate_consultation(con, engine, training, reuse_decisions=False)\n"
            "full = time.monotonic() - t0\n"
            "print(json.dumps({'stored': round(stored, 1), 'full': round(full, 1)}))\n"
        )
        out = subprocess.run([python, "-c", script], env=cli_env, cwd=ROOT, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            sys.exit(f"counts failed:\n{out.stderr[-3000:]}")
        counts = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"7. corrected counts: {counts['stored']} s from the stored decisions, {counts['full']} s deciding "
              "every unit again", flush=True)
        save("counts", counts)
    results_file.write_text(json.dumps(results, indent=2))
    report(results)


def report(results: dict) -> None:
    def ratio(a: str, b: str) -> str:
        if a in results and b in results:
            return f"{results[a]['seconds'] / results[b]['seconds']:.2f}"
        return "not measured"

    print(f"coding flows / consultation code: {ratio('coding-flow', 'code')}")
    print(f"nightly flow / consultation run: {ratio('nightly', 'run')}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
