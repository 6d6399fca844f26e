"""What `y` says: 'sent' outside tmux or with set-clipboard on, how to enable it when tmux drops OSC 52.

tmux runs on its own socket (`tmux -L`), never the developer's server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest

from tui.app import clipboard
from tui.app.clipboard import Clipboard


def test_outside_tmux_the_id_is_said_to_be_sent_not_copied():
    text, warn = Clipboard(env={}).message("abc123")
    assert text == "sent abc123 to the terminal's clipboard" and not warn


@pytest.fixture
def tmux_server():
    """A private tmux server; yields (env with TMUX pointing at it, a function to set set-clipboard)."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    name = f"hcwatch-test-{uuid.uuid4().hex[:8]}"
    base = ["tmux", "-L", name, "-f", os.devnull]
    subprocess.run([*base, "new-session", "-d", "-s", "t", "-x", "80", "-y", "24"], check=True)
    try:
        socket = subprocess.run([*base, "display-message", "-p", "#{socket_path}"], check=True,
                                capture_output=True, text=True).stdout.strip()
        env = {"PATH": os.environ.get("PATH", ""), "TMUX": f"{socket},1,0"}

        def set_clipboard(value: str) -> None:
            subprocess.run([*base, "set-option", "-s", "set-clipboard", value], check=True)

        yield env, set_clipboard
    finally:
        subprocess.run([*base, "kill-server"], check=False)


@pytest.mark.parametrize("value", ["off", "external"])
def test_inside_tmux_that_drops_osc52_it_says_how_to_enable_it(tmux_server, value):
    env, set_clipboard = tmux_server
    set_clipboard(value)
    text, warn = Clipboard(env=env).message("abc123")
    assert warn and f"set-clipboard is {value}" in text and "set -g set-clipboard on" in text
    assert "sent" not in text and "copied" not in text and "abc123" in text


def test_inside_tmux_with_set_clipboard_on_it_says_sent(tmux_server):
    env, set_clipboard = tmux_server
    set_clipboard("on")
    assert Clipboard(env=env).message("abc123") == ("sent abc123 to the terminal's clipboard", False)


def test_tmux_is_asked_once(monkeypatch):
    calls = []
    monkeypatch.setattr(clipboard, "tmux_set_clipboard", lambda env=None: calls.append(1) or "off")
    board = Clipboard(env={"TMUX": "x"})
    for _ in range(3):
        assert board.message("abc")[1]
    assert len(calls) == 1
