"""Every status word, the header and a flashing row read at 4.5:1 or more in every colour mode.

Measured on what the app draws (the compositor's segments), as a terminal of each colour
depth shows it: 256 and 16 colours by Rich's own downgrade, the 16 colours in xterm's palette.
"""

from __future__ import annotations

import pytest
import textual.constants

from tests.behaviour.conftest import open_demo_runtime
from tests.behaviour.contrast import screen_lines, text_of, worst
from tui.app.app import HcwatchApp
from tui.app.driving import settle, started
from tui.model import Phase

PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
AA = 4.5
MODES = [(theme, no_color, system) for theme in ("textual-dark", "textual-light") for no_color in (False, True)
         for system in ("truecolor", "256", "16")]


async def measure(tmp_path, monkeypatch, theme: str, no_color: bool, system: str):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", {"16": "standard"}.get(system, system))
    app = HcwatchApp(open_demo_runtime(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = theme
        await started(pilot)
        app.main.table.flash(PAYMENTS, 600)
        await settle(pilot)
        return app, screen_lines(app, system)


def status_words(lines) -> dict[Phase, list[tuple[float, tuple]]]:
    """Each status word on screen: its lowest contrast and its colour."""
    found: dict[Phase, list[tuple[float, tuple]]] = {}
    for line in lines:
        text = text_of(line)
        for phase in Phase:
            word = f"{phase.glyph} {phase.value}"
            start = text.find(word)
            if start >= 0:
                found.setdefault(phase, []).append((worst(line, start, start + len(word)), line[start + 2].fg))
    return found


@pytest.mark.parametrize(("theme", "no_color", "system"), MODES)
async def test_status_words_header_and_flash_are_readable(tmp_path, monkeypatch, theme, no_color, system):
    app, lines = await measure(tmp_path, monkeypatch, theme, no_color, system)
    words = status_words(lines)
    assert {Phase.RUNNING, Phase.SUCCEEDED, Phase.FAILED, Phase.STOPPED, Phase.PENDING, Phase.IDLE} <= set(words)
    low = {p.value: round(r, 2) for p, seen in words.items() for r, _ in seen if r < AA}
    assert not low, f"status words below {AA}:1: {low}"
    assert worst(lines[0]) >= AA, f"header at {worst(lines[0]):.2f}:1: {text_of(lines[0])!r}"
    flashed = [line for line in lines if "payments" in text_of(line)]
    assert flashed and worst(flashed[0]) >= AA, f"flashing row at {worst(flashed[0]):.2f}:1"


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_sixteen_colours_tell_stopped_from_failed(tmp_path, monkeypatch, theme):
    _, lines = await measure(tmp_path, monkeypatch, theme, False, "16")
    words = status_words(lines)
    failed = {fg for _, fg in words[Phase.FAILED]}
    stopped = {fg for _, fg in words[Phase.STOPPED]}
    assert not failed & stopped
    assert (255, 0, 0) in failed or (205, 0, 0) in failed
