"""`make test` runs two pytest-xdist workers: the modules that take the whole machine share one
scope (one worker, one after the other), every other test is scheduled on its own."""

from __future__ import annotations

import pytest

from conftest import ROOT, WHOLE_MACHINE_MODULES


def test_the_whole_machine_modules_exist():
    assert all((ROOT / "tests" / f"{name}.py").is_file() for name in WHOLE_MACHINE_MODULES)


def test_the_whole_machine_modules_share_one_scope_and_the_rest_are_scheduled_one_by_one():
    pytest.importorskip("xdist")
    from conftest import WholeMachineScheduling

    scheduler = WholeMachineScheduling.__new__(WholeMachineScheduling)  # _split_scope reads no state
    scopes = {scheduler._split_scope(f"tests/{name}.py::test_x[a]") for name in WHOLE_MACHINE_MODULES}
    assert scopes == {"whole-machine"}
    assert scheduler._split_scope("tests/test_text.py::test_y[b]") == "tests/test_text.py::test_y[b]"
