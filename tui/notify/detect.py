"""Which notification sequence the outer terminal understands, and whether tmux or screen sits in between.

Over SSH and inside tmux the environment says little: tmux answers for its client
(`#{client_termtype}`), iTerm2 leaves `LC_TERMINAL`, kitty `KITTY_WINDOW_ID`. The runner of
tmux commands is injectable, so tests never need a tmux server for this.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Runner = Callable[[list[str]], "str | None"]

TMUX_CONF_LINE = "set -g allow-passthrough all"
RELOAD = "then 'tmux source-file ~/.tmux.conf'"
_TOO_OLD = "tmux 3.3 or later can; the bell still flags the window"


def run_command(argv: list[str]) -> str | None:
    """stdout of a short command, stripped; None when it fails or takes more than two seconds."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=2, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@dataclass(frozen=True)
class Route:
    """How a desktop notification leaves: which sequence, why that one, through which multiplexer."""

    kind: str                   # osc777 | osc9 | osc99 | off
    why: str                    # "TERM_PROGRAM=WezTerm", "tmux client_termtype 'xterm-kitty'", "desktop = osc9"
    mux: str | None = None      # "tmux", "screen" or None
    passthrough: str | None = None  # tmux's allow-passthrough for this pane ("all", "on", "off"), when known
    advice: str | None = None   # one line telling the user what to change, when something will be dropped

    def describe(self) -> str:
        """`OSC 777 (TERM_PROGRAM=WezTerm), wrapped for tmux (allow-passthrough all)`."""
        if self.kind == "off":
            return f"off ({self.why})"
        text = f"OSC {self.kind[3:]} ({self.why})"
        if self.mux == "tmux":
            text += f", wrapped for tmux passthrough (allow-passthrough {self.passthrough or 'unknown'})"
        elif self.mux == "screen":
            text += ", wrapped for GNU screen"
        return text


def _from_termtype(termtype: str) -> str:
    low = termtype.lower()
    if "kitty" in low:
        return "osc99"
    if "iterm" in low:
        return "osc9"
    return "osc777"


def _from_env(env: Mapping[str, str]) -> tuple[str, str]:
    """(kind, why) from the environment alone."""
    if env.get("KITTY_WINDOW_ID") or env.get("TERM") == "xterm-kitty":
        return "osc99", "kitty (KITTY_WINDOW_ID)" if env.get("KITTY_WINDOW_ID") else "TERM=xterm-kitty"
    if env.get("LC_TERMINAL") == "iTerm2":
        return "osc9", "LC_TERMINAL=iTerm2"
    program = env.get("TERM_PROGRAM", "")
    if program == "iTerm.app":
        return "osc9", "TERM_PROGRAM=iTerm.app"
    if program and program != "tmux":
        return "osc777", f"TERM_PROGRAM={program}"
    if env.get("TERM", "").startswith("foot"):
        return "osc777", f"TERM={env['TERM']}"
    if env.get("WT_SESSION"):
        return "osc777", "Windows Terminal (WT_SESSION)"
    return "osc777", "terminal unknown: OSC 777 is the most widely understood"


def tmux_version(text: str | None) -> tuple[int, int] | None:
    """(3, 3) from `tmux -V`'s "tmux 3.3a" (also "tmux next-3.5"); None when unknown."""
    m = re.search(r"(\d+)\.(\d+)", text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def tmux_advice(passthrough: str | None, version: tuple[int, int] | None = None) -> str | None:
    """What to add to ~/.tmux.conf when tmux would drop notifications; None when it passes them.

    With the version known the advice is the one line that tmux accepts (3.3 knows only `on`);
    3.3 with `on` already does what it can, so nothing is said.
    """
    reload = RELOAD
    if passthrough == "all" or (passthrough == "on" and version is not None and version < (3, 4)):
        return None
    if version is not None and version < (3, 3):
        return f"tmux {version[0]}.{version[1]} cannot pass desktop notifications: {_TOO_OLD}"
    hidden = "hidden panes cannot notify via tmux"
    if version is not None and passthrough in ("on", "off"):
        line = TMUX_CONF_LINE if version >= (3, 4) else "set -g allow-passthrough on"
        what = hidden if passthrough == "on" else "tmux drops desktop notifications"
        return f"{what}: add '{line}' to ~/.tmux.conf, {reload}"
    if passthrough == "on":
        return f"{hidden}: add '{TMUX_CONF_LINE}' to ~/.tmux.conf (tmux 3.4+), {reload}"
    if passthrough == "off":
        return (f"tmux drops desktop notifications: add '{TMUX_CONF_LINE}' to ~/.tmux.conf "
                f"(tmux 3.3: 'set -g allow-passthrough on'), {reload}")
    return f"this tmux cannot pass desktop notifications: {_TOO_OLD}"


def toast_parts(advice: str) -> tuple[str, str]:
    """The advice as a toast's title and body: what tmux does, then the line to add.

    A toast is half the screen wide: at 80 columns the whole sentence took seven rows over the
    detail pane. The title carries the what, the body the fix with the reload said in three words
    (`hcwatch notify --test` and the README give the command).
    """
    what, _, fix = advice.partition(": ")
    return what, fix.replace(f", {RELOAD}", " and reload it")


def detect(setting: str, env: Mapping[str, str], run: Runner = run_command) -> Route:
    """The Route for `[notify] desktop` (auto | osc777 | osc9 | osc99 | off) in this environment."""
    mux = "tmux" if env.get("TMUX") else "screen" if env.get("STY") else None
    passthrough = advice = None
    if mux == "tmux" and setting != "off":
        pane = env.get("TMUX_PANE")
        argv = ["tmux", "show", "-pAv"] + (["-t", pane] if pane else []) + ["allow-passthrough"]
        value = run(argv)
        passthrough = value.split()[-1] if value else None
        # The version only matters for what to advise (asked only then: one more short command).
        version = tmux_version(run(["tmux", "-V"])) if passthrough != "all" else None
        advice = tmux_advice(passthrough, version)
    if setting == "off":
        return Route("off", "desktop = off", mux)
    if setting != "auto":
        return Route(setting, f"desktop = {setting}", mux, passthrough, advice)
    if mux == "tmux":
        termtype = run(["tmux", "display", "-p", "#{client_termtype}"]) or ""
        if termtype:
            return Route(_from_termtype(termtype), f"tmux client_termtype {termtype!r}", mux, passthrough, advice)
    kind, why = _from_env(env)
    return Route(kind, why, mux, passthrough, advice)
