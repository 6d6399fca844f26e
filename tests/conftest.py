"""Fixtures for every test: keep the developer's own config, state and credentials out."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_user_environment(tmp_path_factory, monkeypatch):
    """Each test gets an empty HOME and no hcwatch/Huawei variables, so nothing real is read or written."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    for name in list(os.environ):
        if name.startswith(("HCWATCH_", "HUAWEICLOUD_")):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _no_terminal_notifications(monkeypatch):
    """Desktop escapes and bells of in-process commands never reach the developer's own terminal or tmux."""
    from tui.notify.output import TerminalOutput

    monkeypatch.setattr(TerminalOutput, "open", classmethod(lambda cls: cls(None, "none", False)))
    for name in ("TMUX", "TMUX_PANE", "STY"):
        monkeypatch.delenv(name, raising=False)
