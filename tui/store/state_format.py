"""Compact lines of the state file (version 2): small ints instead of names and ISO times, decoded fast."""

from __future__ import annotations

import json
import math
import operator
from array import array
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from itertools import accumulate, chain
from typing import Any

from tui.history import CODE_PHASES, EPOCH, VALID_CODES, ChangeLog, Changes
from tui.history_columns import number_messages, pack_progress
from tui.model import ErrorKind, Phase, RequestInfo, Snapshot, TaskError, TaskRef
from tui.outcome import Outcome, Run, make_run
from tui.runs import MAX_US, MIN_US, RUN_PHASES, RunBook, pack_run
from tui.store.records import (
    FAST_SNAPSHOT,
    PHASES,
    opt_num,
    opt_str,
    safe_url,
    saved_ref,
)

__all__ = ["EPOCH", "PHASE_CODES", "Codes", "decode_histories", "decode_task", "encode_task"]

# A task's line is a JSON array: [REF, snapshot, history, runs], history left out when empty (and runs is).
#   snapshot: [phase, progress, message, raw_status, fields, fetched_at, checked_at, error, request, extra],
#             trailing values equal to their default left out.
#   extra:    {"outcome": {...}, "started_at": µs, "runs": [run, ...]}: what the service said beyond the
#             status (tui.outcome), keys left out when empty; the whole value absent when all are.
#   runs:     [since, [run, ...]]: the runs hcwatch saw (tui.runs.RunBook); since = µs or null;
#             run = [phase, duration_s, started µs, number], trailing nulls left out.
# Lines without the last elements (every file before they were added) read as before.
#   phase:    an index into PHASE_CODES (the header names them, so the file explains itself).
#   times:    integer microseconds since EPOCH; checked_at counts from fetched_at when there is one.
#   error:    [kind, message, code, http_status, request_id, retry_after], trailing nulls left out.
#   request:  [method, url] (URL as safe_url leaves it).
#   history:  flat, four values per change: code, time, progress, message, where
#             code = from | to << 3 | 64 if major is not (from != to) | 128 if while_closed,
#             time = microseconds after the previous change (the first: after EPOCH).
# Ten thousand tasks decode in a fraction of the time of the v1 objects: small ints instead
# of ISO strings and names, no per-change lists, no repeated keys; see tests/perf/store_bench.py.

PHASE_CODES = tuple(p.value for p in CODE_PHASES)  # the numbering tui.history holds changes in
assert len(PHASE_CODES) <= 8 and set(PHASE_CODES) == set(PHASES)  # three bits in a history code
_PHASE_INDEX = {PHASES[name]: i for i, name in enumerate(PHASE_CODES)}
# A time beyond MIN_US..MAX_US (tui.runs: what a datetime can hold, in µs from EPOCH) makes the line unreadable.
_NAN = math.nan
_EVERY_4TH_FROM_1 = operator.itemgetter(slice(1, None, 4))  # a history's time column
_US = timedelta(microseconds=1)
_SNAP_DEFAULTS: tuple[Any, ...] = (0, None, "", None, {}, None, None, None, None, None)
_ERROR_KINDS = {k.value: k for k in ErrorKind}
_RUN_INDEX = {p: i for i, p in enumerate(RUN_PHASES)}  # a RunBook's numbering of the phases
_BOOK_TO_FILE = [_PHASE_INDEX[p] for p in RUN_PHASES]
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str).encode


class Codes:
    """What a file's small ints stand for, from its header's phase list."""

    def __init__(self, names: Any = PHASE_CODES) -> None:
        if not isinstance(names, list | tuple) or len(names) > 8:
            raise ValueError("bad phase list")
        phases = [Phase(n) for n in names]  # ValueError for a phase this version does not know
        self.phases = dict(enumerate(phases))
        # A history code of this file -> the same change in tui.history's numbering (None: the same numbers).
        n = len(phases)
        self.valid = frozenset(c for c in VALID_CODES if c & 7 < n and c >> 3 & 7 < n)
        ours = [_PHASE_INDEX[p] for p in phases]
        # (The major bit counts against from != to of the phases themselves, in either numbering.)
        self.table = None if tuple(phases) == CODE_PHASES else bytes(
            (ours[c & 7] | ours[c >> 3 & 7] << 3 | (c & 192)) if c in self.valid else 0 for c in range(256))


def _us(value: datetime, base: datetime = EPOCH) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - base) // _US


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _encode_run(run: Run) -> list[Any]:
    """A service's run (a snapshot's `runs`) as the file spells it."""
    return _run_row(_PHASE_INDEX[run.phase], run.duration_s, None if run.started_at is None else _us(run.started_at),
                    run.number)


def _run_row(phase: int, took: float | None, started: int | None, number: str | None) -> list[Any]:
    """A run as the file spells it, trailing nulls left out (`phase` in the file's numbering)."""
    r = [phase, took, started, number]
    while r and r[-1] is None:
        r.pop()
    return r


_NO_MEMO: dict[str, str] = {}  # (never written: a memo is only filled by a load)
_NO_REFS: Mapping[str, TaskRef] = {}


def _decode_run(r: Any, codes: Codes, memo: dict[str, str] = _NO_MEMO) -> Run:
    r = list(r) + [None] * (4 - len(r))
    phase, took, started, number = r[:4]
    if took is not None and took.__class__ is not float:
        took = opt_num(took)
    if started is not None:
        started = EPOCH + timedelta(0, 0, started)
    if number is not None:
        if number.__class__ is not str:
            number = str(number)
        elif memo is not _NO_MEMO:
            number = memo.setdefault(number, number)  # build numbers repeat across jobs: one string each
    return make_run(codes.phases[phase], took, started, number)


def _extra(snap: Snapshot) -> dict[str, Any] | None:
    if snap.outcome is None and snap.started_at is None and not snap.runs:
        return None
    out: dict[str, Any] = {}
    if snap.outcome is not None:
        out["outcome"] = snap.outcome.to_json()
    if snap.started_at is not None:
        out["started_at"] = _us(snap.started_at)
    if snap.runs:
        out["runs"] = [_encode_run(r) for r in snap.runs]
    return out


def _decode_extra(extra: Any, codes: Codes, memo: dict[str, str]) -> dict[str, Any]:
    if extra.__class__ is not dict:
        raise ValueError("extra is not an object")
    started = extra.get("started_at")
    return {"outcome": Outcome.from_json(extra.get("outcome")),
            "started_at": None if started is None else EPOCH + timedelta(0, 0, started),
            "runs": tuple(_decode_run(r, codes, memo) for r in extra.get("runs") or ())}


def decode_runs(value: Any, codes: Codes, memo: dict[str, str] = _NO_MEMO) -> RunBook:
    """The fourth element of a task line: the runs hcwatch saw, packed as the book holds them (`memo`: one
    string per build number)."""
    since, runs = value
    since = None if since is None else EPOCH + timedelta(0, 0, since)
    if not runs:
        return RunBook.packed(since, b"", None)
    packed, numbers = [], []
    for r in runs:
        n = len(r)
        if n < 1:  # (values past the fourth, from a later version, are left out)
            raise ValueError("not a run")
        took = r[1] if n > 1 else None
        if took is not None and took.__class__ is not float:
            took = opt_num(took)
        started = r[2] if n > 2 else None
        if started is not None:
            if started.__class__ is not int:
                started = round(started)  # a hand-written float, rounded as a timedelta would; TypeError if text
            if not MIN_US <= started <= MAX_US:
                raise ValueError("a run's start out of range")
        number = r[3] if n > 3 else None
        if number is not None:
            if number.__class__ is not str:
                number = str(number)
            elif memo is not _NO_MEMO:
                number = memo.setdefault(number, number)  # build numbers repeat across jobs: one string each
        packed.append(pack_run(_RUN_INDEX[codes.phases[r[0]]], took, started))
        numbers.append(number)
    return RunBook.packed(since, b"".join(packed), tuple(numbers))


def encode_task(key: str, snap: Snapshot, history: Any, runs: RunBook | None = None) -> str:
    """A task's line in the compact form (no newline)."""
    fetched = snap.fetched_at
    checked = snap.checked_at
    err = snap.error
    req = snap.request
    s: list[Any] = [
        # No phase (never fetched) is saved as pending and read back as None, since fetched_at is null.
        0 if snap.phase is None else _PHASE_INDEX[snap.phase],
        snap.progress, snap.message, snap.raw_status, snap.fields,
        None if fetched is None else _us(fetched),
        None if checked is None else _us(checked, EPOCH if fetched is None else _aware(fetched)),
        None, None if req is None else [req.method, safe_url(req.url)], _extra(snap),
    ]
    if err is not None:
        e = [err.kind.value, err.message, err.code, err.http_status, err.request_id, err.retry_after]
        while e[-1] is None:
            e.pop()
        s[7] = e
    n = len(s)
    while n and (s[n - 1] is None or s[n - 1] == _SNAP_DEFAULTS[n - 1]):
        n -= 1
    del s[n:]
    book = None if runs is None or runs.empty else [
        None if runs.since is None else _us(runs.since),
        [_run_row(_BOOK_TO_FILE[p], took, at, n) for p, took, at, n in runs.rows()]]
    if not history and book is None:
        return _dumps([key, s])
    return _dumps([key, s, encode_history(history)] if book is None else [key, s, encode_history(history), book])


def encode_history(history: Any) -> list[Any]:
    """A history as the flat list of a task line: code, µs after the previous change, progress, message."""
    view = history.view() if isinstance(history, ChangeLog) else history
    if not view:
        return []
    if not isinstance(view, Changes):
        view = ChangeLog(len(view), view).view()
    times, codes, progress, messages = view.columns()
    n = len(times)
    flat: list[Any] = [None] * (4 * n)
    flat[0::4] = codes
    flat[1::4] = list(map(operator.sub, times, [0, *times[:-1]]))  # the first counts from EPOCH (µs 0)
    flat[2::4] = progress
    flat[3::4] = messages
    return flat


def decode_task(item: list[Any], codes: Codes, memo: dict[str, str] = _NO_MEMO,
                known: Mapping[str, TaskRef] = _NO_REFS) -> tuple[str, TaskRef, Snapshot]:
    """A compact line's key, REF and snapshot (its history: decode_histories); raises ValueError/TypeError/
    KeyError/IndexError if malformed. `known`: TaskRefs to use for these keys (the watch list's) instead of
    parsing the line's."""
    key = item[0]
    ref = known.get(key) if key.__class__ is str else None
    if ref is None:
        key, ref = saved_ref(key)
    s = item[1]
    if s.__class__ is not list or len(item) > 4:
        raise ValueError("not a task line")
    if len(s) < 10:
        s = s + list(_SNAP_DEFAULTS[len(s):])
    phase, progress, message, raw_status, fields_, fetched, checked, err, req, extra = s
    if progress is not None and progress.__class__ is not float:
        progress = float(progress)
    if message.__class__ is not str:
        raise ValueError("message is not text")
    if raw_status is not None and raw_status.__class__ is not str:
        raw_status = str(raw_status)
    if fields_.__class__ is not dict:
        raise ValueError("fields is not an object")
    new = object.__new__
    delta = timedelta
    if fetched is not None:
        fetched = EPOCH + delta(0, 0, fetched)
    if checked is not None:
        checked = (fetched or EPOCH) + delta(0, 0, checked)
    if err is not None:
        e = list(err) + [None] * (6 - len(err))
        err = TaskError(_ERROR_KINDS[e[0]], str(e[1] or ""), opt_str(e[2]),
                        None if e[3] is None else int(e[3]), opt_str(e[4]), opt_num(e[5]))
    if req is not None:
        method, url = req
        req = RequestInfo(str(method), str(url))  # (slotted: no __dict__ to fill)
    phase = codes.phases[phase]
    if fetched is None and phase is Phase.PENDING:
        phase = None  # never fetched: see encode_task
    values = {"ref": ref, "phase": phase, "progress": progress, "message": message,
              "raw_status": raw_status, "fields": fields_, "fetched_at": fetched, "checked_at": checked,
              "error": err, "request": req, "stale": True}
    if extra is not None:
        values.update(_decode_extra(extra, codes, memo))
    if FAST_SNAPSHOT:
        snap = new(Snapshot)
        snap.__dict__.update(values)
    else:  # pragma: no cover - only if tui.model.Snapshot changes shape
        snap = Snapshot(**values)
    return key, ref, snap


def decode_histories(refs: list[TaskRef], flats: list[Any], codes: Codes, limit: int,
                     memo: dict[str, str] | None = None) -> list[ChangeLog | None]:
    """The flat histories of many task lines as ChangeLogs (None for a malformed one), column by column.

    No Change object is built and nothing is done per change in Python: a load of 10,000 tasks
    costs a few passes in C over each column of all of them together (tui.history.ChangeLog.loaded).
    `memo` gives equal messages of the whole file one string.
    """
    try:
        return _decode_histories(refs, flats, codes, limit, memo)
    except (TypeError, ValueError, OverflowError):
        if len(flats) == 1:
            return [None]
    # Something is wrong with one of them: each on its own, so only that task is lost.
    return [_decode_histories([r], [f], codes, limit, memo)[0] if _readable(r, f, codes, limit) else None
            for r, f in zip(refs, flats, strict=True)]


def _readable(ref: TaskRef, flat: Any, codes: Codes, limit: int) -> bool:
    try:
        _decode_histories([ref], [flat], codes, limit, None)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _decode_histories(refs: list[TaskRef], flats: list[Any], codes: Codes, limit: int,
                      memo: dict[str, str] | None) -> list[ChangeLog | None]:
    if not flats:
        return []
    if not {list}.issuperset(map(type, flats)):
        raise ValueError("bad history")
    sizes = list(map(len, flats))
    if any(map((3).__and__, sizes)):  # four values per change
        raise ValueError("bad history")
    lengths = list(map((2).__rrshift__, sizes))  # size >> 2: changes per task
    flat = list(chain.from_iterable(flats)) if len(flats) > 1 else flats[0]
    codes_: Any = flat[0::4]
    if not codes.valid.issuperset(codes_):
        raise ValueError("bad change code")
    codes_ = bytes(codes_) if codes.table is None else bytes(codes_).translate(codes.table)
    # Times count from the task's previous change (its first from EPOCH): summed task by task.
    dts = flat[1::4]
    try:
        times = array("q", chain.from_iterable(map(accumulate, map(_EVERY_4TH_FROM_1, flats))))
    except TypeError:  # a float (a hand-written file): rounded as a timedelta would
        dts = [round(dt) for dt in dts]
        times = array("q", chain.from_iterable(accumulate(dts[a:a + n]) for a, n in _spans(lengths)))
    if times and (min(times) < MIN_US or max(times) > MAX_US):
        raise ValueError("a change time out of range")
    # In order when no time goes back (a task's first counts from EPOCH: before 2020 it looks back
    # too, and then each task is looked at on its own).
    unordered: frozenset[int] = frozenset()
    if min(dts, default=0) < 0:
        unordered = frozenset(i for i, (a, n) in enumerate(_spans(lengths)) if min(dts[a + 1:a + n], default=0) < 0)
    progress = flat[2::4]
    if None in progress:
        progress = [_NAN if p is None else p for p in progress]
    try:
        packed = pack_progress(progress)
    except TypeError:  # a number as text (a hand-written file), read as before
        packed = pack_progress([float(p) for p in progress])
    messages = flat[3::4]
    if not {str}.issuperset(map(type, messages)):
        raise ValueError("message is not text")
    return list(ChangeLog.loaded(limit, refs, lengths, times, array("B", codes_), packed,
                                 *number_messages(messages, memo), unordered))


def _spans(lengths: list[int]) -> list[tuple[int, int]]:
    """(start, length) of each task's part of the columns."""
    return list(zip([0, *accumulate(lengths)], lengths, strict=False))
