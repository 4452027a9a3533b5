"""The library and the flows type-check clean with the pinned mypy (`make lint` runs the same)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_mypy_finds_no_error_in_the_library_and_the_flows(tmp_path):
    pytest.importorskip("mypy", reason="mypy is a dev dependency (pip install -e '.[dev]')")
    # the files to check come from pyproject's [tool.mypy]; the cache stays out of the tree
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
