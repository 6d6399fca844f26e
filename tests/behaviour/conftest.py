"""Fixtures for the TUI tests: a demo Runtime on a FakeClock, the app over it, a running Pilot, recorded messages."""

from __future__ import annotations

import itertools
import random
import time
import types
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot

import tui.poll.poller
import tui.sim.app
from tui.app.app import HcwatchApp
from tui.app.driving import started
from tui.clock import FakeClock
from tui.runtime import Runtime

SIZE = (120, 40)


@pytest.fixture(autouse=True)
def _truecolor(monkeypatch) -> None:
    """The same colour scheme whatever TERM the tests run under (it picks 16 colours for TERM=xterm);
    test_contrast.py sets each depth itself."""
    import textual.constants

    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)


def open_demo_runtime(tmp_path: Path, clock: FakeClock | None = None) -> Runtime:
    return Runtime.open(
        demo=True,
        clock=clock or FakeClock(),
        state_dir=tmp_path / "state",
        watchlist_path=tmp_path / "watchlist.toml",
    )


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "notify(**switches): the [notify] settings of the demo runtime")
    config.addinivalue_line("markers", "keymap(**keys): the [keymap] of the demo runtime (binding id = keys)")


@pytest.fixture
def demo_runtime(tmp_path, request) -> Runtime:
    """The demo's tasks over the simulated cloud, on a FakeClock the tests move.

    `@pytest.mark.notify(bell=False, …)` and `@pytest.mark.keymap(add="plus", …)` set the
    config a test needs before the app starts.
    """
    from tui.config.settings import NotifySettings

    runtime = open_demo_runtime(tmp_path)
    notify = request.node.get_closest_marker("notify")
    if notify is not None:
        runtime.settings.notify = NotifySettings(**notify.kwargs)
    keymap = request.node.get_closest_marker("keymap")
    if keymap is not None:
        runtime.settings.keymap = dict(keymap.kwargs)
    return runtime


@pytest.fixture
def demo_app(demo_runtime) -> HcwatchApp:
    """The app over the demo runtime, not running yet."""
    return HcwatchApp(demo_runtime)


@pytest.fixture
def messages() -> list[Message]:
    """Every message the running app handles, in order (`run_test(message_hook=messages.append)`)."""
    return []


@pytest.fixture
async def pilot(demo_app, messages) -> AsyncIterator[Pilot]:
    """The demo app running at 120×40, its runtime started and the first polls in."""
    async with demo_app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await started(pilot)
        yield pilot


@pytest.fixture
def toasts(messages) -> Callable[[], list[Notification]]:
    """The notifications the app has shown so far."""
    return lambda: [m.notification for m in messages if isinstance(m, Notify)]


@pytest.fixture
def bells(demo_app, monkeypatch) -> list[int]:
    """One entry per ring of the terminal bell."""
    rung: list[int] = []
    monkeypatch.setattr(demo_app, "bell", lambda: rung.append(1))
    return rung


def freeze_local_time(monkeypatch) -> None:
    """Local times in the picture (header, detail pane) in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def deterministic(monkeypatch) -> None:
    """Same picture every run: UTC local time, seeded poller jitter, counted request ids."""
    freeze_local_time(monkeypatch)
    monkeypatch.setattr(tui.poll.poller, "random", types.SimpleNamespace(Random=lambda *a: random.Random(7)))
    ids = itertools.count(1)
    monkeypatch.setattr(tui.sim.app, "uuid", types.SimpleNamespace(
        uuid4=lambda: types.SimpleNamespace(hex=f"req-{next(ids):08d}")))
