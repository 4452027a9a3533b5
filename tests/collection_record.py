"""A pytest plugin for tests/test_fast_subset.py: `-p collection_record` writes, to the JSON file
named by COLLECTION_RECORD, every collected test: its id, whether `-m` kept it, its `seed` if any."""

from __future__ import annotations

import json
import os
from pathlib import Path

_left_out: list[dict[str, object]] = []


def _row(item, kept: bool) -> dict[str, object]:
    params = getattr(getattr(item, "callspec", None), "params", {})
    return {"id": item.nodeid, "kept": kept, "seed": repr(params["seed"]) if "seed" in params else None}


def pytest_deselected(items):
    _left_out.extend(_row(item, kept=False) for item in items)


def pytest_collection_finish(session):
    rows = [_row(item, kept=True) for item in session.items] + _left_out
    Path(os.environ["COLLECTION_RECORD"]).write_text(json.dumps(rows), encoding="utf-8")
