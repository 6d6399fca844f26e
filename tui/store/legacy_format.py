"""The version 1 state file's JSON objects (written by hcwatch before 0.1.0's compact form), read back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tui.model import Change, ErrorKind, RequestInfo, Snapshot, TaskError, TaskRef
from tui.store.records import FAST_CHANGE, FAST_SNAPSHOT, PHASES, opt_num, opt_str

__all__ = ["CHANGE_FIELDS", "change_from_json", "history_from_json", "snapshot_from_json"]


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _time(value: Any) -> datetime | None:
    return None if value is None else _parse_time(value)


def snapshot_from_json(ref: TaskRef, data: dict[str, Any]) -> Snapshot:
    """A Snapshot from its JSON (missing optional keys take defaults); marked stale."""
    err = data.get("error")
    req = data.get("request")
    progress = data.get("progress")
    fields_ = data.get("fields") or {}
    values: dict[str, Any] = dict(
        ref=ref,
        # A task never fetched has no phase (older versions saved "pending" for it).
        phase=None if not data.get("fetched_at") and data.get("phase", "pending") == "pending"
        else PHASES[data.get("phase", "pending")],
        progress=None if progress is None else float(progress),
        message=str(data.get("message") or ""),
        raw_status=opt_str(data.get("raw_status")),
        fields=fields_ if isinstance(fields_, dict) else {},
        fetched_at=_time(data.get("fetched_at")),
        checked_at=_time(data.get("checked_at")),
        error=None if not err else TaskError(
            kind=ErrorKind(err["kind"]), message=str(err.get("message") or ""), code=opt_str(err.get("code")),
            http_status=err.get("http_status"), request_id=opt_str(err.get("request_id")),
            retry_after=opt_num(err.get("retry_after")),
        ),
        request=None if not req else RequestInfo(str(req["method"]), str(req["url"])),
        stale=True,
    )
    if not FAST_SNAPSHOT:
        return Snapshot(**values)
    snap = object.__new__(Snapshot)
    snap.__dict__.update(values)
    return snap


# A history item is a JSON array in this order (named in the file's first line), because
# arrays encode and decode about twice as fast as objects and a file can hold 10,000 × 200.
CHANGE_FIELDS = ("from", "to", "at", "major", "progress", "message", "while_closed")


def change_from_json(ref: TaskRef, data: list[Any] | dict[str, Any]) -> Change:
    """A Change from its array form (or an object with CHANGE_FIELDS names, for hand edits)."""
    return history_from_json(ref, [data])[0]


def history_from_json(ref: TaskRef, items: Any) -> list[Change]:
    """Changes from their JSON arrays; raises ValueError/KeyError/TypeError on a bad item."""
    out = []
    new = object.__new__
    for item in items:
        if item.__class__ is not list or len(item) != 7:
            if isinstance(item, dict):
                item = [item.get(k) for k in CHANGE_FIELDS]
            else:
                item = (list(item) + [None] * 7)[:7]
        old, to, at, major, progress, message, while_closed = item
        if at.__class__ is not str:
            raise ValueError("change time missing")
        at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        if progress is not None and progress.__class__ is not float:
            progress = float(progress)
        if message.__class__ is not str:
            message = "" if message is None else str(message)
        major = True if major is None else major is True or bool(major)
        while_closed = while_closed is True or bool(while_closed)
        if FAST_CHANGE:
            change = new(Change)
            d = change.__dict__
            d["ref"] = ref
            d["from_phase"] = PHASES[old]
            d["to_phase"] = PHASES[to]
            d["at"] = at
            d["major"] = major
            d["progress"] = progress
            d["message"] = message
            d["while_closed"] = while_closed
        else:  # pragma: no cover - only if tui.model.Change changes shape
            change = Change(ref, PHASES[old], PHASES[to], at, major, progress, message, while_closed)
        out.append(change)
    return out
