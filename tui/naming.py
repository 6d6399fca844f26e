"""Real names: a task added without a name gets its own (Build job, Check task, DWS job name) once it is known.

`add` asks once (Namer.lookup); when that fails the task is added anyway with `name_pending`, and
the runtime names it later: from a poll's answer when it carries the name (DWS `job_name`), else by
one lookup after a good poll, at most every RETRY_AFTER seconds per task and one at a time, so naming
never competes with polling. A name the user gives (`--name`, rename) is never replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from tui.clock import Clock
from tui.cloud import catalog
from tui.errors import ApiError, UserError
from tui.model import Service, Snapshot, WatchedTask, plain_text

log = logging.getLogger("hcwatch.naming")

RETRY_AFTER = 600.0   # seconds between two lookups of one task's name
LOOKUP_DEADLINE = 10.0


def name_in(snapshot: Snapshot) -> str | None:
    """A name the status answer itself carries (DWS jobs: `job_name`)."""
    if snapshot.ref.service is Service.DWS and snapshot.error is None:
        value = snapshot.fields.get("job_name")
        return plain_text(value, 200) or None if isinstance(value, str) else None
    return None


def unlisted(why: str) -> bool:
    """The name lookup's answer was that the task's CodeArts project does not list it (not a network failure)."""
    return catalog.NOT_LISTED in why


def unnamed_note(task: WatchedTask, why: str, undo: str | None = None) -> str:
    """What `add` says (the command on stderr, the TUI in a toast) when the new task's name could not be fetched.

    A Check task its URL's project does not list is watched anyway (the task id alone is what is
    polled, and the list may be out of reach of these credentials): its row shows what polling
    finds, and the line says how to undo the add if the URL was wrong (`undo`: the TUI's key).
    """
    why = plain_text(why, 200)
    if unlisted(why):
        return (f"{why}: watching it anyway, its row shows what polling finds "
                f"(a wrong URL? {undo or f'hcwatch remove {task.key}'})")
    return f"its name could not be fetched ({why}); it is named when a poll learns it"


class Namer:
    """Looks up and applies tasks' own names for the runtime (see the module docstring)."""

    def __init__(self, get: catalog.Get, clock: Clock, take_name: Callable[[str, str], WatchedTask | None],
                 on_named: Callable[[WatchedTask], None]) -> None:
        self._get = get
        self._clock = clock
        self._take_name = take_name
        self._on_named = on_named
        self.pending: set[str] = set()     # keys of tasks waiting for their name
        self._tried: dict[str, float] = {}
        self._running: set[asyncio.Task[Any]] = set()
        self._one_at_a_time = asyncio.Lock()

    def watch(self, tasks: list[WatchedTask]) -> None:
        """Know which of these tasks still wait for a name (after a load or an outside edit)."""
        for task in tasks:
            if task.name_pending and not task.name:
                self.pending.add(task.key)
            else:
                self.pending.discard(task.key)

    async def lookup(self, task: WatchedTask) -> str:
        """The task's own name, asked now (one call, bounded); raises UserError or ApiError with the reason."""
        try:
            async with asyncio.timeout(LOOKUP_DEADLINE):
                name = await catalog.task_name(self._get, self._clock, task)
        except TimeoutError:
            raise UserError(f"no answer within {LOOKUP_DEADLINE:g} s") from None
        if not name:
            raise UserError("the service did not say")
        return plain_text(name, 200)

    def apply(self, task: WatchedTask, name: str) -> WatchedTask | None:
        """Record a found name (unless the user named the task meanwhile); returns the renamed task."""
        self.pending.discard(task.key)
        renamed = self._take_name(task.key, name)
        if renamed is not None:
            self._on_named(renamed)
        return renamed

    def after_update(self, task: WatchedTask, snapshot: Snapshot) -> None:
        """A poll of a task that waits for its name: take it from the answer, or look it up (rarely)."""
        if task.key not in self.pending or snapshot.error is not None:
            return
        found = name_in(snapshot)
        if found:
            self.apply(task, found)
            return
        now = self._clock.monotonic()
        last = self._tried.get(task.key)
        if last is not None and now - last < RETRY_AFTER:
            return
        self._tried[task.key] = now
        job = asyncio.get_running_loop().create_task(self._later(task))
        self._running.add(job)
        job.add_done_callback(self._running.discard)

    async def _later(self, task: WatchedTask) -> None:
        async with self._one_at_a_time:
            if task.key not in self.pending:
                return
            try:
                name = await self.lookup(task)
            except (UserError, ApiError) as exc:
                log.debug("name of %s still unknown: %s", task.key, exc)
                return
            with contextlib.suppress(UserError):  # the watch list cannot be written: try again next time
                self.apply(task, name)

    async def settle(self) -> None:
        """Wait for the lookups under way (each is bounded by LOOKUP_DEADLINE): `list` prints the names found."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def close(self) -> None:
        """Cancel lookups under way (the runtime stopping)."""
        for job in list(self._running):
            job.cancel()
        for job in list(self._running):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
