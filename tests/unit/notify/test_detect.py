"""Which sequence `desktop = "auto"` picks: environment variables outside tmux, tmux's client_termtype inside."""

from __future__ import annotations

import textwrap

import pytest

from tui.notify.detect import TMUX_CONF_LINE, detect, toast_parts


class FakeTmux:
    """Answers the tmux commands detect() runs (client_termtype, allow-passthrough, -V); records them."""

    def __init__(self, termtype: str | None = "", passthrough: str | None = "all", version: str | None = None) -> None:
        self.termtype, self.passthrough, self.version = termtype, passthrough, version
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> str | None:
        self.calls.append(argv)
        if argv[:2] == ["tmux", "display"]:
            return self.termtype
        if argv[:2] == ["tmux", "show"]:
            return self.passthrough
        if argv[:2] == ["tmux", "-V"]:
            return self.version
        return None


@pytest.mark.parametrize("env, kind", [
    ({"KITTY_WINDOW_ID": "3", "TERM": "xterm-kitty"}, "osc99"),
    ({"TERM": "xterm-kitty"}, "osc99"),
    ({"LC_TERMINAL": "iTerm2", "TERM_PROGRAM": "tmux"}, "osc9"),     # iTerm2 over SSH
    ({"TERM_PROGRAM": "iTerm.app"}, "osc9"),
    ({"TERM_PROGRAM": "WezTerm"}, "osc777"),
    ({"TERM_PROGRAM": "ghostty"}, "osc777"),
    ({"TERM": "foot"}, "osc777"),
    ({"WT_SESSION": "abc"}, "osc777"),
    ({}, "osc777"),
])
def test_auto_outside_tmux_follows_the_environment(env, kind):
    run = FakeTmux()
    route = detect("auto", env, run)
    assert route.kind == kind and route.mux is None and route.advice is None
    assert run.calls == []      # no tmux outside tmux


@pytest.mark.parametrize("termtype, kind", [
    ("xterm-kitty", "osc99"), ("kitty(0.35.2)", "osc99"), ("iTerm2 3.5.4", "osc9"),
    ("WezTerm 20240203", "osc777"), ("ghostty 1.1.0", "osc777"), ("foot(1.16.2)", "osc777"),
])
def test_auto_inside_tmux_asks_tmux_for_the_client_terminal(termtype, kind):
    run = FakeTmux(termtype)
    route = detect("auto", {"TMUX": "/tmp/tmux-0/default,1,0", "TMUX_PANE": "%3", "KITTY_WINDOW_ID": "1"}, run)
    assert route.kind == kind and route.mux == "tmux"
    assert termtype in route.why
    assert ["tmux", "show", "-pAv", "-t", "%3", "allow-passthrough"] in run.calls


def test_inside_tmux_without_a_client_termtype_the_environment_decides():
    route = detect("auto", {"TMUX": "x", "LC_TERMINAL": "iTerm2", "TERM_PROGRAM": "tmux"}, FakeTmux(""))
    assert (route.kind, route.why) == ("osc9", "LC_TERMINAL=iTerm2")


@pytest.mark.parametrize("value, advised", [
    ("all", None), ("on", "hidden panes cannot notify"), ("off", "drops desktop notifications"),
    (None, "cannot pass"),
])
def test_tmux_passthrough_is_checked_once_and_advice_names_the_line(value, advised):
    route = detect("osc777", {"TMUX": "x"}, FakeTmux("", value))
    assert route.passthrough == value
    if advised is None:
        assert route.advice is None
    else:
        assert advised in route.advice
        assert "cannot pass" in advised or TMUX_CONF_LINE in route.advice


@pytest.mark.parametrize("version, value, advice", [
    ("tmux 3.3a", "off", "tmux drops desktop notifications: add 'set -g allow-passthrough on' to ~/.tmux.conf, "
                         "then 'tmux source-file ~/.tmux.conf'"),
    ("tmux 3.3a", "on", None),          # all that 3.3 can do: nothing to tell
    ("tmux 3.4", "on", "hidden panes cannot notify via tmux: add "
                       "'set -g allow-passthrough all' to ~/.tmux.conf, then 'tmux source-file ~/.tmux.conf'"),
    ("tmux next-3.6", "off", "tmux drops desktop notifications: add 'set -g allow-passthrough all' to ~/.tmux.conf, "
                             "then 'tmux source-file ~/.tmux.conf'"),
    ("tmux 3.2a", None, "tmux 3.2 cannot pass desktop notifications: tmux 3.3 or later can; "
                        "the bell still flags the window"),
])
def test_the_advice_is_the_one_line_this_tmux_version_accepts(version, value, advice):
    run = FakeTmux("", value, version)
    assert detect("osc777", {"TMUX": "x"}, run).advice == advice
    assert ["tmux", "-V"] in run.calls


@pytest.mark.parametrize("version", [None, "tmux 3.2a", "tmux 3.3a", "tmux 3.4", "tmux next-3.6"])
@pytest.mark.parametrize("value", [None, "on", "off", "bogus"])
def test_the_toast_says_what_in_its_title_and_the_fix_in_two_lines_at_80_columns(version, value):
    # A toast is half the screen: at 80 columns about 37 columns of text. The whole sentence used to
    # take seven rows over the detail pane for 20 s.
    advice = detect("osc777", {"TMUX": "x"}, FakeTmux("", value, version)).advice
    if advice is None:
        return
    title, body = toast_parts(advice)
    assert advice.startswith(title) and "tmux" in title
    assert len(textwrap.wrap(title, 37)) + len(textwrap.wrap(body, 37)) <= 4
    assert TMUX_CONF_LINE in body or "allow-passthrough on" in body or "3.3 or later" in body
    assert "reload" in body or "bell" in body


def test_with_passthrough_all_the_version_is_not_asked():
    run = FakeTmux("", "all", "tmux 3.4")
    assert detect("osc777", {"TMUX": "x"}, run).advice is None
    assert ["tmux", "-V"] not in run.calls


def test_an_explicit_setting_wins_and_off_asks_tmux_nothing():
    assert detect("osc9", {"KITTY_WINDOW_ID": "1"}).kind == "osc9"
    run = FakeTmux()
    route = detect("off", {"TMUX": "x"}, run)
    assert route.kind == "off" and run.calls == []


def test_gnu_screen_is_noticed():
    assert detect("auto", {"STY": "123.pts-0"}).mux == "screen"


def test_describe_says_the_path():
    route = detect("auto", {"TMUX": "x"}, FakeTmux("WezTerm 2024", "all"))
    assert route.describe() == ("OSC 777 (tmux client_termtype 'WezTerm 2024'), "
                                "wrapped for tmux passthrough (allow-passthrough all)")
