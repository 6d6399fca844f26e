"""`python -m tui.app.screenshots [DIR]`: SVG + PNG pictures of the demo on a frozen clock, for the README."""

from __future__ import annotations

import asyncio
import html
import importlib
import itertools
import os
import random
import re
import sys
import tempfile
import time
import types
from pathlib import Path
from unittest import mock

from tui.app.driving import advance, settle, started
from tui.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
FAILING = "check:e5a7c9b1d3f54e6a8c0b2d4f6a8c0e2b"
PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"


def _png(svg_path: Path) -> bool:
    """PNG beside the SVG with cairosvg, if installed; a font with the status glyphs when there is one."""
    try:
        cairosvg = importlib.import_module("cairosvg")  # optional, untyped: only for the README's PNGs
    except ImportError:
        return False
    svg = svg_path.read_text(encoding="utf-8")
    # Fira Code (Textual's SVG font) lacks ✔ ✘ ◌ ⚠; DejaVu Sans Mono has them.
    svg = re.sub(r'font-family: *"?Fira Code"?[^;"]*', "font-family: DejaVu Sans Mono, Fira Code, monospace", svg)
    svg = _on_the_grid(svg)
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(svg_path.with_suffix(".png")), output_width=1600)
    return True


_RUN = re.compile(r'<text ([^>]*?)x="([0-9.]+)"([^>]*?)>([^<]*)</text>')
CHAR_WIDTH = 12.2  # Rich's SVG grid: 20px type, 0.61 wide


def _on_the_grid(svg: str) -> str:
    """Each character of each text run in its own cell of Rich's grid.

    cairosvg ignores textLength, and its hinted glyphs are a little wider or narrower than the
    grid, so a long run drew its last words over the next run ("1 idleswept" in the header)."""
    from rich.cells import cell_len

    def split(match: re.Match[str]) -> str:
        before, x, after, body = match.groups()
        after = re.sub(r'\s*textLength="[^"]*"', "", after)
        text = html.unescape(body)
        out = []
        cells = 0
        for char in text:
            if not char.isspace():
                left = float(x) + cells * CHAR_WIDTH
                out.append(f'<text {before}x="{left:.1f}"{after}>{html.escape(char, quote=False)}</text>')
            cells += cell_len(char)
        return "".join(out)

    return _RUN.sub(split, svg)


async def _shoot(name: str, size: tuple[int, int], scene, out: Path) -> Path:
    from textual.widgets import Input

    from tui.app.app import HcwatchApp
    from tui.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="hcwatch-shots-") as tmp:
        rt = Runtime.open(demo=True, clock=FakeClock(), state_dir=Path(tmp) / "state",
                          watchlist_path=Path(tmp) / "watchlist.toml")
        app = HcwatchApp(rt)
        async with app.run_test(size=size) as pilot:
            await started(pilot)
            await scene(pilot)
            app.main.tick()
            for widget in app.screen.query(Input):
                widget.cursor_blink = False
            await settle(pilot)
            path = out / f"{name}.svg"
            path.write_text(app.export_screenshot(title="hcwatch"), encoding="utf-8")
    return path


async def _main_screen(pilot) -> None:
    await advance(pilot, 30, step=3)
    pilot.app.main.table.end_all_flashes()
    pilot.app.clear_notifications()


async def _change(pilot) -> None:
    # Stop just after the payments scan succeeds: its row is flashing and marked.
    app = pilot.app
    for _ in range(40):
        await advance(pilot, 1)
        if PAYMENTS in app.main.table.flashing:
            break
    app.clear_notifications()


async def _detail(pilot) -> None:
    await _main_screen(pilot)
    app = pilot.app
    app.runtime.simulator.inject("busy", ref=FAILING)
    table = app.main.table
    table.move_cursor(row=table.get_row_index(FAILING), animate=False)
    await pilot.press("r")
    await advance(pilot, 2)
    app.clear_notifications()


async def _add(pilot) -> None:
    await _main_screen(pilot)
    await pilot.press("a", *"2b31ed52-bad id")


async def _narrow(pilot) -> None:
    await _main_screen(pilot)
    await pilot.press("j", "j", "j")


SCENES = (
    ("main", (164, 36), _main_screen),
    ("change", (164, 36), _change),
    ("detail", (164, 36), _detail),
    ("add", (100, 30), _add),
    ("narrow", (80, 24), _narrow),
)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.pop("NO_COLOR", None)
    # The truecolor scheme whatever TERM says (read when Textual is first imported, in _shoot).
    os.environ["TEXTUAL_COLOR_SYSTEM"] = "truecolor"
    ids = itertools.count(1)
    fixed_ids = types.SimpleNamespace(uuid4=lambda: types.SimpleNamespace(hex=f"{next(ids):032x}"))
    seeded = types.SimpleNamespace(Random=lambda *a: random.Random(7))
    # Same pictures on every run: seeded poll jitter, counted request ids.
    with mock.patch("tui.poll.poller.random", seeded), mock.patch("tui.sim.app.uuid", fixed_ids):
        for name, size, scene in SCENES:
            svg = asyncio.run(_shoot(name, size, scene, out))
            made = "svg + png" if _png(svg) else "svg (pip install cairosvg for png)"
            print(f"{svg.relative_to(out.parent) if out.parent in svg.parents else svg}: {made}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
