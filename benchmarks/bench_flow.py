"""The nightly Prefect flow against `consultation run`, side by side in one run, on a generated consultation.

    python -m benchmarks.generate 100000                     # once: data/processed/bench/n100000-s0
    nice -n 10 python -m benchmarks.bench_flow data/processed/bench/n100000-s0 /tmp/flow-bench

Steps, in this order, each timed (wall clock) in this process, on a copy of the folder:

1. `consultation code` (what `consultation run` does before publishing): ingest, train, code
   every answer, corrected counts, agreement with the human coders;
2. the same with the flows (`ingestion_flow` then `coding_flow`, Prefect's temporary local
   server, default options: cross-validation included) on fresh outputs;
3. the flows again after the generated batch of new answers (`batch/reponses-lot.csv`) was added
   to the consultation's exports: ingest, code only the new answers, corrected counts;
4. the corrected counts of that database: from the stored decisions (what the write does), and
   the full recompute that decides every unit again (`reuse_decisions=False`), for comparison.

Publication (charts, reports) is left out: it is the same library call in both runners, and
its own benchmark is in BENCHMARKS.md. Prints one line per step and the ratios; results are
written down in BENCHMARKS.md (« The nightly Prefect flow »).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path


def _timed(label: str, func):
    t0 = time.monotonic()
    result = func()
    seconds = time.monotonic() - t0
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds, result


def main() -> None:
    source, work = Path(sys.argv[1]), Path(sys.argv[2])
    from consultation import store
    from consultation.codebook import load_consultation
    from consultation.coding.coder import code_and_evaluate
    from consultation.coding.estimate import estimate_consultation
    from consultation.coding.training import load_engine, training_units
    from consultation.ingest import ingest_consultation
    from consultation.paths import OutputPaths
    from consultation.text import Lemmatizer, load_nlp
    from flows.coding_flow import coding_flow
    from flows.ingest_flow import ingestion_flow

    def cli_code(out: Path) -> None:
        consultation = load_consultation(raw)
        paths = OutputPaths.for_consultation(out, consultation.id)
        con = store.connect(paths.db)
        try:
            ingest_consultation(con, consultation, raw)
            code_and_evaluate(con, consultation, Lemmatizer(load_nlp()), output_root=paths.root)
        finally:
            con.close()

    def flows(out: Path):
        ingestion_flow(raw, out)
        return coding_flow(raw, out)

    if work.exists():
        shutil.rmtree(work)
    raw = work / "raw"
    shutil.copytree(source, raw)
    run_s, _ = _timed("1. consultation code", lambda: cli_code(work / "cli"))
    flow_s, first = _timed("2. ingestion + coding flows, same data", lambda: flows(work / "flow"))
    yaml = raw / "consultation.yaml"
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text.replace("- reponses.csv", "- reponses.csv\n  - batch/reponses-lot.csv", 1), encoding="utf-8")
    plus_s, night = _timed("3. ingestion + coding flows after the new answers", lambda: flows(work / "flow"))
    consultation = load_consultation(raw)
    con = store.connect(OutputPaths.for_consultation(work / "flow", consultation.id).db)
    try:
        lemmatizer = Lemmatizer(load_nlp())
        engine = load_engine(con, consultation, lemmatizer)
        training = training_units(con, consultation)
        stored_s, _ = _timed("4a. corrected counts from the stored decisions",
                             lambda: estimate_consultation(con, engine, training))
        full_s, _ = _timed("4b. corrected counts, every unit decided again",
                           lambda: estimate_consultation(con, engine, training, reuse_decisions=False))
    finally:
        con.close()
    print(f"flows / consultation code: {flow_s / run_s:.2f}; first run {first.batches} batches, "
          f"{first.units} units; +new answers: {night.pending_answers} answers coded, "
          f"night {plus_s:.1f} s; corrected counts {stored_s:.1f} s vs {full_s:.1f} s full ({full_s / stored_s:.1f}x)")


if __name__ == "__main__":
    main()
