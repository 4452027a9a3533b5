"""The benchmark harness keeps working: run once at a tiny size, every stage and target measured.

Speed is not asserted here (benchmarks are not tests); only that the harness produces what
BENCHMARKS.md is built from. Also the progress bars colleagues call from the long stages.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT

STAGES = ["setup", "ingest", "text", "coding", "tally", "charts", "reports"]


@pytest.mark.slow
def test_harness_times_every_stage_of_both_approaches_at_a_tiny_size(tmp_path: Path):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--sizes", "20", "--naive-sizes", "20", "--batch", "5", "--no-calibration",
         "--work", str(tmp_path / "work"), "--out", str(out), "--timeout", "300"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    [result_file] = out.glob("run-*.json")
    data = json.loads(result_file.read_text(encoding="utf-8"))
    runs = {r["approach"]: r for r in data["runs"]}
    assert set(runs) == {"pipeline", "naive"}
    for run in runs.values():
        assert run["status"] == "ok", run.get("stderr_tail")
        assert list(run["stages"]) == STAGES
        assert all(s["seconds"] > 0 and s["peak_rss_mb"] > 0 for s in run["stages"].values())
        assert run["peak_rss_mb"] > 0
        assert run["dataset"]["answers"] > 0
    pipeline = runs["pipeline"]
    assert list(pipeline["incremental"]) == ["ingest", "coding", "estimates", "tally"]
    # The new answers are coded as the flow codes them, with the current model if there is one
    # (at 20 answers there are too few human codes for one), and the corrected counts refreshed.
    assert "LocalProcesses + write_codes (model no" in pipeline["impl"]["incremental_coding"]
    assert "from the stored unit decisions" in pipeline["impl"]["incremental_estimates"]
    assert pipeline["counts"]["incremental_new_answer_rows"] > 0
    assert pipeline["incremental_seconds"] > 0
    assert pipeline["queries"]["worst_median_ms"] > 0
    assert pipeline["counts"]["reports"] > 0 and pipeline["counts"]["charts"] > 0
    assert data["machine"]["nproc"] >= 1 and data["machine"]["ram_gb"] > 0
    table = result_file.with_suffix(".md").read_text(encoding="utf-8")
    assert "| pipeline | 20 |" in table and "| naive | 20 |" in table
    # The synthetic consultation stays out of data/raw, and nothing was kept after the run.
    assert not list((tmp_path / "work").glob("*/processed-*"))


def test_generated_consultation_is_a_valid_folder_with_a_new_batch(tmp_path: Path):
    from benchmarks.generate import generate, load_corpus

    from consultation.codebook import load_consultation

    folder = generate(40, work=tmp_path, batch_respondents=5, corpus=load_corpus())
    consultation = load_consultation(folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert consultation.id == "bench-40"
    assert 20 <= manifest["answers"] <= 60
    assert manifest["distinct_answers"] <= manifest["answers"]
    assert (folder / "reponses.csv").is_file() and (folder / "batch" / "reponses-lot.csv").is_file()
    main = pd.read_csv(folder / "reponses.csv", sep=";", dtype=str)
    batch = pd.read_csv(folder / "batch" / "reponses-lot.csv", sep=";", dtype=str)
    assert len(batch) == 5
    assert not set(batch["Identifiant"]) & set(main["Identifiant"])  # new respondents only


def test_generator_refuses_to_write_under_data_raw():
    from benchmarks.generate import generate

    with pytest.raises(ValueError, match="data/raw"):
        generate(10, work=ROOT / "data" / "raw" / "bench")


def test_generator_falls_back_to_the_sample_without_the_shared_data(tmp_path: Path):
    from benchmarks.generate import load_corpus

    corpus = load_corpus(real_answers=tmp_path / "absent.csv")
    assert corpus.sources == ["data/raw/segur-2020-sample"]
    assert corpus.templates and len(corpus.vocabulary) > 100


def test_progress_is_silent_when_not_on_a_terminal():
    from consultation.progress import progress, track

    stream = io.StringIO()
    with progress(10, "Codage", stream=stream) as advance:
        advance(10)
    assert list(track(range(3), "Lemmes", stream=stream)) == [0, 1, 2]
    assert stream.getvalue() == ""


def test_progress_shows_description_count_and_throughput_when_enabled():
    from consultation.progress import format_rate, progress

    stream = io.StringIO()
    with progress(2000, "Codage", unit="réponses", enabled=True, stream=stream) as advance:
        advance(1500)
        advance(500)
    shown = stream.getvalue()
    assert "Codage" in shown and "2000/2000" in shown and "réponses/s" in shown
    assert format_rate(12345.6, "réponses") == "12\u202f346 réponses/s"
    assert format_rate(None, "lignes") == "– lignes/s"


def test_memtrace_reports_the_peak_of_the_command_and_keeps_its_output(tmp_path: Path):
    trace = tmp_path / "trace.txt"
    code = "x = bytearray(80_000_000); x[::4096] = b'1' * len(x[::4096]); print('fini'); import time; time.sleep(1.5)"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memtrace", str(trace), "--", sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    last = trace.read_text(encoding="utf-8").splitlines()[-1].split()
    assert last[0] == "PEAK" and int(last[1]) >= 76 and last[3] == "0"  # 80 MB touched, in MiB
    assert (tmp_path / "trace.txt.log").read_text(encoding="utf-8").strip() == "fini"
