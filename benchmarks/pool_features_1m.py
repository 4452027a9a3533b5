"""Cost at 1M answers of `ModelSettings(features_on_pool=...)` (and of `char_model`: mode
`char-model`): training, model file, memory, coding.

    python -m benchmarks.pool_features_1m CONSULTATION_DIR --sorties PROCESSED --mode off --out off.json
    python -m benchmarks.pool_features_1m CONSULTATION_DIR --sorties PROCESSED --mode on --out on.json
    python -m benchmarks.pool_features_1m merge off=off.json on=on.json --out benchmarks/results/pool-features-1m-<date>.json

The consultation must be ingested already (`consultation ingest CONSULTATION_DIR --sorties PROCESSED`);
its database is opened read-only. Each mode runs in its own process (its peak memory is its own,
no cache carried over). Stages, each timed (wall and CPU seconds, this process and its finished
children) with its peak memory (this process's RSS, and the process tree's proportional set
size, `benchmarks.run.RssSampler`):

- `units`: the training units as `consultation code` reads them (`training.training_units`:
  the hand-coded units and each question's pool of answers);
- `train`: `training.train_models` (what `prepare_engine` runs when the codes changed);
- `save`: `training.save_models` (the model file written by `consultation code`; its size);
- `load`: `training.load_models` (what each coding worker does);
- `code`: `engine.code_units` on `--code-units` units drawn deterministically from every
  question's units (one process);
- `evaluate` (with `--evaluate`, or alone with `--evaluate-only`): `evaluate.evaluate_consultation`, the cross-validation
  `consultation code` runs after training (`coder.code_and_evaluate`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.run import ROOT, RssSampler, machine


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _git() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"), "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "src_dirty": bool(git("status", "--porcelain", "--", "src"))}


def measure(
    folder: Path, processed: Path, mode: str, code_units: int, evaluate: bool, evaluate_only: bool = False
) -> dict[str, Any]:
    from consultation import store
    from consultation.coding.engine import CodingEngine
    from consultation.coding.engine import code_units as code
    from consultation.coding.evaluate import evaluate_consultation
    from consultation.coding.model import ModelSettings
    from consultation.coding.run import pending_units, worker_lemmatizer
    from consultation.coding.training import load_models, save_models, train_models, training_units
    from consultation.store.paths import locate

    settings = {"off": ModelSettings(features_on_pool=False), "on": ModelSettings(features_on_pool=True),
                "on-50k": ModelSettings(features_on_pool=True, features_pool_max=50_000),
                # without the logistic regression on character n-grams stacked with each theme's
                # SVM (the default since 2026-12-04); `char-model`: with it, the default
                "no-char-model": ModelSettings(char_model=False),
                "char-model": ModelSettings(char_model=True)}[mode]
    sampler = RssSampler()
    sampler.start()
    stages: dict[str, dict[str, Any]] = {}

    @contextmanager
    def stage(name: str) -> Iterator[dict[str, Any]]:
        extra: dict[str, Any] = {}
        sampler.mark()
        wall, cpu = time.perf_counter(), _cpu()
        yield extra
        stages[name] = {
            "seconds": round(time.perf_counter() - wall, 2), "cpu_seconds": round(_cpu() - cpu, 2),
            "peak_rss_mb": round(sampler.peak_since_mark() / 2**20, 1),
            "peak_tree_pss_mb": round(sampler.peak_tree_since_mark() / 2**20, 1), **extra,
        }
        print(name, stages[name], flush=True)

    location = locate(folder, processed)
    consultation = location.consultation()
    con = store.connect(location.existing_db(), read_only=True)
    lemmatizer = worker_lemmatizer()
    with stage("units") as extra:
        units = training_units(con, consultation)
        extra["hand_coded_units"] = {q: len(u) for q, u in units.items()}
        extra["pool_texts"] = {q: len(u.pool) for q, u in units.items()}
    if not evaluate_only:
        with stage("train") as extra:
            models = train_models(consultation, units, lemmatizer, settings)
            extra["features"] = {q: int(m.classifier.fold_coef_.shape[1]) for q, m in models.items()}
        with tempfile.TemporaryDirectory(prefix="pool-features-") as scratch:
            path = Path(scratch) / f"model-{mode}.skops"
            with stage("save") as extra:
                save_models(models, path, {"settings": settings.as_dict()})
                extra["file_mb"] = round(path.stat().st_size / 2**20, 2)
            del models
            with stage("load"):
                models = load_models(path)
        engine = CodingEngine(consultation, lemmatizer, models, f"bench-{mode}")
        all_units = pending_units(con, consultation, recode_all=True)
        rows = np.sort(np.random.default_rng(0).choice(len(all_units), min(code_units, len(all_units)), replace=False))
        sample = all_units.iloc[rows].reset_index(drop=True)
        del all_units
        with stage("code") as extra:
            codes = code(engine, sample)
            extra["units"] = len(sample)
            extra["codes"] = len(codes)
        stages["code"]["units_per_second"] = round(len(sample) / stages["code"]["seconds"], 1)
    if evaluate or evaluate_only:
        with stage("evaluate") as extra:
            evaluation = evaluate_consultation(con, consultation, lemmatizer, settings=settings)
            extra["n_folds"] = evaluation.n_folds
            extra["micro_f1"] = round(evaluation.micro_f1, 4) if evaluation.micro_f1 is not None else None
    sampler.stop()
    con.close()
    return {
        "mode": mode, "settings": settings.as_dict(), "consultation": folder.name, "stages": stages,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest_child_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "merge":
        parser = argparse.ArgumentParser()
        parser.add_argument("files", nargs="+", help="LABEL=FILE: each run's JSON and what it measured")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--note", default="", help="the conditions of the runs (load, what else ran)")
        args = parser.parse_args(argv[1:])
        runs = []
        for item in args.files:
            label, _, name = item.partition("=")
            runs.append({"label": label, **json.loads(Path(name).read_text(encoding="utf-8"))})
        out = {"created": datetime.now().isoformat(timespec="seconds"), "code": _git(), "machine": machine(),
               "note": args.note, "runs": runs}
        args.out.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sorties", type=Path, required=True)
    parser.add_argument("--mode", choices=["off", "on", "on-50k", "no-char-model", "char-model"], required=True,
                        help="features on the coded answers only, on at most features_pool_max (the default) "
                             "or 50,000 answers per question; (no-)char-model: ModelSettings.char_model on or off")
    parser.add_argument("--code-units", type=int, default=20_000)
    parser.add_argument("--evaluate", action="store_true")
    parser.add_argument("--evaluate-only", action="store_true", help="only the units and the cross-validation")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.time()
    result = measure(args.folder, args.sorties, args.mode, args.code_units, args.evaluate, args.evaluate_only)
    result["total_seconds"] = round(time.time() - started, 1)
    result["code"] = _git()
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
