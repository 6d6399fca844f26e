"""A TOML basic string as hcwatch writes it by hand: readable, and nothing in it that reorders a terminal."""

from __future__ import annotations

from tui.text import HIDDEN_RE


def toml_str(text: str) -> str:
    """A TOML basic string; escapes what TOML requires and the invisible characters, so the file stays readable.

    A bidi override or a zero-width space written as it is would reorder or hide text for
    whoever opens or `cat`s the file; as `\\u202e` it is seen and still means the same.
    """
    if not any(ch in '"\\' or ch < " " or ch == "\x7f" for ch in text) and not HIDDEN_RE.search(text):
        return f'"{text}"'
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append({"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(ch, f"\\u{ord(ch):04x}"))
        elif "\ud800" <= ch <= "\udfff":
            out.append("\\ufffd")  # a lone surrogate cannot be written in TOML (nor in UTF-8)
        elif HIDDEN_RE.match(ch):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
