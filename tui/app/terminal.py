"""The terminal around the app: leave on SIGHUP/SIGTERM or when the tty is gone; the OSC 2 window title."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from textual.app import App

from tui.model import clean_text

if TYPE_CHECKING:
    from tui.app.shutdown import Deadline

TTY_CHECK_SECONDS = 3.0
EXIT_CODES = ((signal.SIGHUP, 129), (signal.SIGTERM, 143))  # 128 + the signal, as a shell reports it


class Terminal:
    """Installed by the app once it runs; removed when it stops.

    People leave hcwatch in a tmux pane or an SSH session for days: when that terminal goes
    away the app must end (and save its state) rather than spin on a dead tty. Neither the
    signals nor the tty check go through the event loop, which may be stuck writing to the
    dead terminal: a plain signal handler and a thread start the Deadline, then ask the loop.
    """

    def __init__(self, app: App, deadline: Deadline | None = None) -> None:
        self.app = app
        self.deadline = deadline
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous: dict[int, Any] = {}
        self._tty_fd: int | None = None
        self._tty_stop = threading.Event()
        self._title = ""

    def install(self) -> None:
        self._loop = asyncio.get_running_loop()
        for sig, _ in EXIT_CODES:
            with contextlib.suppress(ValueError, OSError):  # ValueError: not the main thread
                self._previous[sig] = signal.signal(sig, self._on_signal)
        if not self.app.is_headless:
            # SIGHUP is not always sent (e.g. the tty is revoked under us); Textual's input
            # thread then just sees EOF forever, so check the tty now and then and leave.
            with contextlib.suppress(Exception):
                stdin = sys.__stdin__
                fd = stdin.fileno() if stdin is not None else -1
                if fd >= 0 and os.isatty(fd):
                    self.watch_tty(fd)

    def _on_signal(self, signum: int, _frame: object) -> None:
        code = dict(EXIT_CODES).get(signal.Signals(signum), 128 + signum)
        self.leave(code, terminal_lost=True)

    def leave(self, code: int, *, terminal_lost: bool = False) -> None:
        """End the app with `code`, from any thread: the deadline first, then the loop is asked."""
        if self.deadline is not None:
            self.deadline.arm(code, save_now=terminal_lost)
        loop = self._loop
        if loop is None:  # not installed (tests): no loop to go through
            self.app.exit(None, code)
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: the process is leaving anyway
            loop.call_soon_threadsafe(self.app.exit, None, code)

    def watch_tty(self, fd: int) -> None:
        """Check every TTY_CHECK_SECONDS, in a thread, that the terminal on `fd` is still there."""
        self._tty_fd = fd
        self._tty_stop.clear()
        threading.Thread(target=self._watch, daemon=True, name="hcwatch-tty-check").start()

    def _watch(self) -> None:
        while not self._tty_stop.wait(TTY_CHECK_SECONDS):
            if not self.check_tty():
                return

    def remove(self) -> None:
        self._tty_stop.set()
        for sig, previous in self._previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, previous)
        self._previous.clear()

    def check_tty(self) -> bool:
        """True while the terminal is there; once it is gone, leave (status 129, as after SIGHUP)."""
        import termios

        if self._tty_fd is None:
            return True
        try:
            termios.tcgetattr(self._tty_fd)
        except (termios.error, OSError):
            self.leave(129, terminal_lost=True)
            return False
        return True

    def set_title(self, title: str) -> None:
        """OSC 2, only when the text changes (tmux shows it as the pane/window title)."""
        if title == self._title:
            return
        self._title = title
        self.app.title = title
        driver = self.app._driver
        if driver is not None and not self.app.is_headless:
            safe = clean_text(title, 120).replace("\x07", "")
            driver.write(f"\x1b]2;{safe}\x07")
