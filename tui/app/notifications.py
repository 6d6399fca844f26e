"""The notify layer inside the TUI: escapes go out through Textual's driver, hook failures and tmux advice as toasts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.model import WatchedTask, clean_text
from tui.notify.detect import toast_parts

if TYPE_CHECKING:
    from textual.app import App

    from tui.notify.dispatcher import Dispatcher
    from tui.poll.interface import Update

HOOK_WAIT_AT_EXIT = 2.0     # seconds a quitting app waits for running hooks before killing them


class AppNotifications:
    """Owns the app's Dispatcher: started with the runtime, fed every update, closed (progress cleared) at exit."""

    def __init__(self, app: App, runtime: Any) -> None:
        self.app = app
        self.runtime = runtime
        self.dispatcher: Dispatcher | None = None

    async def start(self) -> None:
        """Detect the route (tmux is asked in a thread) and build the Dispatcher; never stops polling."""
        try:
            await self._start()
        except Exception as exc:  # notifications are a bonus: the table must come up regardless
            self.app.notify(clean_text(f"desktop notifications and hooks are off: {exc}", 300),
                            severity="warning", markup=False)

    async def _start(self) -> None:
        from tui.notify.setup import open_dispatcher, route_for  # after the first frame (it reads credential names)

        runtime = self.runtime
        settings = runtime.settings
        # Under Pilot there is no terminal to ask tmux about: the route follows the setting alone.
        env = {} if self.app.is_headless else dict(os.environ)
        route = await asyncio.to_thread(route_for, settings, env)
        secrets: Callable[[], list[str]] = getattr(runtime, "secrets", list)

        def redact(text: str) -> str:
            from tui.cloud.auth import redact as redact_secrets

            return redact_secrets(text, secrets())

        self.dispatcher = open_dispatcher(settings, runtime.clock, route, write=self.write, lookup=self.lookup,
                                          bell=False, redact=redact, report=self.report,
                                          log_dir=getattr(getattr(runtime, "state", None), "dir", None))
        if route.advice and route.kind != "off":
            title, body = toast_parts(route.advice)
            self.app.notify(body, title=title, severity="warning", markup=False, timeout=15)

    def write(self, text: str) -> None:
        driver = self.app._driver
        if driver is not None and not self.app.is_headless:
            driver.write(text)

    def lookup(self, key: str) -> WatchedTask | None:
        status = self.runtime.status(key)
        return status.task if status is not None else None

    def report(self, line: str) -> None:
        self.app.notify(clean_text(line, 300), title="hook failed", severity="warning", markup=False, timeout=15)

    def on_update(self, update: Update) -> None:
        if self.dispatcher is not None:
            self.dispatcher.on_update(update)

    async def stop(self) -> None:
        """Send what is still collected, clear the tab's progress, give running hooks a moment."""
        if self.dispatcher is not None:
            dispatcher, self.dispatcher = self.dispatcher, None
            await dispatcher.close(HOOK_WAIT_AT_EXIT)
