"""Every exception hcwatch raises on purpose, and the vocabulary of what went wrong (ErrorKind, TaskError).

    Exception
    ├── UserError            a problem the user can fix: one line, exit status 2, no traceback
    │   ├── RefError         a REF (or an id in it) is not valid; also a ValueError
    │   ├── ConfigError      config.toml cannot be used (file:line in the message)
    │   ├── EndpointError    an endpoint cannot be worked out, or an override is refused
    │   ├── WatchlistError   watchlist.toml cannot be used or changed (file:line in the message)
    │   │   └── AlreadyWatched   `add` of a task already in the list (.task is the entry)
    │   └── AuthError        credentials missing, refused or unobtainable (.kind, .error)
    └── ApiError             one fetch gave no fresh status (.error: the TaskError, .request)

A UserError reaches the user as `hcwatch: <message>`; an ApiError never escapes the poller:
it becomes the error shown on the task's row. The simulator's own exceptions (a dropped
connection, a refused signature) stay in tui/sim/, since they model the cloud, not hcwatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from tui.model import RequestInfo, WatchedTask

__all__ = ["AlreadyWatched", "ApiError", "AuthError", "ConfigError", "EndpointError", "ErrorKind", "RefError",
           "TIMEOUT_CODE", "TaskError", "UserError", "WatchlistError", "as_task_error"]

# The code a network error carries when it is a timeout (there is no server code): the row says "timeout".
TIMEOUT_CODE = "timeout"


class ErrorKind(str, Enum):
    """Why the last fetch of a task did not give a fresh status."""

    AUTH = "auth"
    NOT_FOUND = "not_found"
    THROTTLED = "throttled"
    SERVER = "server"
    NETWORK = "network"
    BAD_RESPONSE = "bad_response"
    CONFIG = "config"

    @property
    def transient(self) -> bool:
        """Errors worth retrying with backoff rather than stopping."""
        return self in (ErrorKind.THROTTLED, ErrorKind.SERVER, ErrorKind.NETWORK, ErrorKind.BAD_RESPONSE)


@dataclass(frozen=True)
class TaskError:
    """Why the last fetch failed: the kind plus what the server said, when it said anything."""

    kind: ErrorKind
    message: str
    code: str | None = None
    http_status: int | None = None
    request_id: str | None = None
    retry_after: float | None = None
    # A throttled host is held until then (UTC): the task waits for it (tui.poll.holds). Not saved.
    until: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "code": self.code,
            "message": self.message,
            "http_status": self.http_status,
            "request_id": self.request_id,
        }

    def one_line(self) -> str:
        """A short human line: kind, code, message, status (and "until HH:MM", local time, while held)."""
        parts = [self.kind.value]
        if self.until is not None:
            parts.append(f"until {self.until_local}")
        if self.http_status:
            parts.append(f"HTTP {self.http_status}")
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        return f"{head}: {self.message}" if self.message else head


    @property
    def until_local(self) -> str:
        """The end of the hold as local HH:MM ("" when not held)."""
        return self.until.astimezone().strftime("%H:%M") if self.until is not None else ""


class UserError(Exception):
    """A problem the user can fix (bad argument, bad file): shown as one line, exit status 2, no traceback."""


class RefError(UserError, ValueError):
    """A task reference (REF) the user typed is not valid; the message names the bad part."""


class ConfigError(UserError):
    """config.toml cannot be used; the one-line message names the file, the line and the problem."""


class EndpointError(UserError):
    """An endpoint cannot be worked out or an override is not acceptable; the message names the setting."""


class WatchlistError(UserError):
    """watchlist.toml cannot be used, or a change to it cannot be made; one line, naming file and line."""


class AlreadyWatched(WatchlistError):
    """`add` of a task that is already in the list; `.task` is the entry already there."""

    def __init__(self, message: str, task: WatchedTask) -> None:
        super().__init__(message)
        self.task = task


class AuthError(UserError):
    """Credentials missing, refused or unobtainable: one line that says which, never a secret in it."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind = ErrorKind.AUTH,
        *,
        http_status: int | None = None,
        code: str | None = None,
    ) -> None:
        # One line, always: IAM text and file names must not break the TUI header or stderr line.
        self.message = " ".join(str(message).split())
        self.kind = kind
        self.http_status = http_status
        self.code = code
        super().__init__(self.message)

    @property
    def transient(self) -> bool:
        """True when trying again later may work (IAM unreachable, busy, garbled); False for refusals."""
        return self.kind.transient

    @property
    def error(self) -> TaskError:
        """The same failure as a TaskError, so it can ride on a Snapshot like any fetch error."""
        return TaskError(self.kind, self.message, code=self.code, http_status=self.http_status)


class ApiError(Exception):
    """A fetch that did not give a fresh status; `.error` says why, `.request` what was asked."""

    def __init__(self, error: TaskError, request: RequestInfo | None = None) -> None:
        super().__init__(error.one_line())
        self.error = error
        self.request = request

    @property
    def kind(self) -> ErrorKind:
        return self.error.kind

    def __str__(self) -> str:
        return self.error.one_line()


def as_task_error(exc: UserError, kind: ErrorKind) -> TaskError:
    """A UserError met while fetching, as the error its task shows.

    An AuthError knows its own kind (IAM unreachable is a network error to back off from,
    a refusal one to stop on); any other UserError becomes `kind` with its one-line message.
    """
    if isinstance(exc, AuthError):
        return exc.error
    return TaskError(kind, str(exc))
