"""The one-line header: title, summary, unseen changes, last sweep time, offline/auth warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from tui.app.colours import DARK, Scheme
from tui.app.theming import scheme_for
from tui.model import clean_text


@dataclass(frozen=True)
class HeaderFacts:
    """What the header says; TopBar.variants() words it for the width there is."""

    summary: str
    compact: str = ""
    unseen: int = 0
    swept: datetime | None = None
    offline: bool = False
    auth: dict[str, str] = field(default_factory=dict)
    filter_text: str = ""
    sort: str = ""
    demo: bool = False
    watchlist: str = ""                 # a hand edit broke this file: the list shown is the last that loaded
    throttled: datetime | None = None   # a throttled host's hold ends then
    slow: str = ""                      # "every 17s": the interval polls actually keep, when slower than asked


def variants(facts: HeaderFacts, scheme: Scheme = DARK) -> list[Text]:
    """The header worded from widest to narrowest.

    A narrow terminal gets shorter words for the same facts (demo, warnings, unseen changes,
    the counts, the filter, the sweep time, the sort); only at the very last do the sort and
    then the sweep time go, the least urgent first.
    """
    when = facts.swept.astimezone().strftime("%H:%M:%S") if facts.swept else "—"
    filt = clean_text(facts.filter_text, 30)
    out = []
    for level in range(8):
        compact = level >= 1 and bool(facts.compact)
        short = level >= 2
        gap = " " if short else "  "
        text = Text()
        if level < 4 or not facts.demo:
            text.append(" hcwatch", style="bold")  # Text(..., style=) would make the whole line bold
        if facts.demo:
            text.append(" demo", style="italic")
        if facts.offline:
            text.append(gap)
            text.append("⚠ OFFLINE", style=scheme.alert)
        for profile in sorted(facts.auth):
            text.append(gap)
            text.append(f"⚠ AUTH {clean_text(profile, 20)}", style=scheme.alert)
        if facts.watchlist:
            text.append(gap)
            text.append(f"⚠ {clean_text(facts.watchlist, 40 if level < 3 else 16)} not loaded", style=scheme.alert)
        if facts.slow:
            text.append(gap)
            text.append(f"⚠ SLOW {facts.slow}" if level < 3 else f"⚠{facts.slow}", style=scheme.alert)
        if facts.throttled is not None:
            text.append(gap)
            until = f"{facts.throttled.astimezone():%H:%M}"
            text.append(f"⏳ throttled until {until}" if level < 3 else f"⏳{until}", style="bold reverse")
        if facts.unseen:
            text.append(gap)
            text.append(f"◆{facts.unseen}" if short else f"◆ {facts.unseen} new", style="bold reverse")
        text.append(gap + (facts.compact if compact else facts.summary))
        if filt:
            text.append(gap)
            text.append("/" if short else "filter:", style=scheme.muted)
            text.append(filt if level < 3 else clean_text(filt, 10))
        if level < 7:
            text.append(gap + ("swept " if level < 3 else "") + (when if level < 5 else when[:5]), style=scheme.muted)
        if facts.sort and level < 6:
            text.append(gap + ("sort:" if level < 3 else "↕") + facts.sort, style=scheme.muted)
        out.append(text)
    return out


class TopBar(Widget):
    """A header without a clock: it repaints only when one of its facts changes.

    A plain Widget with render() rather than a Static: Static.update() asks for a new layout
    of the whole screen, and this line changes with every sweep.
    """

    DEFAULT_CSS = """
    TopBar { dock: top; height: 1; background: $hc-header-background; color: $foreground; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._variants: list[Text] = []
        self._slow_said = ""
        self._facts: HeaderFacts | None = None
        self.scheme: Scheme = DARK

    def on_mount(self) -> None:
        self.scheme = scheme_for(self.app)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    def _restyle(self) -> None:
        self.scheme = scheme_for(self.app)
        if self._facts is not None:
            self._variants = variants(self._facts, self.scheme)
            self.refresh()

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
        facts = HeaderFacts(summary, compact, unseen, swept, offline, dict(auth), filter_text, sort, demo,
                            watchlist, throttled, slow[0] if slow else "")
        if facts != self._facts:
            self._facts = facts
            self._variants = variants(facts, self.scheme)
            self.refresh()
        for reason in auth.values():
            self.tooltip = clean_text(reason, 200)
        if slow and slow[1] != self._slow_said:
            # Said once, as a toast that stays a while; the header keeps the short marker meanwhile.
            self._slow_said = self.tooltip = slow[1]
            self.notify(slow[1], title="polls are slower than the interval", severity="warning", timeout=20,
                        markup=False)

    @property
    def text(self) -> str:
        """The header as shown now (for tests and tools)."""
        return self.render().plain
