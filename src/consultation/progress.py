"""Progress bars with throughput for the long stages (ingestion, lemmas, coding) of big consultations.

A national consultation takes minutes, not seconds: a user watching a terminal should see how far
a stage is and how many answers per second it handles. Bars go to stderr and only when stderr is
a terminal, so logs, pipes, CI and tests stay clean; `enabled=` overrides that for a caller (a
CLI `--quiet` flag, say).

    from consultation.progress import progress, track

    with progress(len(texts), "Lemmes", unit="réponses") as advance:
        for batch in batches:
            ...
            advance(len(batch))

    for doc in track(nlp.pipe(texts), "Lemmes", total=len(texts), unit="réponses"):
        ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from consultation import fmt

T = TypeVar("T")


def format_rate(per_second: float | None, unit: str) -> str:
    """« 12 345 réponses/s » (French thousands separator), « – » before the first measure."""
    if not per_second:
        return f"– {unit}/s"
    figure = fmt.integer(per_second) if per_second >= 100 else fmt.decimal(per_second, 1)
    return f"{figure} {unit}/s"


class _RateColumn(ProgressColumn):
    def __init__(self, unit: str):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(format_rate(task.finished_speed or task.speed, self.unit), style="progress.data.speed")


def is_interactive(stream: TextIO | None = None) -> bool:
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress(
    total: int | None,
    description: str,
    *,
    unit: str = "réponses",
    enabled: bool | None = None,
    stream: TextIO | None = None,
) -> Iterator[Callable[[int], None]]:
    """A bar for one stage; yields `advance(n)` to call as work is done.

    `enabled=None` shows the bar only when `stream` (stderr by default) is a terminal.
    """
    stream = stream if stream is not None else sys.stderr
    show = is_interactive(stream) if enabled is None else enabled
    if not show:
        def _ignore(n: int = 1) -> None:
            return None

        yield _ignore
        return
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("reste"),
        TimeRemainingColumn(),
        console=Console(file=stream, force_terminal=enabled or None),
        transient=False,
        speed_estimate_period=10.0,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        yield advance


def track(
    iterable: Iterable[T],
    description: str,
    total: int | None = None,
    *,
    unit: str = "réponses",
    enabled: bool | None = None,
    stream: TextIO | None = None,
) -> Iterator[T]:
    """Yield every item of `iterable`, advancing a bar by one per item."""
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    with progress(total, description, unit=unit, enabled=enabled, stream=stream) as advance:
        for item in iterable:
            yield item
            advance(1)
