"""JSON form of Snapshots and Changes for the state file: every field, ISO times, no secrets."""

from __future__ import annotations

import dataclasses
import urllib.parse
from datetime import datetime, timezone
from typing import Any

from tui.model import Change, ErrorKind, Phase, RequestInfo, Snapshot, TaskError, TaskRef

__all__ = ["CHANGE_FIELDS", "change_from_json", "change_to_json", "history_from_json", "iso", "safe_url",
           "snapshot_from_json", "snapshot_to_json"]


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _time(value: Any) -> datetime | None:
    return None if value is None else _parse_time(value)


_SECRET_WORDS = ("token", "sign", "secret", "password", "passwd", "credential", "auth", "access_key", "accesskey")
_SECRET_NAMES = ("sk", "ak", "key", "x-auth-token")


def _secret_param(name: str) -> bool:
    name = name.lower()
    return name in _SECRET_NAMES or any(w in name for w in _SECRET_WORDS)


def safe_url(url: str) -> str:
    """The URL without user:password@ and with secret-looking query values masked."""
    if "@" not in url and "?" not in url and "#" not in url:
        return url  # the usual case, and the cheap one
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return ""
    netloc = parts.netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = urllib.parse.urlencode([(k, "***" if _secret_param(k) else v) for k, v in pairs], safe="*")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def snapshot_to_json(snap: Snapshot) -> dict[str, Any]:
    """Every field of a Snapshot except `ref` (the key) and `stale` (true for anything loaded)."""
    err = snap.error
    return {
        "phase": snap.phase,
        "progress": snap.progress,
        "message": snap.message,
        "raw_status": snap.raw_status,
        "fields": snap.fields,
        "fetched_at": iso(snap.fetched_at),
        "checked_at": iso(snap.checked_at),
        "error": None if err is None else {
            "kind": err.kind, "message": err.message, "code": err.code,
            "http_status": err.http_status, "request_id": err.request_id, "retry_after": err.retry_after,
        },
        # Method and URL only: headers (and so tokens and signatures) are never kept.
        "request": None if snap.request is None else {
            "method": snap.request.method, "url": safe_url(snap.request.url),
        },
    }


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    return float(value)


_PHASES = {p.value: p for p in Phase}
_SNAPSHOT_FIELDS = ("ref", "phase", "progress", "message", "raw_status", "fields", "fetched_at",
                    "checked_at", "error", "request", "stale")
_CHANGE_ATTRS = ("ref", "from_phase", "to_phase", "at", "major", "progress", "message", "while_closed")


def _can_build(cls: type, names: tuple[str, ...]) -> bool:
    """Whether instances of cls can be built by filling __dict__ (exactly these fields, no hooks)."""
    return (tuple(f.name for f in dataclasses.fields(cls)) == names
            and hasattr(object.__new__(cls), "__dict__") and not hasattr(cls, "__post_init__"))


# Loading 10,000 tasks builds tens of thousands of frozen dataclasses, and their __init__
# (object.__setattr__ per field) is most of the cost; filling __dict__ directly is 3x faster.
# Only done while the field list is exactly the one written here, so a new field in
# tui.model falls back to the real constructor instead of being left out.
_FAST_SNAPSHOT = _can_build(Snapshot, _SNAPSHOT_FIELDS)
_FAST_CHANGE = _can_build(Change, _CHANGE_ATTRS)


def snapshot_from_json(ref: TaskRef, data: dict[str, Any]) -> Snapshot:
    """A Snapshot from its JSON (missing optional keys take defaults); marked stale."""
    err = data.get("error")
    req = data.get("request")
    progress = data.get("progress")
    fields_ = data.get("fields") or {}
    values = dict(
        ref=ref,
        phase=_PHASES[data.get("phase", "pending")],
        progress=None if progress is None else float(progress),
        message=str(data.get("message") or ""),
        raw_status=_opt_str(data.get("raw_status")),
        fields=fields_ if isinstance(fields_, dict) else {},
        fetched_at=_time(data.get("fetched_at")),
        checked_at=_time(data.get("checked_at")),
        error=None if not err else TaskError(
            kind=ErrorKind(err["kind"]), message=str(err.get("message") or ""), code=_opt_str(err.get("code")),
            http_status=err.get("http_status"), request_id=_opt_str(err.get("request_id")),
            retry_after=_opt_num(err.get("retry_after")),
        ),
        request=None if not req else RequestInfo(str(req["method"]), str(req["url"])),
        stale=True,
    )
    if not _FAST_SNAPSHOT:
        return Snapshot(**values)
    snap = object.__new__(Snapshot)
    snap.__dict__.update(values)
    return snap


# A history item is a JSON array in this order (named in the file's first line), because
# arrays encode and decode about twice as fast as objects and a file can hold 10,000 × 200.
CHANGE_FIELDS = ("from", "to", "at", "major", "progress", "message", "while_closed")


def change_to_json(change: Change) -> list[Any]:
    # Phases are str enums: json writes them as their value.
    return [change.from_phase, change.to_phase, iso(change.at), change.major,
            change.progress, change.message, change.while_closed]


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
            at = at.replace(tzinfo=timezone.utc)
        if progress is not None and progress.__class__ is not float:
            progress = float(progress)
        if message.__class__ is not str:
            message = "" if message is None else str(message)
        major = True if major is None else major is True or bool(major)
        while_closed = while_closed is True or bool(while_closed)
        if _FAST_CHANGE:
            change = new(Change)
            d = change.__dict__
            d["ref"] = ref
            d["from_phase"] = _PHASES[old]
            d["to_phase"] = _PHASES[to]
            d["at"] = at
            d["major"] = major
            d["progress"] = progress
            d["message"] = message
            d["while_closed"] = while_closed
        else:  # pragma: no cover - only if tui.model.Change changes shape
            change = Change(ref, _PHASES[old], _PHASES[to], at, major, progress, message, while_closed)
        out.append(change)
    return out
