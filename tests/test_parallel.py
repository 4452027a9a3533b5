"""Work shared between forked processes gives what running it here gives."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from consultation.parallel import fork_map

BIG = list(range(50))  # data the workers see without it being sent to them


def _square_and_pid(i: int) -> tuple[int, int]:
    return BIG[i] ** 2, os.getpid()


def test_results_come_back_in_order_and_each_is_reported_once():
    seen = []
    out = fork_map(_square_and_pid, list(range(20)), workers=2, on_done=lambda item, result: seen.append(item))
    assert [r[0] for r in out] == [i * i for i in range(20)]
    assert sorted(seen) == list(range(20))
    assert all(pid != os.getpid() for _, pid in out)  # the work ran in other processes


def test_one_worker_runs_here_in_order():
    out = fork_map(_square_and_pid, [3, 1, 2], workers=1)
    assert out == [(9, os.getpid()), (1, os.getpid()), (4, os.getpid())]


def test_closures_over_local_data_work_without_pickling_them():
    local = {"k": object()}  # not picklable in a useful way; fork shares it
    assert fork_map(lambda key: key in local, ["k", "x"], workers=2) == [True, False]


def _fail(i: int) -> int:
    if i == 3:
        raise ValueError("mauvaise valeur 3")
    return i


def test_an_error_in_a_worker_reaches_the_caller():
    with pytest.raises(ValueError, match="mauvaise valeur 3"):
        fork_map(_fail, list(range(6)), workers=2)
    assert fork_map(_fail, [0, 1], workers=2) == [0, 1]  # and the next call works


def test_two_threads_can_share_work_out_at_the_same_time():
    """A Prefect flow runs tasks in threads: two of them may fork workers at once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as threads:
        a = threads.submit(fork_map, lambda i: ("a", i * 2), list(range(8)), workers=2)
        b = threads.submit(fork_map, lambda i: ("b", i * 3), list(range(8)), workers=2)
        assert a.result() == [("a", i * 2) for i in range(8)]
        assert b.result() == [("b", i * 3) for i in range(8)]


_ORPHANS = """
import os, sys, time
from consultation.parallel import fork_map

folder = sys.argv[1]

def wait(i):
    with open(os.path.join(folder, f"{os.getpid()}.pid"), "w") as f:
        f.write(str(i))
    time.sleep(120)
    return i

fork_map(wait, list(range(4)), workers=2)
"""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux' /proc to see the workers")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_workers_end_when_the_run_that_forked_them_is_killed(tmp_path, sig):
    """A scheduler's timeout or `kill` on a run must not leave workers holding its memory."""
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "run.py"
    script.write_text(_ORPHANS)
    run = subprocess.Popen([sys.executable, str(script), str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.pid"))) < 2:
            assert run.poll() is None, "the run ended before its workers started"
            assert time.monotonic() < deadline, "the workers did not start within 60 s"
            time.sleep(0.1)
        workers = [int(p.stem) for p in tmp_path.glob("*.pid")]
        assert all(_alive(pid) for pid in workers)
        run.send_signal(getattr(signal, sig))
        run.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [pid for pid in workers if _alive(pid)] == [], f"workers still running after {sig} to their run"
    finally:
        run.kill()
        for p in tmp_path.glob("*.pid"):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(p.stem), signal.SIGKILL)


def _frozen_in_worker(_: int) -> int:
    import gc

    return gc.get_freeze_count()


def test_workers_see_the_parent_objects_frozen_and_the_parent_gets_them_back():
    """The parent's objects are frozen while workers fork (a worker's garbage collection then
    leaves their pages shared), and collectable again in the parent afterwards, error or not."""
    import gc

    assert gc.get_freeze_count() == 0
    assert all(n > 1000 for n in fork_map(_frozen_in_worker, [0, 1, 2], workers=2))
    assert gc.get_freeze_count() == 0
    with pytest.raises(ValueError):
        fork_map(_fail, list(range(6)), workers=2)
    assert gc.get_freeze_count() == 0


# A SIGINT sent by the parent's at-fork callback: Ctrl+C landing while the workers are forked.
_CTRL_C_AT_FORK: list[bool] = []


def _send_ctrl_c_once() -> None:
    if _CTRL_C_AT_FORK:
        _CTRL_C_AT_FORK.clear()
        os.kill(os.getpid(), signal.SIGINT)


os.register_at_fork(after_in_parent=_send_ctrl_c_once)


def test_ctrl_c_while_the_workers_are_forked_interrupts_the_run_without_a_traceback(monkeypatch):
    """Before, the KeyboardInterrupt was raised inside the parent's at-fork callbacks (logging's),
    where Python prints it with its traceback (« Exception ignored in … ») and drops it: the run
    went on, and the user saw a traceback (tests/test_crash.py caught it once, by chance)."""
    from consultation.cli.base import _Commands, _on_sigint

    unraisable: list[object] = []
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)
    monkeypatch.setattr(_Commands, "started", True)
    monkeypatch.setattr(_Commands, "running", 1)  # a command is running: Ctrl+C interrupts it
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        _CTRL_C_AT_FORK.append(True)
        with pytest.raises(KeyboardInterrupt):
            fork_map(lambda x: x * 2, list(range(8)), workers=2)
    finally:
        _CTRL_C_AT_FORK.clear()
        signal.signal(signal.SIGINT, previous)
    assert unraisable == []
    # the workers got the command's handler back; the next run is an ordinary one
    assert fork_map(lambda x: x * 2, list(range(8)), workers=2) == [x * 2 for x in range(8)]
