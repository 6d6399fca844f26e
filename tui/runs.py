"""The runs hcwatch saw itself (RunBook): when the current run began, and the last few runs' durations.

The change history is bounded and filled by progress ticks, so the runs the ETA needs are kept apart
(bounded to KEEP), fed by every update and saved in the state file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tui.model import Change, Phase, Snapshot
from tui.outcome import Run

__all__ = ["KEEP", "RunBook", "advance"]

KEEP = 20  # runs kept per task: the ETA uses the last few successful ones; the history pane shows ten


@dataclass(frozen=True, slots=True)  # one per task, 10,000 at a load
class RunBook:
    """What hcwatch saw of one task's runs: `since` (the current run's start, None when not running) and `runs`."""

    since: datetime | None = None
    runs: tuple[Run, ...] = ()

    @property
    def empty(self) -> bool:
        return self.since is None and not self.runs


def advance(book: RunBook | None, snapshot: Snapshot, changes: Iterable[Change]) -> RunBook:
    """The book after one update: a run starts when the task is seen running and ends when it finishes.

    The service's own start time (snapshot.started_at) is preferred to the time hcwatch first saw the run.
    """
    book = book or RunBook()
    since, runs = book.since, list(book.runs)
    for change in changes:
        if not change.major:
            continue
        if change.to_phase is Phase.RUNNING:
            since = change.at
        elif change.to_phase.finished and since is not None:
            start = snapshot.started_at if snapshot.started_at is not None and snapshot.started_at <= change.at \
                else since
            number = snapshot.outcome.number if snapshot.outcome is not None else None
            took = snapshot.outcome.duration_s if snapshot.outcome is not None else None
            if took is None:
                took = (change.at - start).total_seconds()
            runs.append(Run(change.to_phase, max(0.0, took), start, number))
            since = None
        elif not change.to_phase.active:
            since = None
    if snapshot.error is None and snapshot.fetched_at is not None:
        if snapshot.phase is Phase.RUNNING and since is None:
            since = snapshot.started_at or snapshot.fetched_at  # first seen running
        elif snapshot.phase is Phase.RUNNING and snapshot.started_at is not None:
            since = snapshot.started_at
        elif snapshot.phase is not None and not snapshot.phase.active:
            since = None
    new = RunBook(since, tuple(runs[-KEEP:]))
    return book if new == book else new
