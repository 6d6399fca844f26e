"""The terminal module: the title is written only when it changes; a dead tty or SIGHUP/SIGTERM ends the app."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field

from tui.app.terminal import Terminal


@dataclass
class FakeDriver:
    written: list[str] = field(default_factory=list)

    def write(self, data: str) -> None:
        self.written.append(data)


@dataclass
class FakeApp:
    """The parts of a Textual App the terminal module uses."""

    is_headless: bool = False
    title: str = "hcwatch"
    _driver: FakeDriver | None = field(default_factory=FakeDriver)
    exits: list[tuple] = field(default_factory=list)
    intervals: list[tuple] = field(default_factory=list)

    def exit(self, result=None, return_code: int = 0) -> None:
        self.exits.append((result, return_code))

    def set_interval(self, seconds: float, callback, name: str = ""):
        self.intervals.append((seconds, callback, name))
        return None


def test_title_is_written_once_per_change_and_sanitised():
    app = FakeApp()
    terminal = Terminal(app)  # type: ignore[arg-type]
    terminal.set_title("hcwatch: 2 running")
    terminal.set_title("hcwatch: 2 running")
    terminal.set_title("hcwatch: 1 failed \x1b]0;evil\x07")
    assert app.title.startswith("hcwatch: 1 failed")
    assert len(app._driver.written) == 2
    first, second = app._driver.written
    assert first == "\x1b]2;hcwatch: 2 running\x07"
    # Only our own escape: the text from the network carries no ESC or BEL of its own.
    assert second.startswith("\x1b]2;") and second.endswith("\x07")
    assert "\x1b" not in second[4:-1] and "\x07" not in second[4:-1]


def test_headless_apps_get_the_title_but_no_escape():
    app = FakeApp(is_headless=True)
    Terminal(app).set_title("hcwatch: no tasks")  # type: ignore[arg-type]
    assert app.title == "hcwatch: no tasks" and app._driver.written == []


def test_a_terminal_that_went_away_ends_the_app_with_129():
    app = FakeApp()
    terminal = Terminal(app)  # type: ignore[arg-type]
    read, write = os.pipe()  # not a tty: tcgetattr fails as on a revoked terminal
    try:
        terminal.watch_tty(read)
        assert [name for _, _, name in app.intervals] == ["tty check"]
        terminal.check_tty()
    finally:
        os.close(read)
        os.close(write)
    assert app.exits == [(None, 129)]


async def test_signals_end_the_app_with_128_plus_the_signal():
    app = FakeApp(is_headless=True)
    terminal = Terminal(app)  # type: ignore[arg-type]
    terminal.install()
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10):
            await asyncio.sleep(0.01)
            if app.exits:
                break
    finally:
        terminal.remove()
    assert app.exits == [(None, 143)]
    assert app.intervals == []  # headless: no tty to watch
