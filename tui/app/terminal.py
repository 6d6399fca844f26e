"""The terminal around the app: leave on SIGHUP/SIGTERM or when the tty is gone; the OSC 2 window title."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys

from textual.app import App
from textual.timer import Timer

from tui.model import clean_text

TTY_CHECK_SECONDS = 3.0
EXIT_CODES = ((signal.SIGHUP, 129), (signal.SIGTERM, 143))  # 128 + the signal, as a shell reports it


class Terminal:
    """Installed by the app once it runs; removed when it stops.

    People leave hcwatch in a tmux pane or an SSH session for days: when that terminal goes
    away the app must end (and save its state) rather than spin on a dead tty.
    """

    def __init__(self, app: App) -> None:
        self.app = app
        self._tty_fd: int | None = None
        self._tty_timer: Timer | None = None
        self._title = ""

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig, code in EXIT_CODES:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self.app.exit, None, code)
        if not self.app.is_headless:
            # SIGHUP is not always sent (e.g. the tty is revoked under us); Textual's input
            # thread then just sees EOF forever, so check the tty now and then and leave.
            with contextlib.suppress(Exception):
                stdin = sys.__stdin__
                fd = stdin.fileno() if stdin is not None else -1
                if fd >= 0 and os.isatty(fd):
                    self.watch_tty(fd)

    def watch_tty(self, fd: int) -> None:
        """Check now and then that the terminal on `fd` is still there."""
        self._tty_fd = fd
        self._tty_timer = self.app.set_interval(TTY_CHECK_SECONDS, self.check_tty, name="tty check")

    def remove(self) -> None:
        if self._tty_timer is not None:
            self._tty_timer.stop()
            self._tty_timer = None
        with contextlib.suppress(Exception):
            loop = asyncio.get_running_loop()
            for sig, _ in EXIT_CODES:
                loop.remove_signal_handler(sig)

    def check_tty(self) -> None:
        """Leave (status 129, as after SIGHUP) once the terminal is gone."""
        import termios

        if self._tty_fd is None:
            return
        try:
            termios.tcgetattr(self._tty_fd)
        except (termios.error, OSError):
            self.app.exit(None, 129)

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
