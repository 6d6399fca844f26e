"""The plain table `hcwatch list` prints: aligned columns, fitted to the terminal's width when there is one.

On a terminal the rows must not wrap (an 80-column tmux pane): the message and the name are
cut first, then the service column goes (the REF starts with it), the REF is cut in its middle
(a display name works wherever a REF does), then progress goes; room left over goes back to the
message. Into a pipe or a file every column is printed in full, for scripts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

GAP = "  "
ELLIPSIS = "…"
HEADER = ("SERVICE", "NAME", "STATUS", "PROGRESS", "MESSAGE", "REF")
# Narrower and narrower: (column, width it may be cut to) or (column, None) to leave it out.
STEPS: tuple[tuple[str, int | None], ...] = (
    ("MESSAGE", 30), ("NAME", 24), ("SERVICE", None), ("REF", 24), ("MESSAGE", 16), ("NAME", 14),
    ("PROGRESS", None), ("MESSAGE", 10), ("NAME", 10), ("REF", 16),
)


def cell_width(text: str) -> int:
    """Terminal columns of a text: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def cut_end(text: str, width: int) -> str:
    """The text in at most `width` columns, its end replaced by … when cut."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + ELLIPSIS


def cut_middle(text: str, width: int) -> str:
    """The text in at most `width` columns, its middle replaced by … (both ends of an id stay)."""
    if cell_width(text) <= width:
        return text
    keep = width - 1
    head = (keep + 1) // 2
    return text[:head] + ELLIPSIS + text[len(text) - (keep - head):]


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def render(rows: Sequence[Sequence[str]], width: int | None = None, header: Sequence[str] = HEADER) -> str:
    """Header and rows aligned; with a `width`, cut and drop columns (STEPS) until a row fits it."""
    columns = list(header)
    widths = {h: max([cell_width(h)] + [cell_width(r[i]) for r in rows]) for i, h in enumerate(columns)}
    natural = dict(widths)
    shown = list(columns)

    def total() -> int:
        return sum(widths[h] for h in shown) + len(GAP) * (len(shown) - 1)

    if width is not None:
        for column, limit in STEPS:
            if total() <= width:
                break
            if limit is None:
                shown.remove(column)
            else:
                # Cut only as far as needed, never below the limit (nor the heading).
                need = widths[column] - (total() - width)
                widths[column] = min(widths[column], max(limit, need, cell_width(column)))
        for column in ("MESSAGE", "NAME"):  # a step may have cut more than needed: give it back
            if column in shown and total() < width:
                widths[column] = min(natural[column], widths[column] + width - total())
    index = {h: i for i, h in enumerate(columns)}
    out = []
    for row in [list(header), *rows]:
        cells = []
        for h in shown:
            text = row[index[h]]
            cut = cut_middle if h == "REF" else cut_end
            cells.append(_pad(cut(text, widths[h]), widths[h]))
        out.append(GAP.join(cells).rstrip())
    return "\n".join(out)
