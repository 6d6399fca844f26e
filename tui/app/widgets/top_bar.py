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
        self._variants: list[Text] = []
        self._slow_said = ""

    def render(self) -> Text:
        # The widest variant that fits: a narrow terminal loses words, not facts.
        width = self.size.width
        for text in self._variants:
            if text.cell_len <= width:
                return text
        return self._variants[-1] if self._variants else Text("")

    def show(self, *, summary: str, unseen: int, swept: datetime | None, offline: bool,
             auth: dict[str, str], filter_text: str = "", sort: str = "", demo: bool = False,
             compact: str = "", watchlist: str = "", throttled: datetime | None = None,
             slow: tuple[str, ...] = ()) -> None:
        # throttled: a throttled host's hold ends then; shown as "⏳ throttled until HH:MM" (local time).
        w, t, s = watchlist, throttled, slow[0] if slow else ""
        variants = [self._build(summary, unseen, swept, offline, auth, filter_text, sort, demo,
                                watchlist=w, throttled=t, slow=s)]
        if compact:
            variants.append(self._build(compact, unseen, swept, offline, auth, filter_text, sort, demo,
                                        watchlist=w, throttled=t, slow=s))
            variants.append(self._build(compact, unseen, swept, offline, auth, filter_text, "", demo, short=True,
                                        watchlist=w, throttled=t, slow=s))
        if [(v.plain, v.spans) for v in variants] != [(v.plain, v.spans) for v in self._variants]:
            self._variants = variants
            self.refresh()
        for reason in auth.values():
            self.tooltip = clean_text(reason, 200)
        if slow and slow[1] != self._slow_said:
            # Said once, as a toast that stays a while; the header keeps the short marker meanwhile.
            self._slow_said = self.tooltip = slow[1]
            self.notify(slow[1], title="polls are slower than the interval", severity="warning", timeout=20,
                        markup=False)

    @staticmethod
    def _build(summary: str, unseen: int, swept: datetime | None, offline: bool, auth: dict[str, str],
               filter_text: str, sort: str, demo: bool, short: bool = False, watchlist: str = "",
               throttled: datetime | None = None, slow: str = "") -> Text:
        # Most urgent first, so what a narrow terminal still cuts is the least important part.
        text = Text()
        text.append(" hcwatch", style="bold")  # Text(..., style=) would make the whole line bold
        if demo and not short:
            text.append(" demo", style="italic")
        if offline:
            text.append("  ")
            text.append("⚠ OFFLINE", style="bold reverse red")
        for profile in sorted(auth):
            text.append("  ")
            text.append(f"⚠ AUTH {clean_text(profile, 20)}", style="bold reverse red")
        if watchlist:  # a hand edit broke the file: the list shown is the last one that loaded
            text.append("  ")
            text.append(f"⚠ {clean_text(watchlist, 40)} not loaded", style="bold reverse yellow")
        if slow:
            text.append("  ")
            text.append(f"⚠ SLOW {slow}", style="bold reverse yellow")
        if throttled is not None:
            text.append("  ")
            text.append(f"⏳ throttled until {throttled.astimezone():%H:%M}", style="bold reverse")
        if unseen:
            text.append("  ")
            text.append(f"◆ {unseen} new", style="bold reverse")
        text.append(f"  {summary}")
        if filter_text:
            text.append("  filter:", style="dim")
            text.append(clean_text(filter_text, 30))
        when = swept.astimezone().strftime("%H:%M:%S") if swept else "—"
        text.append(f"  swept {when}" if not short else f"  {when}", style="dim")
        if sort:
            text.append(f"  sort:{sort}", style="dim")
        return text
