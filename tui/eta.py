"""When a running task will end: usual duration, remaining time, overdue, possibly stuck (pure maths, no clock read).

Rules (the README states the same):
- usual_s: the median duration of the last USUAL_OF successful runs, hcwatch's own observations and the
  service's history (Build's build records) merged by start time, the newest first.
- remaining_s, where the API reports progress: a rate (percent per second) from the run's progress
  samples, robust to jumps and stalls: the median of the pairwise slopes (Theil–Sen) over the samples of
  the last RATE_WINDOW (at most the last 24), with "now" at the last percent as one more sample (a
  stall pulls the rate down as it lasts), or the run's mean rate since it began when that is slower
  (never the optimistic one).
  Early in a run the percent says little, so it is blended with the usual time: weight p/100 on the
  progress estimate, the rest on usual − elapsed.
  Without progress: usual − elapsed while that is positive; nothing (null) once past it.
- overdue_s: elapsed − usual, when positive. The narrow column says "overdue" only from OVERDUE_MIN and
  OVERDUE_SHARE of the usual time past it (runs vary by a few seconds); before that it says "usually …".
  Its figures are rounded down (45 s is "45s", 119 s is "1m"), never up: never more than is true.
- possibly stuck: elapsed past max(2 × usual, usual + 10 min), or the percent unchanged for
  max(30 min, usual / 2) while running.
Nothing known (no usual duration, no usable progress) gives None: never a made-up number.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tui.history import Changes
from tui.model import Change, Phase
from tui.outcome import Run, newest_first, span

__all__ = ["Eta", "estimate", "progress_samples", "usual_duration"]

USUAL_OF = 5
RATE_WINDOW = 900.0     # seconds of samples the recent rate is made of
RATE_SAMPLES = 24       # at most this many of them (pairwise slopes grow with the square: 276 pairs)
STALL_MIN = 1800.0      # a percent unchanged this long (or half the usual time) is a possible hang
STUCK_FACTOR = 2.0
STUCK_MARGIN = 600.0
OVERDUE_MIN = 10.0      # seconds past the usual time before the table calls a run overdue
OVERDUE_SHARE = 0.1     # ... and this share of the usual time


@dataclass(frozen=True)
class Eta:
    """What is known about when a task ends; every figure None when unknown (never guessed)."""

    elapsed_s: float | None = None
    usual_s: float | None = None
    remaining_s: float | None = None
    overdue_s: float | None = None
    stuck: bool = False
    # Where elapsed counts from: "service" (its start time) or "first_seen" (a lower bound: hcwatch's first look).
    elapsed_from: str | None = None

    def to_json(self) -> dict[str, object]:
        """The `eta` object of `--json`."""
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 1)

        return {"elapsed_s": r(self.elapsed_s), "usual_s": r(self.usual_s), "remaining_s": r(self.remaining_s),
                "overdue_s": r(self.overdue_s), "possibly_stuck": self.stuck,
                "elapsed_from": self.elapsed_from if self.elapsed_s is not None else None}

    def aged(self, seconds: float) -> Eta:
        """This estimate `seconds` later without new samples (the slow tick between polls): time moves on."""
        if seconds <= 0 or self.elapsed_s is None:
            return self
        elapsed = self.elapsed_s + seconds
        remaining = self.remaining_s - seconds if self.remaining_s is not None else None
        if remaining is not None and remaining <= 0:
            remaining = None  # the estimate ran out: say overdue (if usual is known), never "0 left"
        usual = self.usual_s
        overdue = elapsed - usual if usual is not None and elapsed > usual else None
        stuck = self.stuck or (usual is not None and elapsed > max(STUCK_FACTOR * usual, usual + STUCK_MARGIN))
        return Eta(elapsed, usual, remaining, overdue, stuck, self.elapsed_from)

    @property
    def late(self) -> bool:
        """Overdue by enough to say so in the table (not a few seconds of a run's usual spread)."""
        if self.overdue_s is None:
            return False
        return self.overdue_s >= max(OVERDUE_MIN, OVERDUE_SHARE * (self.usual_s or 0.0))

    def compact(self) -> str:
        """The progress column's words: '~4m left', 'overdue 3m', 'stuck? 40m', 'usually 12m' ('' if nothing)."""
        if self.stuck:
            return f"stuck? {_short(self.elapsed_s)}"
        if self.late:
            return f"overdue {_short(self.overdue_s)}"
        if self.remaining_s is not None:
            return f"~{_short(max(self.remaining_s, 60.0))} left" if self.remaining_s >= 60 else "<1m left"
        if self.usual_s is not None:
            return f"usually {_short(self.usual_s)}"
        return ""

    def words(self) -> str:
        """The detail pane's line: 'about 4m12s left (usually 12m00s; running 7m48s)'."""
        parts = []
        if self.remaining_s is not None:
            parts.append(f"about {_span(self.remaining_s)} left")
        if self.overdue_s is not None:
            parts.append(f"{_span(self.overdue_s)} past the usual time")
        if self.stuck:
            parts.append("possibly stuck")
        extra = [f"usually {_span(self.usual_s)}" if self.usual_s is not None else "",
                 f"running {_span(self.elapsed_s)}" if self.elapsed_s is not None else ""]
        extra = [x for x in extra if x]
        if not parts and self.elapsed_s is None and self.usual_s is not None:
            return f"usually {_span(self.usual_s)}"
        head = ", ".join(parts) or "no estimate"
        return head + (f" ({'; '.join(extra)})" if extra else "")


def _span(secs: float) -> str:
    """span() of the whole seconds (rounded down: 44.6 s is '44s', never '45s')."""
    return span(math.floor(max(0.0, secs)))


def _short(secs: float | None) -> str:
    """Seconds, whole minutes or hours, rounded down, for a narrow column: '45s', '4m', '1h05', '2d'."""
    s = int(max(0.0, secs or 0.0))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}"
    return f"{s // 86400}d"


def usual_duration(runs: Iterable[Run]) -> float | None:
    """The median duration of the last USUAL_OF successful runs (None when there is none)."""
    seen: dict[tuple[str | None, int], Run] = {}
    for run in runs:
        if run.phase is not Phase.SUCCEEDED or run.duration_s is None or run.duration_s <= 0:
            continue
        # The same build seen by hcwatch and in the service's records counts once (by number, or start minute).
        key = (run.number, 0) if run.number else (None, int(run.started_at.timestamp() // 60) if run.started_at
                                                   else id(run))
        seen.setdefault(key, run)
    good = newest_first(seen.values())
    durations = [r.duration_s for r in good[:USUAL_OF] if r.duration_s is not None]
    return statistics.median(durations) if durations else None


def progress_samples(history: Sequence[Change], since: datetime | None) -> list[tuple[datetime, float]]:
    """(time, percent) of the current run from the change history (changes since `since`)."""
    if since is not None and isinstance(history, Changes):
        history = history.since(since)  # a packed history: only the current run's changes decoded
    return [(c.at, c.progress) for c in history
            if c.progress is not None and c.to_phase is Phase.RUNNING and (since is None or c.at >= since)]


def _rate(samples: list[tuple[float, float]]) -> float | None:
    """Median pairwise slope (percent per second) of (seconds, percent) samples; None with fewer than two."""
    slopes = [(p2 - p1) / (t2 - t1) for i, (t1, p1) in enumerate(samples) for (t2, p2) in samples[i + 1:]
              if t2 - t1 > 0]
    return statistics.median(slopes) if slopes else None


def estimate(now: datetime, phase: Phase, *, progress: float | None, since: datetime | None,
             samples: Sequence[tuple[datetime, float]] = (), runs: Iterable[Run] = (),
             from_zero: bool = False, usual_s: float | None = None) -> Eta | None:
    """The Eta of a task at `now` (None when nothing is known).

    `since`: when the run began (the service's start time, else when hcwatch first saw it running);
    `from_zero`: the run was at 0% at `since` (true for a service's start time), so the time before the
    first sample counts too; `usual_s`: usual_duration(runs) when the caller has it already (then
    `runs` is not read).
    """
    usual = usual_s if usual_s is not None else usual_duration(runs)
    if phase is not Phase.RUNNING:
        return Eta(usual_s=usual) if usual is not None else None
    elapsed = max(0.0, (now - since).total_seconds()) if since is not None else None
    remaining_progress = stalled_for = None
    if progress is not None and since is not None:
        t0 = since.timestamp()
        if len(samples) > RATE_SAMPLES + 1:  # the first (for the mean rate) and the recent ones suffice
            samples = [samples[0], *samples[-RATE_SAMPLES:]]
        pts = sorted((at.timestamp() - t0, p) for at, p in samples if at >= since)
        if from_zero:
            pts.insert(0, (0.0, 0.0))
        pts.append((now.timestamp() - t0, progress))
        window = [pt for pt in pts if pt[0] >= pts[-1][0] - RATE_WINDOW][-RATE_SAMPLES:]
        recent = _rate(window)
        first_t, first_p = pts[0]
        mean = (progress - first_p) / (pts[-1][0] - first_t) if pts[-1][0] > first_t else None
        rates = [r for r in (recent, mean) if r is not None]
        rate = min(rates) if rates else None  # the slower of the two: a stall shows at once, a jump does not fool
        if rate is not None and rate > 0 and progress < 100:
            remaining_progress = (100.0 - progress) / rate
        moved = [t for (t, p) in pts if p != progress]
        if len(pts) > 1:
            # Since the first sample at this percent: the run has shown it at least that long.
            last_other = max(moved) if moved else -1.0
            reached = min((t for (t, p) in pts if p == progress and t > last_other), default=pts[-1][0])
            stalled_for = pts[-1][0] - reached
    remaining_usual = usual - elapsed if usual is not None and elapsed is not None and usual > elapsed else None
    remaining: float | None
    if remaining_progress is not None and remaining_usual is not None and progress is not None:
        w = progress / 100.0
        remaining = w * remaining_progress + (1 - w) * remaining_usual
    elif remaining_progress is not None:
        remaining = remaining_progress
    else:
        remaining = remaining_usual
    overdue = elapsed - usual if usual is not None and elapsed is not None and elapsed > usual else None
    stuck = False
    if usual is not None and elapsed is not None:
        stuck = elapsed > max(STUCK_FACTOR * usual, usual + STUCK_MARGIN)
    if stalled_for is not None and stalled_for >= max(STALL_MIN, (usual or 0.0) / 2):
        stuck = True
    if elapsed is None and usual is None and remaining is None:
        return None
    return Eta(elapsed, usual, remaining, overdue, stuck, "service" if from_zero else "first_seen")
