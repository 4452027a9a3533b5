"""A wall-clock alarm for the tests of hostile inputs (tests/test_redact_time.py,
tests/test_typography_time.py): the code under test must end within the limit, or `TooSlow` is
raised inside it (the regular expression engine checks signals)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class TooSlow(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `TooSlow` after `seconds`."""

    def alarm(*_: object) -> None:
        raise TooSlow(f"more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
