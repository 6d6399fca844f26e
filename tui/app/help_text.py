"""The help screen's table laid out for a width: keys, what they do and the [keymap] binding id in aligned columns.

A description longer than its column wraps under itself (never back to the first column) and the
binding id stays on the row's first line; too narrow for three columns (under 24 for the
description), the id follows the description in its column instead.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

GAP = "  "
MIN_SAID = 24   # the narrowest description column worth a column of ids beside it
MAX_KEYS = 18   # a longer list of keys (after [keymap]) wraps in its own column


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, max(8, width), break_on_hyphens=False) or [""]


def layout(rows: Sequence[tuple[str, str, str]], legend: Sequence[tuple[str, str]], width: int) -> Text:
    """Key rows (keys, description, binding id) then the glyph legend, fitted to `width` columns."""
    keys_w = min(MAX_KEYS, max([cell_len(k) for k, _, _ in rows] + [4]))
    id_w = max([cell_len(i) for _, _, i in rows] + [0])
    said_w = width - keys_w - id_w - 2 * len(GAP)
    beside = said_w >= MIN_SAID   # else the id goes at the end of the description
    if not beside:
        keys_w = min(keys_w, max(6, width // 4))   # narrow: long key lists wrap in their column instead
        said_w = width - keys_w - len(GAP)
    text = Text()
    if beside:  # the third column needs its name: it is what [keymap] takes
        text.append(_pad("key", keys_w) + GAP + _pad("does", said_w) + GAP + "[keymap] id\n", style="dim")
    for keys, said, ident in rows:
        key_lines = _wrap(keys, keys_w) if cell_len(keys) > keys_w else [keys]
        if beside:
            lines = _wrap(said, said_w)
            for n in range(max(len(lines), len(key_lines))):
                text.append(_pad(key_lines[n] if n < len(key_lines) else "", keys_w) + GAP, style="bold")
                line = lines[n] if n < len(lines) else ""
                if n == 0 and ident:
                    text.append(_pad(line, said_w) + GAP)
                    text.append(ident, style="dim")
                else:
                    text.append(line)
                text.append("\n")
            continue
        lines = _wrap(f"{said} \x00{ident}" if ident else said, said_w)
        for n in range(max(len(lines), len(key_lines))):
            text.append(_pad(key_lines[n] if n < len(key_lines) else "", keys_w) + GAP, style="bold")
            line = lines[n] if n < len(lines) else ""
            head, sep, tail = line.partition("\x00")   # the id, dim, wherever the wrap put it
            text.append(head)
            if sep:
                text.append(tail, style="dim")
            text.append("\n")
    text.append("\nWhat the table shows\n", style="bold")
    glyph_w = max([keys_w] + [cell_len(g) for g, _ in legend])  # the keys' column, unless a glyph's word is wider
    indent = " " * (glyph_w + len(GAP))
    for glyphs, meaning in legend:
        text.append(_pad(glyphs, glyph_w) + GAP, style="bold")
        text.append(("\n" + indent).join(_wrap(meaning, width - len(indent))) + "\n")
    text.rstrip()
    return text
