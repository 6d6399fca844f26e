"""The detail pane's run sections: console link, outcome, estimate, recent runs (with a sparkline), log tail.

Plain rich Text (no Textual): network strings are appended as text, never markup; the link is an OSC 8
hyperlink (`style="link URL"`), which Textual renders as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rich.text import Text

from tui.app.colours import DARK, Scheme
from tui.facts import Facts
from tui.model import Phase, Snapshot, clean_text
from tui.outcome import Run, span

__all__ = ["LogTail", "build_number", "run_lines", "sparkline"]

LABEL = 13
RUNS_SHOWN = 10
_BARS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class LogTail:
    """A Build log tail fetched on demand (key L): its lines, or why it could not be read."""

    build_no: str
    lines: tuple[str, ...] = ()
    error: str | None = None
    at: datetime | None = None
    note: str = field(default="")


def build_number(snapshot: Snapshot | None) -> str | None:
    """The Build number whose log `L` shows: the running build's, else the last finished one's."""
    if snapshot is None:
        return None
    for key in ("build_records.running_number", "running_status.last_build_no"):
        value = snapshot.fields.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).isdigit():
            return str(value)
    return snapshot.outcome.number if snapshot.outcome is not None else None


def sparkline(durations: Sequence[float]) -> str:
    """'▂▃▇▅' of durations, oldest first, scaled from 0 to the longest."""
    if not durations:
        return ""
    top = max(durations) or 1.0
    return "".join(_BARS[min(len(_BARS) - 1, int(d / top * (len(_BARS) - 1) + 0.5))] for d in durations)


def _row(label: str, value: str | Text, style: str = "", scheme: Scheme = DARK) -> tuple[Text, int]:
    line = Text(f"{label:<{LABEL}}", style=scheme.muted)
    if isinstance(value, Text):
        line.append_text(value)
    else:
        line.append(clean_text(value, 500), style=style)
    return line, LABEL


def _head(title: str) -> list[tuple[Text, int]]:
    return [(Text(), 0), (Text(title, style="bold underline"), 0)]


def _outcome_rows(snapshot: Snapshot, scheme: Scheme) -> list[tuple[Text, int]]:
    out = snapshot.outcome
    if out is None:
        return []
    rows = _head("Outcome")
    # The scheme's colours (not fixed ones): readable on light and dark, in 16 colours and NO_COLOR.
    failed = scheme.phase(Phase.FAILED)
    word = scheme.phase(out.phase) if out.phase in (Phase.SUCCEEDED, Phase.FAILED, Phase.STOPPED) else ""
    text = Text((f"#{out.number} " if out.number else "") + out.phase.value, style=word)
    rows.append(_row("result", text, scheme=scheme))
    if out.started_at is not None:
        rows.append(_row("started", out.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), scheme=scheme))
    if out.duration_s is not None:
        rows.append(_row("took", span(out.duration_s), scheme=scheme))
    for label, value in (("trigger", out.trigger), ("branch", out.branch), ("commit", out.commit),
                         ("failed step", out.step), ("error", out.error), ("code", out.code)):
        if value:
            rows.append(_row(label, value, failed if label in ("failed step", "error") else "", scheme))
    if out.defects or out.total_defects is not None:
        rows.append(_row("defects", out.defects_text(), scheme=scheme))
    if out.gate_passed is not None:
        rows.append(_row("quality gate", "passed" if out.gate_passed else "failed",
                         scheme.phase(Phase.SUCCEEDED) if out.gate_passed else failed, scheme))
    for line in out.log_lines:
        rows.append(_row("log", line, scheme.warn, scheme))
    return rows


def _runs_rows(runs: Sequence[Run], scheme: Scheme) -> list[tuple[Text, int]]:
    if not runs:
        return []
    shown = list(runs[:RUNS_SHOWN])
    durations = [r.duration_s for r in reversed(shown) if r.duration_s is not None]
    rows = _head("Recent runs" + (f"  {sparkline(durations)}" if len(durations) > 1 else ""))
    for run in shown:
        when = run.started_at.astimezone().strftime("%m-%d %H:%M") if run.started_at else "—".ljust(11)
        line = Text(when, style=scheme.muted)
        line.append(f"  {('#' + run.number) if run.number else '':<6} ")
        glyph = run.phase.glyph + " " + run.phase.value
        line.append(f"{glyph:<12}", style=scheme.phase(Phase.FAILED) if run.phase is Phase.FAILED else "")
        line.append(span(run.duration_s) if run.duration_s is not None else "")
        rows.append((line, 13))
    return rows


def run_lines(snapshot: Snapshot | None, facts: Facts | None, log: LogTail | None,
              scheme: Scheme = DARK) -> list[tuple[Text, int]]:
    """The run sections, each a (line, hanging indent) list, for tui.app.widgets.detail.render_detail."""
    rows: list[tuple[Text, int]] = []
    if facts is not None and facts.url:
        link = Text(facts.url, style=f"link {facts.url}")
        link.stylize("underline")
        rows.append(_row("console", link, scheme=scheme))
    if facts is not None and facts.eta is not None:
        rows.append(_row("estimate", facts.eta.words(), scheme.warn if facts.eta.stuck else "", scheme))
    elif facts is not None and facts.took_s is not None:
        rows.append(_row("took", span(facts.took_s), scheme=scheme))
    if snapshot is not None:
        rows.extend(_outcome_rows(snapshot, scheme))
    if facts is not None:
        rows.extend(_runs_rows(facts.runs, scheme))
    if log is not None:
        rows.extend(_head(f"Log of build #{log.build_no}" + (f" (last {len(log.lines)} lines)" if log.lines else "")))
        if log.error:
            rows.append((Text(f"⚠ {clean_text(log.error, 300)}", style=scheme.warn), 2))
        rows.extend((Text(line), 0) for line in log.lines)
        if log.note:
            rows.append((Text(log.note, style=scheme.muted), 0))
    return rows
