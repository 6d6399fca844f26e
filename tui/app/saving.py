"""Palette → Screenshot: an SVG of the screen in a folder that exists, and a toast that says where."""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path

from textual.app import App


def screenshot_folders(state_dir: Path | None, demo: bool) -> list[Path]:
    """Where a screenshot may go, best first: the folder hcwatch was started in, the state
    folder (not the demo's, which goes at exit), the system's temporary folder.

    Textual's default, ~/Downloads, is missing on most servers (the save failed there)."""
    folders = [Path.cwd()]
    if state_dir is not None and not demo:
        folders.append(state_dir)
    folders.append(Path(tempfile.gettempdir()))
    return folders


def save_screenshot(app: App, folders: list[Path], now: datetime | None = None) -> Path:
    """Write the screen as SVG into the first folder that takes it; OSError if none does."""
    svg = app.export_screenshot(title="hcwatch")
    name = f"hcwatch-{(now or datetime.now()).strftime('%Y%m%d-%H%M%S')}.svg"
    error: OSError | None = None
    for folder in folders:
        path = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as out:  # never over a file that is there
                out.write(svg)
            with contextlib.suppress(OSError):
                os.chmod(path, 0o600)  # what the screen showed is nobody else's business
            return path
        except OSError as exc:
            error = exc
    raise error or OSError("no folder to save into")


def take_screenshot(app: App, state_dir: Path | None, demo: bool) -> None:
    """Save a screenshot and say where in a toast; a failure is a toast too, never a crash."""
    try:
        path = save_screenshot(app, screenshot_folders(state_dir, demo))
    except Exception as exc:  # a picture is never worth a crash
        app.notify(f"screenshot not saved: {exc}", severity="error", markup=False, timeout=8)
        return
    app.notify(f"screenshot saved to {path}", title="screenshot", markup=False, timeout=8)
