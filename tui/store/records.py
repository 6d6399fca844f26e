"""What both state-file formats share: safe URLs, times, and model objects built fast at load.

Loading 10,000 tasks builds tens of thousands of frozen dataclasses, and their __init__
(object.__setattr__ per field) is most of the cost; filling __dict__ directly is 3x faster.
That is only done while a class's fields are exactly the ones listed here, so a new field in
tui.model falls back to the real constructor instead of being left out.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from tui.model import CANONICAL_REF_RE, Change, Phase, Service, Snapshot, TaskRef, WatchedTask

__all__ = ["FAST_CHANGE", "FAST_SNAPSHOT", "FAST_TASK", "PHASES",
           "can_build", "iso", "opt_num", "opt_str", "safe_url", "saved_ref"]

def iso(value: datetime | None) -> str | None:
    """An ISO 8601 time, naive times taken as UTC; None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()



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


def opt_str(value: Any) -> str | None:
    """A value as text, None kept."""
    return None if value is None else str(value)


def opt_num(value: Any) -> float | None:
    """A value as a float, None (and booleans) as None."""
    if value is None or isinstance(value, bool):
        return None
    return float(value)


PHASES = {p.value: p for p in Phase}
_SNAPSHOT_FIELDS = ("ref", "phase", "progress", "message", "raw_status", "fields", "fetched_at",
                    "checked_at", "error", "request", "stale", "outcome", "started_at", "runs")
_CHANGE_ATTRS = ("ref", "from_phase", "to_phase", "at", "major", "progress", "message", "while_closed")


def can_build(cls: type, names: tuple[str, ...]) -> bool:
    """Whether instances of cls can be built by filling __dict__ (exactly these fields, no hooks)."""
    return (tuple(f.name for f in dataclasses.fields(cls)) == names
            and hasattr(object.__new__(cls), "__dict__") and not hasattr(cls, "__post_init__"))


FAST_SNAPSHOT = can_build(Snapshot, _SNAPSHOT_FIELDS)
FAST_CHANGE = can_build(Change, _CHANGE_ATTRS)
FAST_REF = can_build(TaskRef, ("service", "task_id", "project_id"))
FAST_TASK = can_build(WatchedTask, ("ref", "name", "profile", "added", "paused", "codearts_project", "name_pending",
                                     "muted"))


_SERVICES = {s.value: s for s in Service}


def saved_ref(text: Any) -> tuple[str, TaskRef]:
    """A REF read back from hcwatch's own files: its canonical text and TaskRef.

    The canonical forms str(TaskRef) writes are built without the dataclass __init__ (10,000
    at every start); anything else goes through TaskRef.parse, which validates it and raises
    RefError (a ValueError) with a worded reason.
    """
    m = CANONICAL_REF_RE.fullmatch(text) if text.__class__ is str else None
    if m is None or not FAST_REF or (m.group(2) is not None and m.group(1) != "dws"):
        ref = TaskRef.parse(text)
        return str(ref), ref
    service, project, task = m.groups()
    ref = object.__new__(TaskRef)
    d = ref.__dict__
    d["service"] = _SERVICES[service]
    d["task_id"] = task
    d["project_id"] = project
    return text, ref
