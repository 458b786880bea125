"""Rich progress bars for long work: count, rate and ETA.

Bars go to stderr and switch themselves off when stderr is not a terminal, so
piped JSON output and CI logs stay clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import TypeVar

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

T = TypeVar("T")

console = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Items per second, in the task's own unit (``task.fields['unit']``)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        unit = task.fields.get("unit", "items")
        return Text(f"{speed:,.1f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")


def make_progress(*, transient: bool = False) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal,
    )


def track(items: Iterable[T], description: str, *, total: int | None = None, unit: str = "items") -> Iterator[T]:
    """Iterate over ``items`` with a progress bar showing count, rate and ETA."""
    seq = items if isinstance(items, Sized) else list(items)
    count = total if total is not None else len(seq)  # type: ignore[arg-type]
    with make_progress() as progress:
        task = progress.add_task(description, total=count, unit=unit)
        for item in seq:
            yield item
            progress.advance(task)
