"""Run independent pieces of work on every core, in processes forked from this one.

Coding a national consultation is CPU-bound Python (regular expressions, dictionaries, sparse
matrices): threads would wait on each other, so the work is shared between processes. Forked
processes see the parent's memory as it was (the fitted models, the lemma tables, the answers)
without copying or pickling it; only each piece's result comes back. Where fork does not exist
(Windows, macOS' default), or for one worker, everything runs here, in order, with the same
results.

A worker ends with the process that forked it: a run stopped by SIGTERM or SIGKILL (a scheduler's
timeout, `kill`, an out-of-memory kill) must not leave workers holding the parent's memory. On
Linux the kernel tells each worker (`PR_SET_PDEATHSIG`); elsewhere a worker still ends when the
executor shuts down normally.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import itertools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Jobs being run, by number: a forked worker finds its job here, as it was when it was forked.
# Several threads (a Prefect flow's tasks) may each run a job at the same time.
_JOBS: dict[int, tuple[Callable[[Any], Any], Sequence[Any]]] = {}
_NEXT = itertools.count()


PARALLEL_FROM = 20_000  # units or answers from which forking workers pays for itself


def cores() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fork_map(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    workers: int | None = None,
    on_done: Callable[[T, R], None] | None = None,
) -> list[R]:
    """[func(item) for item in items], in `workers` forked processes (default: one per core).

    `on_done(item, result)` is called in this process as each piece finishes (progress bars).
    """
    items = list(items)
    workers = min(cores() if workers is None else workers, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        out = []
        for item in items:
            result = func(item)
            if on_done is not None:
                on_done(item, result)
            out.append(result)
        return out
    job = next(_NEXT)
    _JOBS[job] = (func, items)
    # The workers share this process's memory until they write to it; a garbage collection in a
    # worker writes to every object it visits (their GC headers), copying pages that would stay
    # shared. Frozen objects are never visited (the standard library's advice before fork()).
    # Objects someone else froze stay frozen; ours are released after the job.
    ours = gc.get_freeze_count() == 0
    if ours:
        gc.freeze()
    try:
        results: list[Any] = [None] * len(items)
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_end_with_parent, initargs=(os.getpid(),)) as pool:
            with _interrupts_deferred():  # the fork context forks every worker at the first submit
                futures = {pool.submit(_run, job, i): i for i in range(len(items))}
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if on_done is not None:
                    on_done(items[i], results[i])
        return results
    finally:
        if ours:
            gc.unfreeze()
        del _JOBS[job]


# The SIGINT handler the workers get back (`_end_with_parent`): the one in force before the fork.
_WORKER_SIGINT: list[Any] = []


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl+C while the workers are being forked is acted on once they are, not during the fork.

    The parent runs other libraries' at-fork callbacks (logging's lock release) right after each
    fork; a KeyboardInterrupt raised inside one is not propagated but printed, traceback and all
    (« Exception ignored in … »), and lost. Only the main thread runs signal handlers: elsewhere
    there is nothing to defer."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(frame))
    _WORKER_SIGINT[:] = [previous]
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        _WORKER_SIGINT.clear()
    if received:
        if callable(previous):
            previous(signal.SIGINT, received[0])  # ours raises KeyboardInterrupt, here
        elif previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGINT)


def _run(job: int, i: int) -> Any:
    func, items = _JOBS[job]  # present: the worker was forked while the job ran
    return func(items[i])


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _end_with_parent(parent: int) -> None:
    """In a new worker: Ctrl+C handled as in the parent before the fork; be sent SIGTERM when the
    forking thread's process dies (Linux).

    Without it a worker waits forever on its job queue, whose write end it holds itself, after its
    parent was killed. The kernel signals on the death of the thread that forked the worker; the
    pool is used inside one `with` block of one thread, which outlives the workers.
    """
    if _WORKER_SIGINT:  # forked while Ctrl+C was deferred: the worker reacts to it as before
        signal.signal(signal.SIGINT, _WORKER_SIGINT[0])
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made: nobody to tell us
        os._exit(1)
