"""The header's facts: what the header line and the terminal title say (no Textual)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from tui.app.formatting import compact_summary, summary
from tui.model import NO_PHASE_GLYPH, Phase


def where_broken(problem: str | None) -> str:
    """'watchlist.toml:12' from 'PATH/watchlist.toml:12: what is wrong' (the header has room for no more)."""
    if not problem:
        return ""
    match = re.match(r"(.+?)(?::(\d+))?: ", problem)
    if match is None:
        return "watchlist.toml"
    name = PurePath(match.group(1)).name
    return f"{name}:{match.group(2)}" if match.group(2) else name



@dataclass(frozen=True)
class Header:
    """Everything the header line and the terminal title show."""

    counts: tuple[tuple[Phase | None, int], ...]   # None: tasks never fetched yet
    unseen: int
    swept: datetime | None
    offline: bool
    auth: tuple[tuple[str, str], ...]   # (profile, reason) while a profile is stopped on authentication
    filter_text: str
    sort: str
    demo: bool
    slow: tuple[str, ...] = ()  # (marker, line): some host cannot poll every task at the interval
    watchlist: str = ""     # "watchlist.toml:12" while a hand edit keeps the file from loading
    throttled: datetime | None = None   # when the last throttled host's hold ends (UTC), while one is held

    @property
    def phases(self) -> list[Phase | None]:
        return [phase for phase, n in self.counts for _ in range(n)]

    @property
    def summary(self) -> str:
        return summary(dict(self.counts))

    @property
    def compact(self) -> str:
        return compact_summary(dict(self.counts))

    @property
    def title(self) -> str:
        """The terminal title, trouble first and short: `hcwatch ✘1 ●3 ◆2 ✔4`.

        tmux's default status line keeps 21 characters of it, so what a glance needs (failed,
        stopped, running, unseen changes) comes before what it can lose.
        """
        counts = dict(self.counts)
        parts = [f"{p.glyph}{counts[p]}" for p in (Phase.FAILED, Phase.STOPPED, Phase.UNKNOWN, Phase.RUNNING)
                 if counts.get(p)]
        if self.unseen:
            parts.append(f"◆{self.unseen}")
        rest: tuple[Phase | None, ...] = (Phase.PENDING, None, Phase.SUCCEEDED, Phase.IDLE)
        parts += [f"{NO_PHASE_GLYPH if p is None else p.glyph}{counts[p]}" for p in rest if counts.get(p)]
        return " ".join(["hcwatch", *parts]) if parts else "hcwatch: no tasks"
