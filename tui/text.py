"""Text from outside (servers, files, arguments) on its way to a terminal: controls out, invisible characters shown.

Two kinds of character must never reach the terminal as they are: control characters (an
escape sequence could restyle or rewrite the screen) and the invisible "format" characters
(Unicode category Cf: the bidi overrides and isolates U+202A–202E and U+2066–2069, the marks
U+200E/F and U+061C, zero-width spaces and joiners U+200B–200D and U+2060, the BOM U+FEFF, the
soft hyphen, tag characters). The second kind reorders or hides what follows (a name that
reads "payments" but is something else), and a terminal gives them no width, so a table
drawn around them comes apart. Lone surrogates (from a JSON "\\ud800") cannot be encoded
at all and would end the process with UnicodeEncodeError.

- `plain_text`: what is kept as data (snapshots, the state file, `--json`): controls become
  spaces, runs of whitespace one space, a lone surrogate U+FFFD (no file could hold it),
  bounded; every other character is kept.
- `clean_text`: what is shown (the screen, human output): the same, and each invisible
  character written as `<U+202E>`.
- `visible`: finished lines of human output, their spacing kept.
- `json_line`: JSON with those characters (and DEL, C1 controls) escaped as `\\uXXXX`.
- `quoted`: a refused value inside an error message.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Category Cf as of Unicode 15 (tests/unit/test_text.py checks this Python's table against
# it), lone surrogates, and the Hangul fillers that draw as blanks.
_HIDDEN_RANGES = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\ud800-\udfff\u115f\u1160\u3164\uffa0"
)
HIDDEN_RE = re.compile(f"[{_HIDDEN_RANGES}]")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_CONTROL_BUT_NEWLINE_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# In JSON: what json.dumps(ensure_ascii=False) leaves raw that a terminal would act on.
_JSON_UNSAFE_RE = re.compile(f"[\x7f-\x9f{_HIDDEN_RANGES}]")


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def marker(ch: str) -> str:
    """How an invisible character is shown: `<U+202E>`."""
    return f"<U+{ord(ch):04X}>"


def plain_text(value: Any, limit: int = 2000) -> str:
    """Text kept as data: no control characters, whitespace collapsed, bounded; invisible ones kept."""
    text = _CONTROL_RE.sub(" ", _as_text(value))
    if not text.isascii():
        text = _SURROGATE_RE.sub("\ufffd", text)
    return _bounded(" ".join(text.split()), limit)


def clean_text(value: Any, limit: int = 2000) -> str:
    """Text made safe to show: no control characters, invisible ones as `<U+XXXX>`, bounded length."""
    text = _CONTROL_RE.sub(" ", _as_text(value))
    if not text.isascii():
        text = HIDDEN_RE.sub(lambda m: marker(m.group()), text)
    return _bounded(" ".join(text.split()), limit)


def visible(lines: str) -> str:
    """Lines of human output as a terminal should get them: spacing kept, controls blanked, invisibles shown."""
    lines = _CONTROL_BUT_NEWLINE_RE.sub(" ", lines)
    return lines if lines.isascii() else HIDDEN_RE.sub(lambda m: marker(m.group()), lines)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # JSON spells a character beyond the BMP as its UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_line(obj: Any) -> str:
    """One JSON object on one line: other scripts kept readable, the data as sent, nothing a terminal acts on."""
    text = json.dumps(obj, ensure_ascii=False)
    # These characters can only be inside JSON strings, where \\uXXXX means the same thing.
    return text if text.isascii() and "\x7f" not in text else _JSON_UNSAFE_RE.sub(_json_escape, text)


def quoted(value: Any, limit: int = 80) -> str:
    """A value a user gave, quoted for a message: `'caf\\x07é'` (controls as \\xNN, invisibles as <U+XXXX>)."""
    text = _as_text(value)
    text = _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = HIDDEN_RE.sub(lambda m: marker(m.group()), text)
    return "'" + _bounded(text, limit) + "'"
