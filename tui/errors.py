"""Every exception hcwatch raises on purpose, in one place.

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

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.model import ErrorKind, RequestInfo, TaskError, WatchedTask

__all__ = ["AlreadyWatched", "ApiError", "AuthError", "ConfigError", "EndpointError", "RefError", "UserError",
           "WatchlistError"]


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
        kind: ErrorKind | None = None,
        *,
        http_status: int | None = None,
        code: str | None = None,
    ) -> None:
        from tui.model import ErrorKind  # model imports this module: resolved at call time

        # One line, always: IAM text and file names must not break the TUI header or stderr line.
        self.message = " ".join(str(message).split())
        self.kind: ErrorKind = ErrorKind.AUTH if kind is None else kind
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
        from tui.model import TaskError

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
