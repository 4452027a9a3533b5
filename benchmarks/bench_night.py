"""The data part of a night (ingestion flow + coding flow, no publication), code against code.

    python -m benchmarks.generate --extra-batch 2 --out BATCHES       # ids L2-0001…, not yet ingested
    python -m benchmarks.bench_night RAW OUT BATCHES/reponses-lot-2.csv WORK \\
        --code before=<folder with src/ and flows/> --code after=<folder> --rounds 2

RAW is a generated consultation folder whose exports OUT (a processed root, e.g. a nightly
flow's outputs) already holds; the batch is a `--extra-batch` export of new respondents. For every
round and every code (alternated), WORK gets a fresh copy of OUT and a hard-linked copy of RAW
with the batch added to `consultation.yaml`, then two commands run, each in its own Python process
(imports, spaCy, Prefect's client and flow runs included), timed from outside:

- `plus`: `ingestion_flow` then `coding_flow`, as `flows.nightly` calls them (the +1,000 night
  without the publication);
- `quiet`: the same again, nothing new.

With `--served`, each night is `flows.nightly.nightly(publish=False)` instead: the night as
`flows.serve` schedules it (the consultation's lock and the night's summary artifact included), for
codes that have it.

The flows talk to one Prefect server started first (`prefect server start`, temporary
PREFECT_HOME under WORK), as a federation's is. Each code runs from its own folder
(`PYTHONPATH=<folder>/src:<folder>`, working directory WORK, so neither imports this checkout by
accident). The databases of the last round are kept (`WORK/<label>/`) for comparison.
Results: WORK/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_flow import TreeMemory, prefect_server

NIGHT = (
    "import sys, time\n"
    "t0 = time.monotonic()\n"
    "from flows.coding_flow import CodingOptions, coding_flow\n"
    "from flows.ingest_flow import ingestion_flow\n"
    "from flows.settings import FlowSettings, coding_task_runner\n"
    "t1 = time.monotonic()\n"
    "raw, out = sys.argv[1], sys.argv[2]\n"
    "ingestion_flow(raw, out, fail_on_refused=False)\n"
    "t2 = time.monotonic()\n"
    "coding_flow.with_options(task_runner=coding_task_runner(FlowSettings()))(raw, out, CodingOptions())\n"
    "t3 = time.monotonic()\n"
    "print(f'PHASES imports={t1 - t0:.2f} ingestion={t2 - t1:.2f} coding={t3 - t2:.2f}', flush=True)\n"
)


# `--served`: the night as `flows.serve` schedules it since the publication is its own run.
SERVED_NIGHT = (
    "import sys, time\n"
    "t0 = time.monotonic()\n"
    "from pathlib import Path\n"
    "from flows.nightly import nightly\n"
    "t1 = time.monotonic()\n"
    "nightly(Path(sys.argv[1]), Path(sys.argv[2]), publish=False)\n"
    "t2 = time.monotonic()\n"
    "print(f'PHASES imports={t1 - t0:.2f} night={t2 - t1:.2f}', flush=True)\n"
)


def _env(code: Path, home: Path, api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join([str(code / "src"), str(code)])
    env["PREFECT_HOME"] = str(home)
    env["PREFECT_API_URL"] = api_url
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def prepare(raw: Path, out: Path, batch: Path, dest: Path) -> tuple[Path, Path]:
    """A fresh copy of the outputs, and of the raw folder (hard links) with the batch added."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    raw_copy, out_copy = dest / "raw", dest / "out"
    subprocess.run(["cp", "-al", str(raw), str(raw_copy)], check=True)
    shutil.copytree(out, out_copy)
    (raw_copy / "batch").mkdir(exist_ok=True)
    shutil.copyfile(batch, raw_copy / "batch" / batch.name)
    yaml = raw_copy / "consultation.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.unlink()  # a hard link: the original must not change
    entry = f"  - batch/{batch.name}\n"
    yaml.write_text(text.replace("  human_codes:\n", entry + "  human_codes:\n", 1), encoding="utf-8")
    return raw_copy, out_copy


def run_night(
    label: str, env: dict[str, str], raw: Path, out: Path, cwd: Path, log: Path, night: str = NIGHT
) -> dict:
    argv = [sys.executable, "-c", night, str(raw), str(out)]
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"\n===== {label}\n")
        stream.flush()
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=stream, text=True)
        memory = TreeMemory(proc.pid)
        memory.start()
        stdout, _ = proc.communicate()
        seconds = time.monotonic() - t0
        peak = memory.stop()
        stream.write(stdout)
    if proc.returncode != 0:
        sys.exit(f"{label} failed (exit {proc.returncode}), see {log}")
    phases = {}
    for line in stdout.splitlines():
        if line.startswith("PHASES "):
            phases = {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
    print(f"{label}: {seconds:.1f} s, peak {peak / 2**20:,.0f} MB, {phases}", flush=True)
    return {"seconds": round(seconds, 1), "peak_mb": round(peak / 2**20), **phases}


# What a night writes, compared between two codes' databases (timestamps left out).
COMPARED = {
    "answers": "*", "respondents": "*", "units": "*", "unit_decisions": "*",
    "auto_codes": "* EXCLUDE (coded_at)", "count_estimates": "* EXCLUDE (computed_at)",
    "source_files": "* EXCLUDE (ingested_at)",
}


def compare(a: Path, b: Path) -> dict[str, object]:
    """Rows of each table in one database and not the other (as multisets), and whether the
    national and regional tallies are equal: {table: differing rows, 'tally': bool}."""
    import duckdb
    import pandas as pd

    out: dict[str, object] = {}
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        for table, columns in COMPARED.items():
            differing = 0
            for x, y in (("a", "b"), ("b", "a")):
                differing += con.execute(
                    f"SELECT count(*) FROM (SELECT {columns} FROM {x}.{table} "  # noqa: S608, RUF100 - benchmark's own names
                    f"EXCEPT ALL SELECT {columns} FROM {y}.{table})"
                ).fetchall()[0][0]
            out[table] = differing
    finally:
        con.close()
    tallies = []
    for db in (a, b):
        con = duckdb.connect(str(db), read_only=True)
        try:
            con.execute("SET enable_progress_bar = false")
            frame = con.execute("SELECT * FROM tally").df()
        finally:
            con.close()
        tallies.append(frame.sort_values(list(frame.columns[:15])).reset_index(drop=True))
    try:
        pd.testing.assert_frame_equal(tallies[0], tallies[1], check_exact=True)
        out["tally"] = True
    except AssertionError:
        out["tally"] = False
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path, help="processed root already holding RAW's exports")
    parser.add_argument("batch", type=Path, help="an export of new respondents (generate --extra-batch)")
    parser.add_argument("work", type=Path)
    parser.add_argument("--code", action="append", required=True, metavar="LABEL=FOLDER",
                        help="a folder holding src/ and flows/ (repeat: alternated)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--served", action="store_true",
                        help="run flows.nightly.nightly(publish=False), the served night (needs a code with it)")
    args = parser.parse_args(argv)
    night = SERVED_NIGHT if args.served else NIGHT
    codes = [(label, Path(folder).resolve()) for label, folder in (c.split("=", 1) for c in args.code)]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    home, log = work / "prefect-home", work / "bench.log"
    home.mkdir(exist_ok=True)
    results: dict = {"rounds": []}
    with prefect_server(home, log) as (url, started):
        results["server_start"] = round(started, 1)
        print(f"Prefect server ready in {started:.1f} s", flush=True)
        for round_no in range(1, args.rounds + 1):
            this: dict = {}
            for label, code in codes:
                raw, out = prepare(args.raw.resolve(), args.out.resolve(), args.batch.resolve(), work / label)
                env = _env(code, home, url)
                this[label] = {
                    step: run_night(f"round {round_no} {label} {step}", env, raw, out, work, log, night)
                    for step in ("plus", "quiet")
                }
            if len(codes) > 1:
                dbs = [sorted((work / label / "out").glob("*/consultation.duckdb"))[0] for label, _ in codes[:2]]
                this["same_results"] = compare(dbs[0], dbs[1])
                print(f"round {round_no}, {codes[0][0]} against {codes[1][0]}: {this['same_results']}", flush=True)
            results["rounds"].append(this)
            (work / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
