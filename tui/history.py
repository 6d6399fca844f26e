"""A task's change history held packed (ChangeLog), decoded into Change objects only when read.

A week of polling fills up to `history` (default 200) changes per task. Held as Change objects
each cost ~0.5 KB (the object and its __dict__, a datetime, a float, the containers); packed they
cost 15 bytes: the time in microseconds since EPOCH (array 'q'), the state file's change code
(array 'B'), the progress (array 'f', NaN for none, or 'd' once a value needs 8 bytes) and the
message's number in the log's table of messages (array 'H', or 'I' past 65,535 of them; a message
that repeats one of the last few is not stored again). Reading gives Change objects equal to the
ones appended.

`ChangeLog` is the one mutable owner (the poller and the state store share it); it appends at
the end only and drops the oldest beyond its cap. `Changes` is an immutable view of it: a log
never writes below the end of any view it handed out (dropping the oldest only moves the view's
start, and the arrays are copied when the dropped part is compacted away), so a view can be read
from another thread (the state writer) while the poller appends.
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from typing import Any, overload

from tui.history_columns import H_MAX, own_table
from tui.model import Change, Phase, TaskRef

__all__ = ["CODE_PHASES", "EMPTY", "EPOCH", "ChangeLog", "Changes", "change_code", "code_parts"]

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# A change's code, as the state file spells it: from | to << 3 | 64 if major is not (from != to) | 128 if
# while_closed, the phases numbered in this order (the file's header names them).
CODE_PHASES = (Phase.PENDING, Phase.RUNNING, Phase.SUCCEEDED, Phase.FAILED, Phase.STOPPED, Phase.IDLE,
               Phase.UNKNOWN)
_INDEX = {p: i for i, p in enumerate(CODE_PHASES)}
_PARTS: list[tuple[Phase, Phase, bool, bool] | None] = [None] * 256
for _f, _pf in enumerate(CODE_PHASES):
    for _t, _pt in enumerate(CODE_PHASES):
        for _flip in (0, 64):
            for _closed in (0, 128):
                _PARTS[_f | _t << 3 | _flip | _closed] = (_pf, _pt, (_f != _t) is not bool(_flip), bool(_closed))
_MAJOR_RUNNING = bytes(p is not None and p[2] and p[1] is Phase.RUNNING for p in _PARTS)
_MAJOR_FINISHED = bytes(p is not None and p[2] and p[1].finished for p in _PARTS)
VALID_CODES = frozenset(i for i, p in enumerate(_PARTS) if p is not None)
_NAN = math.nan
_isnan = math.isnan
_LOOK_BACK = 4  # a message equal to one of the table's last few takes its number (a message repeated by polls)

# Changes are built by filling __dict__ (a frozen dataclass's __init__ costs twice as much) while
# Change has exactly these fields; a new field falls back to the constructor.
_FIELDS = ("ref", "from_phase", "to_phase", "at", "major", "progress", "message", "while_closed")
_FAST = tuple(f.name for f in fields(Change)) == _FIELDS and not hasattr(Change, "__post_init__")


def change_code(change: Change) -> int:
    """The state file's code of a change (phases, major, while_closed in one small int)."""
    f = _INDEX[change.from_phase]
    t = _INDEX[change.to_phase]
    code = f | t << 3
    if bool(change.major) is not (f != t):
        code |= 64
    if change.while_closed:
        code |= 128
    return code


def code_parts(code: int) -> tuple[Phase, Phase, bool, bool] | None:
    """(from, to, major, while_closed) of a code; None for a code no change has."""
    return _PARTS[code] if 0 <= code < 256 else None


def _micros(at: datetime) -> int:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # as the state file has always read a naive time
    return (at - EPOCH) // _US


class Changes(Sequence[Change]):
    """An immutable run of a task's changes, oldest first, decoded on reading."""

    __slots__ = ("_base", "_c", "_hi", "_lo", "_mi", "_ms", "_odd", "_p", "_t", "ordered", "ref")

    def __init__(self, ref: TaskRef | None, t: array[int], c: array[int], p: array[float], mi: array[int],
                 ms: list[Any], odd: dict[int, Change] | None, lo: int, hi: int, base: int, ordered: bool) -> None:
        self.ref = ref
        # Columns by array position: time, code, progress, the message's number in the table ms.
        self._t, self._c, self._p, self._mi, self._ms, self._odd = t, c, p, mi, ms, odd
        self._lo, self._hi, self._base = lo, hi, base  # array positions lo..hi; base: the number of array position 0
        self.ordered = ordered  # times never go back: the run span and the ETA samples need not sort

    # -- the Sequence ------------------------------------------------------------------

    def __len__(self) -> int:
        return self._hi - self._lo

    def _at(self, i: int) -> Change:
        """The change at array position i."""
        if self._odd is not None:
            kept = self._odd.get(self._base + i)
            if kept is not None:
                return kept
        f, t, major, closed = _PARTS[self._c[i]]  # type: ignore[misc]
        p: float | None = self._p[i]
        if p != p:
            p = None
        at = EPOCH + timedelta(0, 0, self._t[i])
        if not _FAST:  # pragma: no cover - only if tui.model.Change changes shape
            return Change(self.ref, f, t, at, major, p, self._ms[self._mi[i]], closed)  # type: ignore[arg-type]
        c = object.__new__(Change)
        c.__dict__.update(ref=self.ref, from_phase=f, to_phase=t, at=at, major=major, progress=p,
                          message=self._ms[self._mi[i]], while_closed=closed)
        return c

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> Changes: ...

    def __getitem__(self, index: int | slice) -> Change | Changes:
        n = self._hi - self._lo
        if isinstance(index, slice):
            start, stop, step = index.indices(n)
            if step != 1:
                raise ValueError("a history is sliced with step 1 only")
            stop = max(start, stop)
            return self._sub(self._lo + start, self._lo + stop)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("change index out of range")
        return self._at(self._lo + index)

    def __iter__(self) -> Iterator[Change]:
        for i in range(self._lo, self._hi):
            yield self._at(i)

    def __reversed__(self) -> Iterator[Change]:
        for i in range(self._hi - 1, self._lo - 1, -1):
            yield self._at(i)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Changes({list(self)!r})"

    def _sub(self, lo: int, hi: int) -> Changes:
        if lo == self._lo and hi == self._hi:
            return self
        return Changes(self.ref, self._t, self._c, self._p, self._mi, self._ms, self._odd, lo, hi, self._base,
                       self.ordered)

    # -- what the table reads per row, without decoding every change ----------------------

    @property
    def total(self) -> int:
        """How many changes were ever appended up to this view's end (drops included)."""
        return self._base + self._hi

    def upto(self, total: int) -> Changes:
        """The changes of this view among the first `total` ever appended."""
        return self._sub(self._lo, max(self._lo, min(self._hi, total - self._base)))

    def last_at(self) -> datetime | None:
        """The latest change's time (max over all of them, as `max(c.at ...)`); None when empty."""
        if self._lo == self._hi:
            return None
        if not self.ordered or self._odd:
            return max(c.at for c in self)
        return EPOCH + timedelta(0, 0, self._t[self._hi - 1])

    def run_span(self) -> tuple[datetime | None, datetime | None] | None:
        """(start, end) of the latest run, as tui.app.formatting.run_span finds it; None: not known here."""
        if not self.ordered or self._odd:
            return None  # sorting needed: the caller's general path
        codes, lo = self._c, self._lo
        i = self._hi - 1
        while i >= lo and not _MAJOR_RUNNING[codes[i]]:
            i -= 1
        if i < lo:
            return None, None
        started = EPOCH + timedelta(0, 0, self._t[i])
        for j in range(i + 1, self._hi):
            if _MAJOR_FINISHED[codes[j]]:
                return started, EPOCH + timedelta(0, 0, self._t[j])
        return started, None

    def since(self, at: datetime) -> Sequence[Change]:
        """The changes at or after `at`, in order (a cut of the view when the times are in order)."""
        if not self.ordered or self._odd:
            return [c for c in self if c.at >= at]
        start = bisect.bisect_left(self._t, _micros(at), self._lo, self._hi)
        return self._sub(start, self._hi)

    def columns(self) -> tuple[list[int], list[int], list[float | None], list[Any]]:
        """(times in µs since EPOCH, codes, progress, messages) of every change, for the state file."""
        lo, hi = self._lo, self._hi
        times, codes = self._t[lo:hi].tolist(), self._c[lo:hi].tolist()
        messages = list(map(self._ms.__getitem__, self._mi[lo:hi]))
        progress: list[Any] = self._p[lo:hi].tolist()
        if any(map(_isnan, progress)):
            progress = [None if p != p else p for p in progress]
        if self._odd:
            for n, c in self._odd.items():  # values kept as given (an int progress, a real NaN)
                if lo <= n - self._base < hi:
                    progress[n - self._base - lo] = c.progress
        return times, codes, progress, messages


EMPTY = Changes(None, array("q"), array("B"), array("f"), array("H"), [], None, 0, 0, 0, True)


class ChangeLog(Sequence[Change]):
    """A task's changes, newest last, at most `cap` of them; read through `view()` (or as a sequence)."""

    __slots__ = ("_back", "_shared", "_v", "cap")
    _v: Changes | tuple[Any, ...]

    def __init__(self, cap: int, changes: Iterable[Change] = ()) -> None:
        self.cap = max(1, cap)
        self._v = EMPTY
        self._back = -1  # the number of the last change appended with a time before its predecessor's
        self._shared = False  # the view's arrays hold other tasks' changes too (a load): copied at the first append
        self.extend(changes)

    @classmethod
    def of(cls, history: Iterable[Change], cap: int) -> ChangeLog:
        """`history` itself when it is a log with this cap (shared, not copied), else a new log of it."""
        if isinstance(history, ChangeLog) and history.cap == cap:
            return history
        return cls(cap, history)

    @classmethod
    def loaded(cls, cap: int, refs: Sequence[TaskRef], lengths: Sequence[int], times: array[int], codes: array[int],
               progress: array[float], numbers: array[int], table: list[Any],
               unordered: frozenset[int] = frozenset()) -> list[ChangeLog]:
        """One log per task over columns of every task's changes one after the other (a state load).

        Each log reads its part of the shared columns (the newest `cap` of it) until its first append
        copies that part into arrays of its own: 10,000 tasks cost 10,000 small objects, not 40,000
        arrays. `numbers`: each change's message as a position in `table` (number_messages);
        `unordered`: the tasks (by position) whose times go back somewhere.
        """
        cap = max(1, cap)
        new = object.__new__
        logs = []
        end = 0
        for i, (ref, n) in enumerate(zip(refs, lengths, strict=True)):
            log = new(cls)
            log.cap = cap
            log._shared = True
            start, end = end, end + n
            if i in unordered:
                log._back, ordered = end - start - 1, False
            else:
                log._back, ordered = -1, True
            # The view itself is made when first read (most restored tasks are read only by the table's rows).
            log._v = (ref, times, codes, progress, numbers, table, None, max(start, end - cap), end, -start,
                      ordered) if n else EMPTY
            logs.append(log)
        return logs

    def view(self) -> Changes:
        """The changes as they are now (immutable; later appends do not show in it)."""
        v = self._v
        # Loaded and not appended to yet (ChangeLog.loaded): a view of its part of the load's columns,
        # made for each read and not stored, so that only append() (one thread) ever sets _v.
        return Changes(*v) if isinstance(v, tuple) else v

    def __len__(self) -> int:
        v = self._v
        return v[8] - v[7] if isinstance(v, tuple) else len(v)

    @overload
    def __getitem__(self, index: int) -> Change: ...

    @overload
    def __getitem__(self, index: slice) -> Changes: ...

    def __getitem__(self, index: int | slice) -> Change | Changes:
        return self.view()[index]

    def __iter__(self) -> Iterator[Change]:
        return iter(self.view())

    def __eq__(self, other: object) -> bool:
        return self.view() == (other.view() if isinstance(other, ChangeLog) else other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ChangeLog({self.cap}, {list(self.view())!r})"

    @property
    def total(self) -> int:
        """How many changes were ever appended (drops included)."""
        v = self._v
        return v[9] + v[8] if isinstance(v, tuple) else v.total

    def extend(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.append(change)

    def append(self, change: Change) -> None:
        """Add a change at the end, dropping the oldest beyond the cap."""
        v = self.view()
        if v is EMPTY:
            v = Changes(change.ref, array("q"), array("B"), array("f"), array("H"), [], None, 0, 0, 0, True)
        elif self._shared:  # loaded: this task's part of the load's columns, into arrays of its own
            lo, hi = v._lo, v._hi
            v = Changes(v.ref, v._t[lo:hi], v._c[lo:hi], v._p[lo:hi], *own_table(v._mi, v._ms, lo, hi, True), v._odd, 0,
                        hi - lo, v._base + lo, v.ordered)
            self._shared = False
        at, p, msg = change.at, change.progress, change.message
        us = _micros(at)
        odd = (at.tzinfo is not UTC or (change.ref is not v.ref and change.ref != v.ref)
               or change.major.__class__ is not bool
               or change.while_closed.__class__ is not bool or msg.__class__ is not str)
        if p is None:
            packed = _NAN
        elif p.__class__ is float and not _isnan(p):
            packed = p
        else:  # an int, a bool, a real NaN: kept exactly as given
            packed, odd = float(p), True
        t, p_arr, mi, ms, hi = v._t, v._p, v._mi, v._ms, v._hi
        ordered = v.ordered
        if hi > v._lo and us < t[hi - 1]:
            self._back = v._base + hi
            ordered = False
        # The message's number: the last change's, or one of the table's last few (a message polls repeat,
        # or two that alternate), or a new one.
        number = -1
        if msg.__class__ is str:
            if hi and msg == ms[mi[hi - 1]]:
                number = mi[hi - 1]
            else:
                for j in range(len(ms) - 1, max(-1, len(ms) - 1 - _LOOK_BACK), -1):
                    if msg == ms[j]:
                        number = j
                        break
        if number < 0:
            number = len(ms)
            ms.append(msg)
            if number > H_MAX and mi.typecode == "H":
                mi = array("I", mi)  # a new array: views handed out keep theirs
        t.append(us)
        v._c.append(change_code(change))
        p_arr.append(packed)
        if p_arr.typecode == "f" and p_arr[-1] != packed and packed == packed:
            p_arr = array("d", p_arr)  # not exact in 4 bytes: this log's progress takes 8 from now on
            p_arr[-1] = packed
        mi.append(number)
        odds = v._odd
        if odd:
            # A new dict, never the one earlier views share: the writer thread may be iterating it.
            odds = {} if odds is None else dict(odds)
            odds[v._base + hi] = change
        hi += 1
        lo = max(v._lo, hi - self.cap)
        base = v._base
        c = v._c
        if lo > max(4, self.cap // 8):  # compact: new arrays, so views handed out keep theirs intact
            mi, ms = own_table(mi, ms, lo, hi)
            t, c, p_arr = t[lo:hi], c[lo:hi], p_arr[lo:hi]
            base += lo
            hi -= lo
            lo = 0
            if odds is not None:
                odds = {n: ch for n, ch in odds.items() if n >= base} or None
        if not ordered and self._back <= base + lo:
            ordered = True  # the change that went back in time was dropped
        self._v = Changes(v.ref, t, c, p_arr, mi, ms, odds, lo, hi, base, ordered)
