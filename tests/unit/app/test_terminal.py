"""The terminal module: the title is written only when it changes; a dead tty or SIGHUP/SIGTERM ends the app."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from dataclasses import dataclass, field

from tui.app.shutdown import Deadline
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
        terminal.watch_tty(read)  # a thread, so that a loop stuck writing to the tty cannot stop it
        assert terminal.check_tty() is False
    finally:
        terminal.remove()
        os.close(read)
        os.close(write)
    assert app.exits == [(None, 129)]


async def test_signals_end_the_app_with_128_plus_the_signal():
    app = FakeApp(is_headless=True)
    terminal = Terminal(app)  # type: ignore[arg-type]
    before = signal.getsignal(signal.SIGTERM)
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
    assert not any(t.name == "hcwatch-tty-check" for t in threading.enumerate())  # headless: no tty to watch
    assert signal.getsignal(signal.SIGTERM) is before  # put back


class Recorder:
    """A Deadline's exit and save, recorded instead of done."""

    def __init__(self) -> None:
        self.saves = 0
        self.codes: list[int] = []
        self.exited = threading.Event()

    def save(self) -> None:
        self.saves += 1

    def exit(self, code: int) -> None:
        self.codes.append(code)
        self.exited.set()


def test_the_deadline_saves_then_ends_the_process_with_the_code():
    rec = Recorder()
    deadline = Deadline(rec.save, seconds=0.01, exit=rec.exit)
    deadline.arm(0)
    deadline.arm(129)  # a second request changes nothing: the first code stands
    assert rec.exited.wait(5)
    assert rec.codes == [0] and rec.saves >= 1


def test_a_lost_terminal_saves_at_once_and_arms_the_deadline():
    rec = Recorder()
    app = FakeApp()
    deadline = Deadline(rec.save, seconds=60, exit=rec.exit)  # far away: only the save is seen here
    terminal = Terminal(app, deadline)  # type: ignore[arg-type]
    read, write = os.pipe()
    try:
        terminal.watch_tty(read)
        terminal.check_tty()
    finally:
        terminal.remove()
        os.close(read)
        os.close(write)
    for _ in range(100):
        if rec.saves:
            break
        threading.Event().wait(0.01)
    assert deadline.armed and deadline.code == 129 and rec.saves == 1 and rec.codes == []
    assert app.exits == [(None, 129)]


async def test_a_signal_is_handled_while_the_main_thread_is_stuck_writing():
    # What Textual does when the terminal dies: the main thread waits on a full queue that no
    # thread empties. A handler on the event loop would never run; ours must.
    import queue

    rec = Recorder()
    stuck: queue.Queue[int] = queue.Queue(1)
    stuck.put(0)
    app = FakeApp(is_headless=True)

    def exit_and_unstick(code: int) -> None:  # a real Deadline would os._exit here
        rec.exit(code)
        stuck.get_nowait()

    terminal = Terminal(app, Deadline(rec.save, seconds=0.01, exit=exit_and_unstick))  # type: ignore[arg-type]
    terminal.install()
    try:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGHUP)).start()
        stuck.put(1)  # blocks until the deadline fires
    finally:
        terminal.remove()
    assert rec.codes == [129] and rec.saves >= 1
