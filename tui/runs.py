"""The runs hcwatch saw itself (RunBook): when the current run began, and the last few runs' durations.

The change history is bounded and filled by progress ticks, so the runs the ETA needs are kept apart
(bounded to KEEP), fed by every update and saved in the state file.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.eta import usual_duration
from tui.history import EPOCH
from tui.model import Change, Phase, Snapshot
from tui.outcome import Run, make_run, newest_first

__all__ = ["KEEP", "MAX_US", "MIN_US", "RUN_PHASES", "RunBook", "advance", "pack_run"]

KEEP = 20  # runs kept per task: the ETA uses the last few successful ones; the history pane shows ten

# A book's runs are packed, RUN_SIZE bytes each: the phase (an index into RUN_PHASES), the duration
# in seconds (NaN: not known) and the start in µs since EPOCH (_NO_START: not known). Twenty runs
# of 10,000 tasks held as Run objects (the object, a datetime, a float) cost ~29 MB; packed, ~4 MB.
RUN_PHASES = tuple(Phase)
_PHASE_INDEX = {p: i for i, p in enumerate(RUN_PHASES)}
_RUN = struct.Struct("=Bdq")
RUN_SIZE = _RUN.size
_NO_START = -(2 ** 63)
_US = timedelta(microseconds=1)
_NAN = math.nan
# The starts a datetime can hold in UTC, in µs from EPOCH: one beyond them (year 1 east of UTC, say) could
# not be made again when read, so it is kept as not known (the state file's loader refuses such a start too).
MIN_US = (datetime.min.replace(tzinfo=UTC) - EPOCH) // _US
MAX_US = (datetime.max.replace(tzinfo=UTC) - EPOCH) // _US


def pack_run(phase: int, took: float | None, started_us: int | None) -> bytes:
    """One run's bytes in a book (phase: an index into RUN_PHASES; started: µs since 2020-01-01 UTC)."""
    if took is not None and not math.isfinite(took):
        took = None  # (an Infinity in a hand-edited file: no duration can be said of it)
    return _RUN.pack(phase, _NAN if took is None else took, _NO_START if started_us is None else started_us)


def _packed(run: Run) -> bytes:
    at = run.started_at
    us = None if at is None else ((at if at.tzinfo is not None else at.replace(tzinfo=UTC)) - EPOCH) // _US
    if us is not None and not MIN_US <= us <= MAX_US:
        us = None
    return pack_run(_PHASE_INDEX[run.phase], run.duration_s, us)


def _run(phase: int, took: float | None, started: int | None, number: str | None) -> Run:
    """A Run from a book's row (rows(): None for what is not known)."""
    return make_run(RUN_PHASES[phase], took, None if started is None else EPOCH + timedelta(0, 0, started), number)


def _row(phase: int, took: float, started: int, number: str | None) -> tuple[int, float | None, int | None, str | None]:
    """A run's packed values with NaN and _NO_START as None."""
    return phase, None if took != took else took, None if started == _NO_START else started, number


class RunBook:
    """What hcwatch saw of one task's runs: `since` (the current run's start, None when not running) and `runs`.

    Immutable. The runs are held packed (one per task at a load, up to KEEP runs each) and made into
    Run objects when read; their start times come back in UTC.
    """

    __slots__ = ("_numbers", "_packed", "_usual", "since")
    since: datetime | None
    _packed: bytes
    _numbers: tuple[str | None, ...] | None  # None: no run has a number (most services)
    _usual: tuple[float | None] | None  # usual_s once worked out (a book never changes), None before

    def __init__(self, since: datetime | None = None, runs: Iterable[Run] = ()) -> None:
        runs = tuple(runs)
        numbers = tuple(r.number for r in runs)
        self._set(since, b"".join(map(_packed, runs)), numbers if any(n is not None for n in numbers) else None)

    def _set(self, since: datetime | None, packed: bytes, numbers: tuple[str | None, ...] | None) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "since", since)
        setattr_(self, "_packed", packed)
        setattr_(self, "_numbers", numbers)
        setattr_(self, "_usual", None)

    @classmethod
    def packed(cls, since: datetime | None, packed: bytes, numbers: tuple[str | None, ...] | None) -> RunBook:
        """A book from its packed runs (pack_run's bytes one after the other) and their numbers (a state load)."""
        if len(packed) % RUN_SIZE or (numbers is not None and len(numbers) * RUN_SIZE != len(packed)):
            raise ValueError("bad packed runs")
        book = object.__new__(cls)
        book._set(since, packed, numbers if numbers is None or any(n is not None for n in numbers) else None)
        return book

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"RunBook is immutable ({name})")

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle (the default fills slots by setattr)
        return RunBook.packed, (self.since, self._packed, self._numbers)

    @property
    def empty(self) -> bool:
        return self.since is None and not self._packed

    @property
    def count(self) -> int:
        """How many runs (not __len__: a book with no runs but a `since` must stay truthy)."""
        return len(self._packed) // RUN_SIZE

    @property
    def runs(self) -> tuple[Run, ...]:
        """The runs, oldest first."""
        return tuple(_run(*row) for row in self.rows())

    @property
    def usual_s(self) -> float | None:
        """The usual duration of these runs (tui.eta.usual_duration), worked out at the first read only.

        A running task's row is built again after every poll; its book changes only when a run ends.
        """
        usual = self._usual
        if usual is None:
            usual = (usual_duration(newest_first(self.runs)),)
            object.__setattr__(self, "_usual", usual)
        return usual[0]

    @property
    def last(self) -> Run | None:
        """The latest run (None when there is none), without making the others."""
        if not self._packed:
            return None
        phase, took, started = _RUN.unpack_from(self._packed, len(self._packed) - RUN_SIZE)
        return _run(*_row(phase, took, started, self._numbers[-1] if self._numbers else None))

    def _numbers_of_each(self) -> tuple[str | None, ...]:
        return self._numbers or (None,) * self.count

    def rows(self) -> Iterator[tuple[int, float | None, int | None, str | None]]:
        """(phase index, duration, start in µs since 2020-01-01 UTC, number) of each run: the state file's values."""
        for (phase, took, started), number in zip(_RUN.iter_unpack(self._packed), self._numbers_of_each(),
                                                 strict=True):
            yield _row(phase, took, started, number)

    def updated(self, since: datetime | None, ended: list[Run]) -> RunBook:
        """This book with `since` and the runs that `ended` (the newest KEEP kept)."""
        if not ended:
            return self if since == self.since else RunBook.packed(since, self._packed, self._numbers)
        numbers = self._numbers_of_each() + tuple(r.number for r in ended)
        packed = self._packed + b"".join(map(_packed, ended))
        cut = len(packed) - KEEP * RUN_SIZE
        if cut > 0:
            packed, numbers = packed[cut:], numbers[-KEEP:]
        return RunBook.packed(since, packed, numbers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RunBook):
            return NotImplemented
        return self.since == other.since and self._packed == other._packed and self._numbers == other._numbers

    def __hash__(self) -> int:
        return hash((self.since, self._packed, self._numbers))

    def __repr__(self) -> str:
        return f"RunBook(since={self.since!r}, runs={self.runs!r})"


def advance(book: RunBook | None, snapshot: Snapshot, changes: Iterable[Change]) -> RunBook:
    """The book after one update: a run starts when the task is seen running and ends when it finishes.

    The service's own start time (snapshot.started_at) is preferred to the time hcwatch first saw the run.
    """
    if book is None:
        book = _NONE
    since = book.since
    ended: list[Run] = []
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
            ended.append(Run(change.to_phase, max(0.0, took), start, number))
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
    return book.updated(since, ended)  # (itself when nothing changed: most polls)


_NONE = RunBook()
