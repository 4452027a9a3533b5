"""Work shared between forked processes gives what running it here gives."""

from __future__ import annotations

import os

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
