"""What an analyst waits for the first figure, cold: a fresh Python opening the sample's database
through the API (`consultation.open(...)`, then `db.tallies(by="national")`).

Not a test: run by hand,

    PYTHONPATH=src python benchmarks/bench_cold_open.py [DATABASE_OR_PROCESSED_FOLDER] [--runs 7]

Without a path it runs the pipeline on the bundled sample first (about two minutes). Each run is a
new interpreter, split in three parts: importing `consultation.api`, connecting (`consultation.open`)
and the first query. The machine is shared, so the figures are also given as ratios against a
baseline measured in the same run, in the same way: a new interpreter importing pandas and duckdb,
which the API cannot do without (it returns DataFrames from DuckDB). A second case opens a copy of
the file as another version of the package left it (its views' version record removed), so the
connection recreates this version's views for itself, as every read-only open did before.
Writes benchmarks/results/cold-open-<time>.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("spacy", "sklearn", "matplotlib", "scipy", "prefect", "pydantic", "yaml", "openpyxl", "docx")

BASELINE = """
import json, time
t0 = time.perf_counter()
import duckdb, pandas
print(json.dumps({"import": time.perf_counter() - t0}))
"""

MEASURE = """
import json, sys, time
t0 = time.perf_counter()
import consultation.api as api
t1 = time.perf_counter()
db = api.open(sys.argv[1])
t2 = time.perf_counter()
rows = len(db.tallies(by="national"))
t3 = time.perf_counter()
heavy = [m for m in HEAVY if m in sys.modules]
print(json.dumps({"import": t1 - t0, "connect": t2 - t1, "first_query": t3 - t2, "rows": rows, "heavy": heavy}))
"""


def _run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _database(target: str | None, work: Path) -> Path:
    if target:
        path = Path(target)
        return path / "consultation.duckdb" if path.is_dir() else path
    from consultation.pipeline import run

    result = run(ROOT / "data" / "raw" / "segur-2020-sample", processed_root=work / "processed")
    return result.paths.db


def _other_version(db: Path, work: Path) -> Path:
    """A copy as another version of the package left it: no record of its views' version."""
    import duckdb

    copy = work / "other-version.duckdb"
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    con.execute("DELETE FROM interne.views_state")
    con.close()
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database", nargs="?")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = _database(args.database, work)
        other = _other_version(db, work)
        measure = f"HEAVY = {HEAVY!r}\n" + MEASURE
        _run(measure, str(db))  # warm the OS file cache once: "cold" here is a new interpreter
        samples: dict[str, list[dict]] = {"baseline": [], "current": [], "other_version": []}
        for _ in range(args.runs):  # interleaved, so that a busy moment weighs on all three alike
            samples["baseline"].append(_run(BASELINE))
            samples["current"].append(_run(measure, str(db)))
            samples["other_version"].append(_run(measure, str(other)))

    def median(case: str, key: str) -> float:
        return statistics.median(s[key] for s in samples[case])

    base = median("baseline", "import")
    rows = []
    for case in ("current", "other_version"):
        parts = {k: median(case, k) for k in ("import", "connect", "first_query")}
        after_import = parts["connect"] + parts["first_query"]
        rows.append({"case": case, **{k: round(v, 3) for k, v in parts.items()},
                     "connect_plus_first_query": round(after_import, 3),
                     "import_ratio": round(parts["import"] / base, 2),
                     "connect_plus_first_query_ratio": round(after_import / base, 2),
                     "heavy_modules": sorted({m for s in samples[case] for m in s["heavy"]})})
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    payload = {"command": "PYTHONPATH=src python benchmarks/bench_cold_open.py" + (f" {args.database}" if args.database else ""),
               "runs": args.runs, "baseline_import_pandas_duckdb_s": round(base, 3), "cases": rows, "samples": samples}
    (results / f"cold-open-{stamp}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    lines = [f"# Cold open of the sample database through the API ({stamp} UTC)", "",
             f"Command: `{payload['command']}`; median of {args.runs} new interpreters per case. Baseline: "
             f"a new interpreter importing pandas and duckdb, {base:.3f} s in this run.", "",
             "| case | import API (s) | connect (s) | first query (s) | connect + first query (s) | import / baseline "
             "| (connect + first query) / baseline | heavy modules loaded |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['import']} | {r['connect']} | {r['first_query']} | {r['connect_plus_first_query']} "
                     f"| {r['import_ratio']} | {r['connect_plus_first_query_ratio']} | {', '.join(r['heavy_modules']) or 'none'} |")
    text = "\n".join(lines) + "\n"
    (results / f"cold-open-{stamp}.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
