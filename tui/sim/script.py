"""Scripted tasks: raw API states over time, with smooth progress ramps and optional looping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.model import Service, TaskRef

# DWS statuses that mean "not started yet": begin_time stays empty while the job sits in them.
DWS_PENDING = {"INIT", "WAITING", "DELAY_SCHEDULED"}
DWS_TERMINAL = {"SUCCESS", "FAIL", "STOP", "ERROR"}


@dataclass(frozen=True)
class Ramp:
    """A percentage that moves linearly from `start` to `end` between its step and the next one."""

    start: float
    end: float

    def at(self, fraction: float) -> str:
        value = self.start + (self.end - self.start) * min(1.0, max(0.0, fraction))
        return f"{int(value)}%"


def _resolve(value: Any, fraction: float) -> Any:
    """Replace every Ramp inside a (nested) state by its current text."""
    if isinstance(value, Ramp):
        return value.at(fraction)
    if isinstance(value, dict):
        return {k: _resolve(v, fraction) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, fraction) for v in value]
    return value


def dws_time(epoch: float) -> str:
    """DWS job times as the seed shows them: no time zone (we use UTC), second precision."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class ScriptedTask:
    """One task's raw states: `script` is [(seconds after `added`, state)], first state holds from the start."""

    ref: TaskRef
    script: list[tuple[float, dict[str, Any]]]
    added: float
    name: str | None = None
    loop: float | None = None  # seconds; the script repeats with this period (Check/Build re-runs)
    project: str | None = None  # the CodeArts project a Check task or Build job is listed under
    _build_span: int = field(init=False, default=1)

    def __post_init__(self) -> None:
        if not self.script:
            raise ValueError("a scripted task needs at least one state")
        self.script = sorted(self.script, key=lambda step: step[0])
        if self.loop is not None and self.loop <= self.script[-1][0]:
            raise ValueError("loop period must be longer than the script's last step time")
        # Each loop cycle re-runs the builds that run in it, so build numbers move on by their count.
        running = {s.get("last_build_no") for _, s in self.script if s.get("result") is True}
        self._build_span = max(1, len(running - {None}))

    def _locate(self, elapsed: float) -> tuple[int, int, float]:
        """(cycle, step index, seconds since the start of that cycle) for a time since `added`."""
        cycle, local = 0, elapsed
        if self.loop:
            cycle, local = int(elapsed // self.loop), elapsed % self.loop
        idx = -1
        for i, (t, _) in enumerate(self.script):
            if t <= local:
                idx = i
        if idx < 0:
            if cycle > 0:  # before this cycle's first step: the previous cycle's last state holds
                return cycle - 1, len(self.script) - 1, local + self.loop  # type: ignore[operator]
            return 0, 0, local
        return cycle, idx, local

    def _next_time(self, idx: int) -> float | None:
        if idx + 1 < len(self.script):
            return self.script[idx + 1][0]
        if self.loop:
            return self.loop + self.script[0][0]
        return None

    def _build_no(self, state: dict[str, Any], cycle: int) -> str | None:
        number = state.get("last_build_no")
        if number is None:
            return None
        try:
            return str(int(number) + cycle * self._build_span)
        except (TypeError, ValueError):
            return str(number)  # a script may use odd values on purpose

    def build_number(self, state: dict[str, Any], cycle: int) -> str | None:
        """The build number a script state names in a given loop cycle (numbers move on each cycle)."""
        return self._build_no(state, cycle)

    def state_at(self, now: float) -> dict[str, Any]:
        """The raw state at wall time `now`, ramps resolved, derived fields filled in."""
        cycle, idx, local = self._locate(max(0.0, now - self.added))
        t, state = self.script[idx]
        nxt = self._next_time(idx)
        fraction = 1.0 if nxt is None or nxt <= t else (local - t) / (nxt - t)
        out = _resolve(state, fraction)
        cycle_start = self.added + cycle * (self.loop or 0.0)
        if self.ref.service is Service.BUILD:
            out["last_build_no"] = self._build_no(state, cycle)
        elif self.ref.service is Service.DWS:
            self._fill_dws(out, cycle_start, idx)
        return out

    def _fill_dws(self, out: dict[str, Any], cycle_start: float, idx: int) -> None:
        """begin_time from the first step that left the queue, end_time from a terminal step."""
        out.setdefault("job_id", self.ref.task_id)
        out.setdefault("job_name", "dwsJob")
        out.setdefault("progress", "0%")
        for key in ("begin_time", "end_time"):
            if isinstance(out.get(key), (int, float)):  # relative seconds given by the script
                out[key] = dws_time(cycle_start + out[key])
        if "begin_time" not in out:
            begin = next(
                (t for t, s in self.script[: idx + 1] if s.get("status") not in DWS_PENDING), None
            )
            out["begin_time"] = "" if begin is None else dws_time(cycle_start + begin)
        if "end_time" not in out:
            status = out.get("status")
            out["end_time"] = dws_time(cycle_start + self.script[idx][0]) if status in DWS_TERMINAL else ""
        out.setdefault("failed_code", None)
        out.setdefault("failed_detail", None)

    def build_result(self, now: float, build_no: str) -> tuple[bool, str | None] | None:
        """(building, build_result) of one build number as of `now`; None if that build never happened."""
        cycle, idx, _ = self._locate(max(0.0, now - self.added))
        # Walk back through the script (a few cycles at most) to the latest step naming this build.
        for c in range(cycle, max(-1, cycle - 4), -1):
            last = idx if c == cycle else len(self.script) - 1
            for j in range(last, -1, -1):
                state = self.script[j][1]
                if self._build_no(state, c) == build_no:
                    running = state.get("result") is True
                    return running, None if running else state.get("build_result", "SUCCESS")
        try:
            current = int(self._build_no(self.script[idx][1], cycle) or 0)
            if 0 < int(build_no) < current:
                return False, "SUCCESS"  # older builds than the script remembers: assume they passed
        except ValueError:
            pass
        return None
