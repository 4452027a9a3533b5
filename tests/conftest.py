from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example time limit: hypothesis' 200 ms deadline measures the machine's load, not the code
# (tests failed on it under a shared 2-core machine). Time bounds are asserted where they are the
# behaviour under test (hostile inputs), and speed is measured in benchmarks/.
# Under CI (the `CI` variable set, as `.ci/run` does), every run tries the same examples
# (Hypothesis' own `ci` profile: derandomised, no example database), so that a run fails for a change
# of the code, never for a newly drawn example; elsewhere each run draws new examples, which is how
# the properties keep finding cases nobody wrote. A failure prints the example and the seed.
settings.register_profile("consultation", deadline=None)
settings.register_profile("consultation-ci", settings.get_profile("ci"), deadline=None)
settings.load_profile("consultation-ci" if os.environ.get("CI") else "consultation")

from ingest_family_support import clean_reference, drafted_reference  # noqa: E402, F401 (fixtures of the families)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "data" / "raw" / "segur-2020-sample"
MINI_DIR = ROOT / "tests" / "data" / "mini"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def nlp():
    """The real French pipeline, loaded once (lemmas are the point of the coding tests)."""
    from consultation.text import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def ner():
    """The French model with its NER (the redaction's), loaded once: only `pipe` reads it."""
    from consultation.publish.redact import load_ner

    return load_ner()


@pytest.fixture(scope="session")
def lemmatizer(nlp):
    from consultation.text import Lemmatizer

    return Lemmatizer(nlp)


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny consultation, so tests can change it."""
    target = tmp_path / "mini"
    shutil.copytree(MINI_DIR, target)
    return target


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory, nlp, ner):
    """The whole pipeline on the bundled sample, once per test session."""
    from consultation.pipeline import run

    out = tmp_path_factory.mktemp("processed")
    return run(SAMPLE_DIR, processed_root=out, nlp=nlp, ner=ner)


# A test is slow when it needs one of these (directly or through another fixture): spaCy's model,
# a whole pipeline, a Prefect server, a Dask cluster; when its module is in SLOW_MODULES; or when it
# needs LibreOffice or Chromium (a `skipif` whose reason names the program, as every such test has).
# `pytest -m "not slow or daily"` is the daily subset (`make test-fast`); CI and `make test` run
# everything. Marked by rule, so that a new test is classed without a thought.
SLOW_FIXTURES = {"nlp", "lemmatizer", "sample_run", "prefect_harness", "server", "runners", "dask_cluster"}
SLOW_MODULES = {
    "test_notebooks", "test_crash", "test_browser", "test_benchmarks", "test_flow",
    # a publication of 10,200 respondents in four formats, or the PDF and Word reports laid out
    # by WeasyPrint, LibreOffice and Chromium (test_report*.py publish the same outputs fast)
    "test_report_hostile", "test_report_print",
}
OUTSIDE_PROGRAMS = ("LibreOffice", "Chromium")

# Generated families, cut by rule: the daily subset keeps a few cases of each, the full run all of
# them. A test parametrised by `seed` keeps its first FAST_SEEDS seed(s); a test marked
# `daily_cases(n)` keeps n of its cases, spread evenly over its list (for families that are a list
# of named and generated cases rather than seeds). The cases left out are marked `slow`: nothing is
# deleted, `make test` runs every one. tests/test_fast_subset.py guards the cut.
FAST_SEEDS = 1


def _needs_outside_program(item) -> bool:
    return any(any(name in str(mark.kwargs.get("reason", "")) for name in OUTSIDE_PROGRAMS)
               for mark in item.iter_markers("skipif"))


def _cases_left_out_daily(items) -> list:
    """The cases of generated families that only the full run runs (see FAST_SEEDS)."""
    families: dict[str, list] = {}
    for item in items:
        if hasattr(item, "callspec"):
            families.setdefault(item.nodeid.split("[", 1)[0], []).append(item)
    left_out = []
    for cases in families.values():
        few = cases[0].get_closest_marker("daily_cases")
        if few is not None:
            kept = {k * len(cases) // few.args[0] for k in range(few.args[0])}
            left_out += [item for k, item in enumerate(cases) if k not in kept]
        elif "seed" in cases[0].callspec.params:
            seeds = list(dict.fromkeys(item.callspec.params["seed"] for item in cases))[:FAST_SEEDS]
            left_out += [item for item in cases if item.callspec.params["seed"] not in seeds]
    return left_out


def pytest_collection_modifyitems(config, items):
    for item in items:
        if (SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in SLOW_MODULES
                or _needs_outside_program(item)):
            item.add_marker(pytest.mark.slow)
    for item in _cases_left_out_daily(items):
        item.add_marker(pytest.mark.slow)


# `make test` runs two pytest-xdist workers (`-n 2 --dist loadgroup`). The tests of these modules go
# to one worker, one after the other, never against each other: each starts what takes the whole
# machine (a Prefect server and its runners, a Dask cluster, the pipeline killed and rerun, Ctrl+C
# through process groups, the ingest bombs), and the wall-clock bounds on hostile inputs run among
# them rather than beside one of them. test_flow's session-wide Prefect server is then started once,
# not once per worker. Every other test goes to whichever worker is free.
# Grouped by module in the scheduler, not by `xdist_group` marks: pytest-xdist 3.8.0 groups marked
# tests by renaming `item._nodeid`, which pytest 9.2 no longer reads (the marks were ignored).
WHOLE_MACHINE_MODULES = {
    "test_flow", "test_scheduler", "test_crash", "test_hostile_limits", "test_redact_time", "test_typography_time",
}

try:
    from xdist.scheduler import LoadGroupScheduling
except ImportError:  # without pytest-xdist the suite runs in one process
    LoadGroupScheduling = None

if LoadGroupScheduling is not None:

    class WholeMachineScheduling(LoadGroupScheduling):
        """`--dist loadgroup`, with the tests of WHOLE_MACHINE_MODULES as one group."""

        def _split_scope(self, nodeid: str) -> str:
            if Path(nodeid.split("::", 1)[0]).stem in WHOLE_MACHINE_MODULES:
                return "whole-machine"
            return super()._split_scope(nodeid)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config, log):
        return WholeMachineScheduling(config, log) if config.getvalue("dist") == "loadgroup" else None


@pytest.fixture
def blank_charts(monkeypatch):
    """Charts stand in as empty files (tests/test_charts.py draws them), to keep publication tests fast."""
    from consultation.publish import charts

    def touch(job):
        job.stem.parent.mkdir(parents=True, exist_ok=True)
        paths = [job.stem.with_suffix(".png"), job.stem.with_suffix(".svg")]
        for path in paths:
            path.write_bytes(b"")
        return paths

    monkeypatch.setattr(charts, "_render_one", touch)
