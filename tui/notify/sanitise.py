"""Text from the network made safe inside an escape sequence: no controls, no bidi tricks, no `;`, bounded."""

from __future__ import annotations

import unicodedata
from typing import Any

# Bidirectional controls (a name shown reversed) and invisible characters a server could use
# to make a notification say something other than what it seems to.
_INVISIBLE = {
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
}


def _keep(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
        return " "     # ESC, BEL, CR, LF and C1 (0x9c is ST, 0x9d OSC) would end or start a sequence
    if code in _INVISIBLE or unicodedata.category(ch) in ("Cf", "Cs", "Co", "Cn"):
        return ""
    if ch == ";":
        return ","     # the field separator of OSC 777 (and of the OSC 99 metadata)
    return ch


def one_text(value: Any, limit: int) -> str:
    """One line of at most `limit` characters that cannot end, split or spoof an escape sequence."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = "".join(_keep(ch) for ch in text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(0, limit - 1)].rstrip() + "…"
    return text
