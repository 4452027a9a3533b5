"""Publication (charts, reports in every format, index) timed side by side for two versions of the code.

    python -m benchmarks.bench_publication data/raw/segur-2020-sample --work /tmp/pub \\
        --baseline-src /tmp/baseline/src --label sample

The database is built once, by this checkout's `consultation run` (`<work>/database/`); then, for
each version of the code (`--baseline-src`: another checkout's `src/`, e.g. `git archive <commit>
src | tar -x -C /tmp/baseline`; and this checkout's `src/`), a fresh copy of that database is
published twice with `consultation report` in a subprocess (`PYTHONPATH` pointing at that version):
a first publication into an empty folder, then a second with nothing changed. Measured: wall and CPU
seconds (the subprocess and its workers), files written and left alone, the size of the reports and
charts folders. Results: `benchmarks/results/publication-<label>.json` and `.md`, with the ratios
current / baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _run(cmd: list[str], src: Path, log: Path, *, check: bool = True) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the subprocess and everything it waited for); a failed
    publication is timed all the same (`check=False`), its log says why."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as out:
        done = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=ROOT)
    if check and done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}), see {log}")
    if done.returncode:
        print(f"exit status {done.returncode}: see {log}", flush=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and p.suffix != ".duckdb" and ".wal" not in p.name}


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def build_database(source: Path, work: Path) -> Path:
    """`consultation run` once with this checkout; returns the consultation's output folder."""
    target = work / "database"
    done = [p.parent for p in target.glob("*/consultation.duckdb")]
    if done:
        return done[0]
    target.mkdir(parents=True, exist_ok=True)
    wall, cpu = _run([sys.executable, "-m", "consultation", "run", str(source), "--sorties", str(target)],
                     ROOT / "src", work / "database.log", check=False)  # only its database is used
    print(f"database built in {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return next(p.parent for p in target.glob("*/consultation.duckdb"))


def publish_twice(database: Path, src: Path, work: Path, name: str, extra: list[str], code: str,
                  *, twice: bool = True) -> dict:
    folder = work / name / database.name
    if folder.parent.exists():
        shutil.rmtree(folder.parent)
    folder.mkdir(parents=True)
    shutil.copy2(database / "consultation.duckdb", folder / "consultation.duckdb")
    cmd = [sys.executable, "-m", "consultation", "report", str(folder), *extra]
    log = work / f"{name}.log"
    first_wall, first_cpu = _run(cmd, src, log, check=False)
    first = _files(folder)
    second_wall = second_cpu = rewritten = None
    if twice:
        second_wall, second_cpu = _run(cmd, src, log, check=False)
        second = _files(folder)
        rewritten = sum(1 for k, v in second.items() if first.get(k) != v)
    return {
        "code": code,
        "first_wall_s": round(first_wall, 1), "first_cpu_s": round(first_cpu, 1),
        "second_wall_s": None if second_wall is None else round(second_wall, 1),
        "second_cpu_s": None if second_cpu is None else round(second_cpu, 1),
        "files": len(first), "reports": len(list((folder / "reports").glob("*.*"))),
        "charts": len(list((folder / "charts").rglob("*.png"))) + len(list((folder / "charts").rglob("*.svg"))),
        "rewritten_second": rewritten,
        "reports_bytes": _size(folder / "reports"), "charts_bytes": _size(folder / "charts"),
    }


# The leak scanner alone, on files a publication already wrote: what `check_publication` reads, with
# the structures and common words it gets from the publication's redactor; the files are not touched.
# The detectors' first call (their imports, once per process) is left out of the time.
SCAN = """
import json, sys, time
from pathlib import Path
try:  # the layout by stage; a baseline from before it (--baseline-src) has the flat one
    from consultation.publish import leakscan
    from consultation.publish.redact import Redactor, load_ner
    from consultation.store.paths import locate
except ImportError:
    from consultation import leakscan
    from consultation.paths import locate
    from consultation.redact import Redactor, load_ner
import duckdb
folder, ner = Path(sys.argv[1]), sys.argv[2] == "ner"
location = locate(folder)
consultation, paths = location.consultation(), location.outputs
con = duckdb.connect(str(paths.db), read_only=True)
redactor = Redactor.for_consultation(con, consultation, nlp=load_ner() if ner else None)
con.close()
files = sorted([*paths.reports.glob("*.*"), *paths.charts.rglob("*.*"), *paths.root.glob("index.html")])
leakscan.scan_text("M. Durand, 06 12 34 56 78")  # the detectors' one-time imports (spaCy's stop words), not timed
start = time.perf_counter()
cpu = time.process_time()
findings = leakscan.scan_files(files, structures=redactor.known_structures,
                               common_words=redactor.lexicon | redactor.stop_words,
                               vocabulary=redactor.vocabulary)  # as check_publication
print(json.dumps({"scan_wall_s": round(time.perf_counter() - start, 2), "scan_cpu_s": round(time.process_time() - cpu, 2),
                  "scanned_files": len(files), "structures": len(redactor.known_structures),
                  "text_mb": round(sum(len(leakscan.published_text(f)) for f in files) / 1e6, 2),
                  "findings": sorted(str(f) for f in findings)}))
"""


def scan_only(folder: Path, src: Path, code: str, *, ner: bool) -> dict:
    """The leak scanner of the code in `src` on the files already in `folder` (a consultation's
    output folder), timed in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", SCAN, str(folder), "ner" if ner else "-"], env=env,
                          capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"scanner of {src} failed: {done.stderr[-2000:]}")
    return {"code": code, **json.loads(done.stdout.strip().splitlines()[-1])}


SCAN_ROWS = [("leak scanner, wall (s)", "scan_wall_s"), ("leak scanner, CPU (s)", "scan_cpu_s"),
             ("files scanned", "scanned_files"), ("text read (MB of characters)", "text_mb"),
             ("structure names", "structures")]


def scan_table(result: dict) -> str:
    base, cur = result["baseline"], result["current"]
    lines = [f"Leak scanner alone on the files of `{result['source']}` ({result['label']}): baseline "
             f"`{base['code']}`, current `{cur['code']}`.", "", "| | baseline | current | current / baseline |",
             "| --- | ---: | ---: | ---: |"]
    for title, key in SCAN_ROWS:
        b, c = base[key], cur[key]
        lines.append(f"| {title} | {b} | {c} | {f'{c / b:.3f}' if b else '–'} |")
    same = "the same" if base["findings"] == cur["findings"] else "**different**"
    lines.append(f"| findings | {len(base['findings'])} | {len(cur['findings'])} | {same} |")
    return "\n".join(lines) + "\n"


ROWS = [
    ("first publication, wall (s)", "first_wall_s"), ("first publication, CPU (s)", "first_cpu_s"),
    ("second publication, nothing changed, wall (s)", "second_wall_s"),
    ("second publication, CPU (s)", "second_cpu_s"), ("files rewritten by the second", "rewritten_second"),
    ("report files", "reports"), ("chart files (PNG + SVG)", "charts"),
    ("reports folder (MB)", "reports_bytes"), ("charts folder (MB)", "charts_bytes"),
]


def table(result: dict) -> str:
    base, cur = result["baseline"], result["current"]
    lines = [f"Publication of `{result['source']}` ({result['label']}): baseline `{base['code']}`, "
             f"current `{cur['code']}`.", "", "| | baseline | current | current / baseline |",
             "| --- | ---: | ---: | ---: |"]
    for title, key in ROWS:
        b, c = base[key], cur[key]
        if b is None or c is None:
            continue
        if key.endswith("_bytes"):
            b, c = round(b / 1e6, 2), round(c / 1e6, 2)
        ratio = f"{c / b:.2f}" if b else "–"
        lines.append(f"| {title} | {b} | {c} | {ratio} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a consultation folder (data/raw/…, or one benchmarks.generate wrote)")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (databases, outputs, logs)")
    parser.add_argument("--baseline-src", type=Path, required=True, help="the src/ folder of the code to compare with")
    parser.add_argument("--baseline-name", default="baseline", help="what the baseline is, e.g. main@715e019")
    parser.add_argument("--label", default="run")
    parser.add_argument("--sans-detection-noms", action="store_true", help="publish without the NER model")
    parser.add_argument("--once", action="store_true", help="the first publication only (large consultations)")
    parser.add_argument("--scanner-only", action="store_true",
                        help="SOURCE is a consultation's output folder with files already written: time the "
                             "leak scanner alone on them, baseline then current (nothing is published)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    current = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                             check=False).stdout.strip() or "this checkout"
    if args.scanner_only:
        result = {"source": args.source.name, "label": args.label, "ner": not args.sans_detection_noms}
        for name, src, code in (("baseline", args.baseline_src.resolve(), args.baseline_name),
                                ("current", ROOT / "src", f"this checkout@{current}")):
            result[name] = scan_only(args.source.resolve(), src, code, ner=not args.sans_detection_noms)
            print(name, {k: v for k, v in result[name].items() if k != "findings"}, flush=True)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"scanner-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        (RESULTS / f"scanner-{args.label}.md").write_text(scan_table(result), encoding="utf-8")
        print(scan_table(result))
        return
    database = build_database(args.source.resolve(), args.work)
    extra = ["--sans-detection-noms"] if args.sans_detection_noms else []
    result = {"source": args.source.name, "label": args.label, "ner": not args.sans_detection_noms}
    versions = (("baseline", args.baseline_src.resolve(), args.baseline_name),
                ("current", ROOT / "src", f"this checkout@{current}"))
    for name, src, code in versions:
        result[name] = publish_twice(database, src, args.work, name, extra, code, twice=not args.once)
        print(name, result[name], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"publication-{args.label}.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (RESULTS / f"publication-{args.label}.md").write_text(table(result), encoding="utf-8")
    print(table(result))


if __name__ == "__main__":
    main()
