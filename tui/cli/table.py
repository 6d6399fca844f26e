"""The plain tables the headless commands print: aligned columns, fitted to the terminal's width when there is one.

On a terminal the rows must not wrap (an 80-column tmux pane). Each table says how it gives way
(a Fit): first its long texts are cut with … and redundant columns left out, keeping one line
per row; when that is not enough, the REF moves to a line of its own under its row, whole, so
it can still be copied anywhere (a REF cut in its middle only works in hcwatch's own commands),
and the rest of the row takes the width. Room left over goes back to the texts that were cut.
Into a pipe or a file every column is printed in full, one line per row, for scripts.

Cells are masked (secrets, tui.cloud.auth.masking) before their widths are measured, so a
`***` never shifts the columns after them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

GAP = "  "
INDENT = "  "  # before a REF on its own line
ELLIPSIS = "…"
HEADER = ("SERVICE", "NAME", "STATUS", "PROGRESS", "MESSAGE", "REF")

Step = tuple[str, int | None]  # (column, width it may be cut to) or (column, None) to leave it out


@dataclass(frozen=True)
class Fit:
    """How a table gives way to a narrow terminal, in order; columns a table lacks are skipped."""

    steps: tuple[Step, ...]             # one line per row
    below: str | None = None            # then this column moves, whole, to a line of its own under its row
    below_hides: tuple[str, ...] = ()   # columns the line under the row makes redundant
    below_steps: tuple[Step, ...] = ()  # and the rest of the row gives way like this
    grow: tuple[str, ...] = ()          # the columns that get back room left over, in this order


# `hcwatch list`: the status and the progress are what a glance needs, the REF what a hand copies.
LIST_FIT = Fit(
    steps=(("SERVICE", None), ("MESSAGE", 30), ("NAME", 24)),  # the REF starts with the service; any shorter
    # and the row reads better over two lines
    below="REF",
    below_hides=("SERVICE",),  # the REF starts with it
    below_steps=(("MESSAGE", 30), ("NAME", 24), ("MESSAGE", 16), ("NAME", 14),
                 ("PROFILE", 10), ("MESSAGE", 10), ("NAME", 10), ("PROGRESS", None)),
    grow=("MESSAGE", "NAME"),
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


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_width(text))


def _give_way(widths: dict[str, int], shown: list[str], steps: Sequence[Step], width: int) -> None:
    """Cut and leave out columns (in `steps` order) until a row of `shown` fits `width`, or the steps run out."""
    for column, limit in steps:
        if _total(widths, shown) <= width:
            return
        if column not in shown:
            continue
        if limit is None:
            shown.remove(column)
        else:
            # Cut only as far as needed, never below the limit (nor the heading).
            need = widths[column] - (_total(widths, shown) - width)
            widths[column] = min(widths[column], max(limit, need, cell_width(column)))


def _total(widths: dict[str, int], shown: Sequence[str]) -> int:
    return sum(widths[h] for h in shown) + len(GAP) * (len(shown) - 1)


def render(rows: Sequence[Sequence[str]], width: int | None = None, header: Sequence[str] = HEADER,
           fit: Fit = LIST_FIT, mask: Callable[[str], str] | None = None) -> str:
    """Header and rows aligned; with a `width`, cut, drop and move columns (`fit`) until a row fits it.

    `mask` is applied to every cell first (the widths are the masked texts').
    """
    if mask is not None:
        rows = [[mask(cell) for cell in row] for row in rows]
    columns = list(header)
    natural = {h: max([cell_width(h)] + [cell_width(r[i]) for r in rows]) for i, h in enumerate(columns)}
    widths = dict(natural)
    shown = list(columns)
    below: str | None = None
    if width is not None:
        _give_way(widths, shown, fit.steps, width)
        if _total(widths, shown) > width and fit.below in shown:
            below = fit.below
            widths = dict(natural)
            shown = [h for h in columns if h != below and h not in fit.below_hides]
            _give_way(widths, shown, fit.below_steps, width)
        for column in fit.grow:  # a step may have cut more than needed: give it back
            if column in shown and _total(widths, shown) < width:
                widths[column] = min(natural[column], widths[column] + width - _total(widths, shown))
    index = {h: i for i, h in enumerate(columns)}
    out = []
    for row in [list(header), *rows]:
        out.append(GAP.join(_pad(cut_end(row[index[h]], widths[h]), widths[h]) for h in shown).rstrip())
        if below is not None:
            out.append(INDENT + row[index[below]])  # whole: a REF cut short cannot be pasted
    return "\n".join(out)
