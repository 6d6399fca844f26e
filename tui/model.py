"""Plain data shared by every part of hcwatch: services, phases, task references, snapshots, changes."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

# ErrorKind and TaskError live with the exceptions; they are part of this vocabulary too.
from tui.errors import ErrorKind, RefError, TaskError
from tui.text import clean_text, plain_text, quoted

if TYPE_CHECKING:
    from tui.outcome import Outcome, Run

__all__ = ["CANONICAL_REF_RE", "ID_PATTERN", "ID_RE", "NO_PHASE", "NO_PHASE_GLYPH", "Change", "ErrorKind", "Phase",
           "RequestInfo", "Service",
           "Snapshot", "TaskError", "TaskRef", "WatchedTask", "clean_text", "diff", "plain_text", "short_id",
           "short_id_matches", "short_ref_matches", "validate_id"]


class Service(str, Enum):
    """The three Huawei Cloud services hcwatch follows."""

    CHECK = "check"
    BUILD = "build"
    DWS = "dws"

    @property
    def product(self) -> str:
        """The product's own name, as the console shows it ("CodeArts Check")."""
        return {"check": "CodeArts Check", "build": "CodeArts Build", "dws": "DWS"}[self.value]


class Phase(str, Enum):
    """One phase vocabulary for all services; `idle` is a Build job not running whose last outcome is unknown."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"
    IDLE = "idle"
    UNKNOWN = "unknown"

    @property
    def finished(self) -> bool:
        """True for the outcomes a user waits for: succeeded, failed, stopped."""
        return self in (Phase.SUCCEEDED, Phase.FAILED, Phase.STOPPED)

    @property
    def active(self) -> bool:
        """True while work is queued or under way."""
        return self in (Phase.PENDING, Phase.RUNNING)

    @property
    def glyph(self) -> str:
        """The symbol shown with the word everywhere (table, `list`, `watch`): never colour alone."""
        return _GLYPHS[self]


_GLYPHS = {
    Phase.PENDING: "○",
    Phase.RUNNING: "●",
    Phase.SUCCEEDED: "✔",
    Phase.FAILED: "✘",
    Phase.STOPPED: "■",
    Phase.IDLE: "□",      # not ◌, which reads like ○ pending at a glance; "·" is no phase yet
    Phase.UNKNOWN: "?",
}

# A task never fetched yet has no phase (not `pending`): every front end says so in these words.
NO_PHASE = "not fetched yet"
NO_PHASE_GLYPH = "·"


# An id is 1–64 characters of A-Za-z0-9_- : nothing that could change the URL path. Profile
# names follow the same rule (they appear in file keys and messages).
ID_PATTERN = r"[A-Za-z0-9_-]{1,64}"
ID_RE = re.compile(ID_PATTERN)
# Exactly the canonical forms str(TaskRef) produces: service, optional DWS project, id.
CANONICAL_REF_RE = re.compile(rf"(check|build|dws):(?:({ID_PATTERN})/)?({ID_PATTERN})")


def _describe_bad(text: str) -> str:
    """Name what is wrong with an id, in words a user understands."""
    if text == "":
        return "is empty"
    if len(text) > 64:
        return f"is {len(text)} characters long (at most 64)"
    for ch in text:
        if not (ch.isascii() and (ch.isalnum() or ch in "_-")):
            if ord(ch) < 32 or 127 <= ord(ch) < 160:
                what = "a control character"
            elif ch.isspace():
                what = "whitespace"
            else:
                what = repr(ch)
            return f"contains {what} (allowed: letters, digits, '_' and '-')"
    return "is not valid"


def validate_id(value: str, what: str = "id") -> str:
    """Return value if it is a valid id, else raise RefError naming the problem."""
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        shown = quoted(value if isinstance(value, str) else str(value))
        raise RefError(f"{what} {shown} {_describe_bad(value if isinstance(value, str) else '')}")
    return value


@dataclass(frozen=True, order=True)
class TaskRef:
    """A task on one service: `check:<task_id>`, `build:<job_id>`, `dws:<project_id>/<job_id>`."""

    service: Service
    task_id: str
    # Only DWS jobs live under a project; None there means "the profile's project id".
    project_id: str | None = None

    @classmethod
    def parse(cls, text: str, default_project: str | None = None) -> TaskRef:
        """Parse and validate a REF; raises RefError with a one-line reason."""
        if not isinstance(text, str):
            raise RefError(f"task reference must be text, not {type(text).__name__}")
        shown = quoted(text)
        service_name, sep, rest = text.partition(":")
        if not sep:
            raise RefError(f"task reference {shown} needs a service prefix: check:ID, build:ID or dws:PROJECT/ID")
        try:
            service = Service(service_name.strip())
        except ValueError:
            lower = service_name.strip().lower()
            if lower in {s.value for s in Service}:
                # The contract spells services in lower case; accepting CHECK: too would let two
                # spellings of one REF into files and scripts.
                meant = f"{lower}:{rest}"
                meant = meant if CANONICAL_REF_RE.fullmatch(meant) else quoted(meant)
                raise RefError(f"unknown service {quoted(service_name, 20)} in {shown}: service names are "
                               f"lower case; did you mean {meant}?") from None
            raise RefError(
                f"unknown service {quoted(service_name, 20)} in {shown} (use check, build or dws)"
            ) from None
        if service is Service.DWS:
            project, slash, job = rest.partition("/")
            if slash:
                validate_id(project, "DWS project id")
                validate_id(job, "DWS job id")
                return cls(service, job, project)
            validate_id(rest, "DWS job id")
            return cls(service, rest, default_project and validate_id(default_project, "DWS project id"))
        validate_id(rest, f"{service.value} id")
        return cls(service, rest)

    def with_project(self, project_id: str | None) -> TaskRef:
        """Fill in a DWS project id that the REF left to the profile."""
        if self.service is not Service.DWS or self.project_id or not project_id:
            return self
        return TaskRef(self.service, self.task_id, validate_id(project_id, "DWS project id"))

    def __str__(self) -> str:
        if self.service is Service.DWS and self.project_id:
            return f"dws:{self.project_id}/{self.task_id}"
        return f"{self.service.value}:{self.task_id}"

    @property
    def path_ids(self) -> tuple[str, ...]:
        """Ids as they go into a URL path, percent-encoded even though they were validated."""
        ids = (self.project_id, self.task_id) if self.service is Service.DWS else (self.task_id,)
        return tuple(urllib.parse.quote(i or "", safe="") for i in ids)


@dataclass(frozen=True, slots=True)  # slots: one per task, kept all day (no __dict__ of 272 B each)
class RequestInfo:
    """The request that produced a snapshot, secrets already left out (method and URL only)."""

    method: str
    url: str


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Snapshot:
    """What one fetch told us about a task, normalised to the shared vocabulary.

    A failed fetch keeps the last known phase/progress/message and sets `error`;
    `fetched_at` is then the time of the last fetch that worked (None if none has),
    and `checked_at` the time of the failed attempt. `phase` is None until a fetch has
    worked: a task never fetched is not pending, it has no phase yet.
    """

    ref: TaskRef
    phase: Phase | None = None
    progress: float | None = None
    message: str = ""
    raw_status: str | None = None
    # Every field the API returned, flattened to text-safe JSON values, for the detail pane.
    fields: dict[str, Any] = field(default_factory=dict)
    fetched_at: datetime | None = None
    checked_at: datetime | None = None
    error: TaskError | None = None
    request: RequestInfo | None = None
    # True when this snapshot was loaded from the state folder and no fresh poll has come yet.
    stale: bool = False
    # Beyond the status call (tui.outcome): how the last finished run ended, when the current (or last)
    # run started by the service's clock, and the past runs the service's history reports.
    # Left out of repr so saved-state fixtures of older versions compare as before.
    outcome: Outcome | None = field(default=None, repr=False)
    started_at: datetime | None = field(default=None, repr=False)
    runs: tuple[Run, ...] = field(default=(), repr=False)

    def failed_with(self, error: TaskError, at: datetime, request: RequestInfo | None = None) -> Snapshot:
        """This snapshot's last known status, carrying a new fetch error."""
        from dataclasses import replace

        return replace(self, error=error, checked_at=at, request=request or self.request)

    @property
    def outdated(self) -> bool:
        """The phase, progress and message shown are not from a fetch that just worked: the last
        fetch failed, or they were loaded from the state folder (False while there is no phase)."""
        return self.phase is not None and (self.stale or self.error is not None)

    def to_json(self, name: str | None = None, profile: str | None = None) -> dict[str, Any]:
        """The JSON object printed by `list --json` and `watch --json` (its fields are the README's contract)."""
        return {
            "ref": str(self.ref),
            "service": self.ref.service.value,
            "name": name,
            "profile": profile,
            "phase": self.phase.value if self.phase is not None else None,
            "progress": self.progress,
            "message": self.message,
            "raw_status": self.raw_status,
            "fetched_at": self.fetched_at.isoformat().replace("+00:00", "Z") if self.fetched_at else None,
            "stale": self.outdated,
            "error": self.error.to_json() if self.error else None,
            "outcome": self.outcome.to_json() if self.outcome else None,
        }


@dataclass(frozen=True)
class Change:
    """A difference between two snapshots of one task.

    major: the phase changed; otherwise progress or message changed.
    while_closed: found by the first poll after a restart, so it happened while hcwatch was closed.
    """

    ref: TaskRef
    from_phase: Phase
    to_phase: Phase
    at: datetime
    major: bool
    progress: float | None = None
    message: str = ""
    while_closed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The `change` object of `watch --json` and of a hook's stdin."""
        return {"from": self.from_phase.value, "to": self.to_phase.value, "major": self.major,
                "at": self.at.isoformat().replace("+00:00", "Z")}

    def describe(self) -> str:
        if self.major:
            text = f"{self.from_phase.value} → {self.to_phase.value}"
        else:
            pct = f"{self.progress:g}%" if self.progress is not None else ""
            text = " ".join(p for p in (pct, self.message) if p) or "updated"
        return text + (" (while hcwatch was closed)" if self.while_closed else "")


def diff(old: Snapshot | None, new: Snapshot, at: datetime | None = None) -> Change | None:
    """The change from old to new, or None. Errors and staleness are not changes of the task."""
    if new.error is not None:
        return None
    at = at or new.fetched_at or utcnow()
    if old is None or old.fetched_at is None or old.phase is None or new.phase is None:
        return None  # the first answer gives the task a phase; that is not a change of it
    if old.phase != new.phase:
        return Change(new.ref, old.phase, new.phase, at, True, new.progress, new.message, old.stale)
    if old.progress != new.progress or old.message != new.message:
        return Change(new.ref, old.phase, new.phase, at, False, new.progress, new.message, old.stale)
    return None


def short_id(task_id: str, width: int) -> str:
    """An id cut in the middle to `width` characters ('2c9080e8…5e1e0001'), so the tail that
    tells two ids of one project apart still shows; REF resolution accepts this form."""
    if len(task_id) <= width:
        return task_id
    room = max(2, width - 1)
    head = room // 2
    return f"{task_id[:head]}…{task_id[len(task_id) - (room - head):]}"


def short_id_matches(shown: str, task_id: str) -> bool:
    """Whether `shown` is `task_id` or a middle cut of it (head…tail, also head...tail)."""
    if shown == task_id:
        return True
    head, sep, tail = shown.replace("...", "…").partition("…")
    return bool(sep) and len(head) + len(tail) < len(task_id) and task_id.startswith(head) \
        and task_id.endswith(tail) and "…" not in tail


def short_ref_matches(shown: str, task: WatchedTask) -> bool:
    """Whether `shown` is a middle cut of the task's REF (`list`) or of its id (the table), the
    latter with or without its service (`dws:2c9080e8…5e1e0001`)."""
    if short_id_matches(shown, task.key):
        return True
    service, _, rest = shown.rpartition(":")
    return short_id_matches(rest.rpartition("/")[2], task.ref.task_id) and (
        not service or service.strip().lower() == task.ref.service.value)


@dataclass(frozen=True)
class WatchedTask:
    """One entry of the watch list: what to poll, how to show it, and with which profile."""

    ref: TaskRef
    name: str | None = None
    profile: str = "default"
    added: datetime | None = None
    paused: bool = False
    # The CodeArts project a Check task or Build job belongs to, when a console URL told it (for links).
    # (repr=False: optional extras, and older entries print exactly as before.)
    codearts_project: str | None = field(default=None, repr=False)
    # Added without a name and its own name not known yet: the runtime names it when it learns it.
    name_pending: bool = field(default=False, repr=False)
    # `mute = true` in watchlist.toml: the row flashes, nothing rings, notifies or runs a hook.
    muted: bool = field(default=False, repr=False)

    @property
    def key(self) -> str:
        """The stable identity of a watched task (its canonical REF)."""
        key = self.__dict__.get("_key")
        if key is None:  # made once: the table asks for it several times per row of 10,000
            key = str(self.ref)
            object.__setattr__(self, "_key", key)  # a cache, not a field: equality ignores it
        return key

    @property
    def label(self) -> str:
        return self.name or self.ref.task_id
