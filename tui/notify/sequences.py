"""The escape sequences of terminal notifications, and the wrappers that carry them through tmux and screen."""

from __future__ import annotations

from tui.notify.sanitise import one_text

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"     # string terminator: ends every OSC and DCS below

TITLE_LIMIT = 80
BODY_LIMIT = 240
# OSC 9;4 progress states (ConEmu's, also Windows Terminal, Ghostty, WezTerm, iTerm2 3.6).
PROGRESS_CLEAR, PROGRESS_SET, PROGRESS_ERROR, PROGRESS_INDETERMINATE = 0, 1, 2, 3


def osc777(title: str, body: str) -> str:
    """`ESC]777;notify;TITLE;BODY ST` (WezTerm, Ghostty, foot, kitty, urxvt, Windows Terminal)."""
    return f"{ESC}]777;notify;{one_text(title, TITLE_LIMIT)};{one_text(body, BODY_LIMIT)}{ST}"


def osc9(title: str, body: str) -> str:
    """`ESC]9;TEXT ST` (iTerm2 and others): one text, never starting with a digit.

    A leading digit would make `9;4;…` a progress report, and Ghostty ignores such texts.
    """
    text = one_text(f"{title}: {body}" if body else title, TITLE_LIMIT + BODY_LIMIT)
    if not text or text[0].isdigit():
        text = "hcwatch: " + text
    return f"{ESC}]9;{text}{ST}"


def osc99(title: str, body: str, ident: str = "hcwatch") -> str:
    """kitty's own, in two parts: the title (d=0: more follows), then the body of the same id."""
    ident = "".join(ch for ch in ident if ch.isalnum() or ch in "-_")[:32] or "hcwatch"
    first = f"{ESC}]99;i={ident}:d=0:p=title;{one_text(title, TITLE_LIMIT)}{ST}"
    second = f"{ESC}]99;i={ident}:d=1:p=body;{one_text(body, BODY_LIMIT)}{ST}"
    return first + second


def progress(state: int, percent: int = 0) -> str:
    """OSC 9;4: the terminal tab's progress (state 0 clears it)."""
    pct = max(0, min(100, int(percent)))
    return f"{ESC}]9;4;{int(state)};{pct}{ST}"


SEQUENCES = {"osc777": osc777, "osc9": osc9, "osc99": osc99}


def notification(kind: str, title: str, body: str, ident: str = "hcwatch") -> str:
    """The desktop notification sequence of one kind (osc777, osc9, osc99); "" for off."""
    if kind == "osc99":
        return osc99(title, body, ident)
    if kind in SEQUENCES:
        return SEQUENCES[kind](title, body)
    return ""


def tmux_wrap(sequence: str) -> str:
    """DCS passthrough: `ESC Ptmux; <sequence, every ESC doubled> ESC \\` (needs allow-passthrough)."""
    if not sequence:
        return ""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def screen_wrap(sequence: str) -> str:
    """GNU screen passes a DCS's content on; an ST inside would end it early, so each OSC ends in BEL."""
    if not sequence:
        return ""
    parts = [p for p in sequence.split(ST) if p]
    return "".join(f"{ESC}P{p}{BEL}{ST}" for p in parts)


def wrap(sequence: str, mux: str | None) -> str:
    """The sequence as it must be written inside tmux, screen or neither (mux None)."""
    if mux == "tmux":
        return tmux_wrap(sequence)
    if mux == "screen":
        return screen_wrap(sequence)
    return sequence
