"""The progress column's text: bar and percent, or percent and ETA when one is known (no Textual here)."""

from __future__ import annotations

from rich.text import Text

from tui.app.colours import WARN
from tui.eta import Eta

__all__ = ["progress_cell"]

WIDTH = 11  # the progress column's width (tui.app.widgets.task_table.COLUMNS)


def progress_cell(progress: float | None, eta: Eta | None, bar: Text) -> Text:
    """'42% ~4m', '42% +3m', '42% stuck?' with a percent; '~4m left', 'usually 12m', 'overdue 3m' without.

    `bar` is the plain bar-and-percent cell, shown when no estimate is known (never a made-up number).
    """
    words = eta.compact() if eta is not None else ""
    if not words:
        return bar
    # Roles, not colours: the row's scheme paints them readable in every theme and colour depth.
    style = WARN if eta is not None and (eta.stuck or eta.late) else ""
    if progress is None:
        return Text(words[:WIDTH], style=style)
    pct = f"{max(0.0, min(100.0, float(progress))):3.0f}%"
    if eta is not None and eta.stuck:
        short = "stuck?"
    elif words.startswith("overdue "):
        short = "+" + words.removeprefix("overdue ")
    elif words.endswith(" left"):
        short = words.removesuffix(" left")
    else:
        return bar  # only "usually …": the bar says more while the percent moves
    text = Text(pct)
    text.append(" " + short, style=style)
    return text
