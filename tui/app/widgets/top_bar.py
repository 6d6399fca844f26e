"""The one-line header: title, summary, unseen changes, last sweep time, offline/auth warnings."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from tui.model import clean_text


class TopBar(Widget):
    """A header without a clock: it repaints only when one of its facts changes.

    A plain Widget with render() rather than a Static: Static.update() asks for a new layout
    of the whole screen, and this line changes with every sweep.
    """

    DEFAULT_CSS = """
    TopBar { dock: top; height: 1; background: $panel; color: $foreground; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._last: Text | None = None

    def render(self) -> Text:
        return self._last or Text("")

    def show(self, *, summary: str, unseen: int, swept: datetime | None, offline: bool,
             auth: dict[str, str], filter_text: str = "", sort: str = "", demo: bool = False) -> None:
        # Most urgent first, so a narrow terminal cuts the least important part.
        text = Text(" hcwatch", style="bold")
        if demo:
            text.append(" demo", style="italic")
        if offline:
            text.append("  ")
            text.append("⚠ OFFLINE", style="bold reverse red")
        for profile, reason in sorted(auth.items()):
            text.append("  ")
            text.append(f"⚠ AUTH {clean_text(profile, 20)}", style="bold reverse red")
            self.tooltip = clean_text(reason, 200)
        if unseen:
            text.append("  ")
            text.append(f"◆ {unseen} new", style="bold reverse")
        text.append(f"  {summary}")
        text.append("  swept " + (swept.astimezone().strftime("%H:%M:%S") if swept else "—"), style="dim")
        if filter_text:
            text.append("  filter:", style="dim")
            text.append(clean_text(filter_text, 30))
        if sort:
            text.append(f"  sort:{sort}", style="dim")
        if self._last is None or text != self._last or text.spans != self._last.spans:
            self._last = text
            self.refresh()
