"""The main screen's actions on where a task lives and how its run went: copy the console link, the Build log.

A mixin, so the main screen gains the keys `o` and `L` (tui.app.actions) without growing.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import SuspendNotSupported

from tui.app.run_detail import LogTail, build_number
from tui.errors import ApiError
from tui.facts import facts_of_runtime
from tui.model import Service

if TYPE_CHECKING:
    from tui.model import WatchedTask

PAGER_DEFAULT = "less -R"


class TaskExtrasMixin:
    """copy_url (o), log (L: the tail in the detail pane; again: the whole log in $PAGER), log_pager."""

    log_tails: dict[str, LogTail]

    def _extras_target(self) -> tuple[Any, WatchedTask] | None:
        screen: Any = self
        task = screen.selected_task()
        if task is None:
            return None
        return screen, task

    def action_copy_url(self) -> None:
        found = self._extras_target()
        if found is None:
            return
        screen, task = found
        status = screen.board.status_of(task.key)
        facts = facts_of_runtime(screen.runtime, task, status.snapshot if status else None,
                                 status.history if status else ())
        if facts is None or not facts.url:
            screen.notify("no console link known for this task (see [links] in the README)", markup=False, timeout=4)
            return
        screen.app.copy_to_clipboard(facts.url)  # OSC 52: works over SSH and in tmux with set-clipboard on
        screen.notify("copied the console link", markup=False, timeout=2)

    def _build_no(self, screen: Any, task: WatchedTask) -> str | None:
        if task.ref.service is not Service.BUILD:
            screen.notify("only Build jobs have a log", markup=False, timeout=3)
            return None
        status = screen.board.status_of(task.key)
        number = build_number(status.snapshot if status else None)
        if number is None:
            screen.notify("no build number known yet for this job", markup=False, timeout=3)
        return number

    def action_log(self) -> None:
        found = self._extras_target()
        if found is None:
            return
        screen, task = found
        number = self._build_no(screen, task)
        if number is None:
            return
        if not hasattr(self, "log_tails"):
            self.log_tails = {}
        shown = self.log_tails.get(task.key)
        if shown is not None and shown.build_no == number and shown.lines:
            self.action_log_pager()  # L again on a shown tail: the whole log
            return
        self._fetch_tail(task, number)

    @work(exit_on_error=False, group="log")
    async def _fetch_tail(self, task: WatchedTask, number: str) -> None:
        screen: Any = self
        now = screen.runtime.clock.now()
        try:
            lines = await screen.runtime.cloud.build_log(task, number)
            tail = LogTail(number, tuple(lines), at=now, note="L again: the whole log in $PAGER")
        except ApiError as exc:
            tail = LogTail(number, error=f"log not available: {exc.error.one_line()}", at=now)
        self.log_tails[task.key] = tail
        if screen.detail.display is False:
            screen.action_details()
        screen.show_detail()

    def action_log_pager(self) -> None:
        found = self._extras_target()
        if found is None:
            return
        screen, task = found
        number = self._build_no(screen, task)
        if number is not None:
            self._open_pager(task, number)

    @work(exit_on_error=False, group="log")
    async def _open_pager(self, task: WatchedTask, number: str) -> None:
        screen: Any = self
        fd, name = tempfile.mkstemp(prefix="hcwatch-log-", suffix=".txt")
        os.close(fd)
        path = Path(name)
        try:
            try:
                written, cut = await screen.runtime.cloud.build_log(task, number, to=path)
            except ApiError as exc:
                screen.notify(f"log not available: {exc.error.one_line()}", markup=False, severity="warning")
                return
            command = shlex.split(os.environ.get("PAGER") or PAGER_DEFAULT) or shlex.split(PAGER_DEFAULT)
            failed: Exception | None = None
            if shutil.which(command[0]) is None:  # found out before the screen is handed over
                failed = FileNotFoundError("not found on PATH (set $PAGER to one that is, e.g. less)")
            else:
                try:
                    with screen.app.suspend():
                        # Caught inside: Textual's suspend() does not resume the app when its body raises.
                        try:
                            subprocess.run([*command, str(path)], check=False)
                        except (OSError, ValueError) as exc:
                            failed = exc
                except SuspendNotSupported as exc:  # no terminal to hand over
                    failed = exc
            if failed is not None:
                screen.notify(f"cannot run the pager {command[0]!r}: {failed}", markup=False, severity="warning")
            if cut:
                screen.notify("the log was cut at 8 MiB", markup=False, timeout=4)
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
