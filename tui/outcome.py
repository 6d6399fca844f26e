"""How a finished run ended (Outcome) and one past run (Run): plain data the services fill and every front end shows."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tui.model import Phase, clean_text

__all__ = ["SEVERITIES", "Outcome", "Run", "make_run", "slot_setters", "span"]

# CodeArts Check's defect counts, most severe first (the defects-summary field is `<name>_count`).
SEVERITIES = ("critical", "major", "minor", "suggestion")
_WORDS = {Phase.SUCCEEDED: "succeeded", Phase.FAILED: "failed", Phase.STOPPED: "stopped"}


def span(secs: float | None) -> str:
    """A duration the way people say it: '45s', '6m12s', '1h05m', '2d03h'."""
    if secs is None:
        return ""
    s = int(max(0, round(secs)))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: Any, limit: int = 300) -> str | None:
    return clean_text(value, limit) or None if isinstance(value, str) else None


def newest_first(runs: Iterable[Run]) -> tuple[Run, ...]:
    """The runs by start time, the newest first (a run with no start last); equal starts keep their order."""
    return tuple(sorted(runs, key=_start_key, reverse=True))


def _start_key(run: Run) -> float:
    return run.started_at.timestamp() if run.started_at else 0.0


@dataclass(frozen=True, slots=True)  # slots: a week of runs is up to 20 per task, each kept for the ETA
class Run:
    """One past run of a task: when it started, how long it took, how it ended (a service's record or hcwatch's)."""

    phase: Phase
    duration_s: float | None = None
    started_at: datetime | None = None
    number: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The members a Run and an Outcome share, as `--json` and the state file spell them."""
        return {"phase": self.phase.value, "number": self.number, "started_at": _iso(self.started_at),
                "duration_s": self.duration_s}

    @classmethod
    def from_json(cls, data: Any) -> Run | None:
        """A Run read back (also the head of an Outcome's object); None for anything malformed."""
        if not isinstance(data, dict):
            return None
        try:
            phase = Phase(data.get("phase"))
        except ValueError:
            return None
        return cls(phase, _num(data.get("duration_s")), _time(data.get("started_at")), _text(data.get("number"), 20))


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...] | None:
    """The slot setters of a slotted dataclass with exactly these fields (None otherwise): an instance from
    object.__new__ filled through them skips the frozen __init__ (object.__setattr__ per field)."""
    if tuple(f.name for f in dataclasses.fields(cls)) != names or hasattr(cls, "__post_init__") \
            or getattr(cls, "__slots__", None) != names:
        return None
    return tuple(getattr(cls, n).__set__ for n in names)


_RUN_SLOTS = slot_setters(Run, ("phase", "duration_s", "started_at", "number"))


def make_run(phase: Phase, duration_s: float | None, started_at: datetime | None, number: str | None) -> Run:
    """Run(...) without the frozen __init__, three times faster: a load and every row's run book make many."""
    if _RUN_SLOTS is None:  # pragma: no cover - only if Run changes shape
        return Run(phase, duration_s, started_at, number)
    run = object.__new__(Run)
    set_phase, set_took, set_started, set_number = _RUN_SLOTS
    set_phase(run, phase)
    set_took(run, duration_s)
    set_started(run, started_at)
    set_number(run, number)
    return run


@dataclass(frozen=True)
class Outcome:
    """What a service says about how one run ended, beyond its phase; every field optional (None: not told).

    Build: number, start, duration, trigger, branch/commit, the failing step and its error, log lines.
    Check: defect counts by severity, the quality gate, why a run failed. DWS: duration, failed code/detail.
    """

    phase: Phase
    number: str | None = None
    started_at: datetime | None = None
    duration_s: float | None = None
    trigger: str | None = None
    branch: str | None = None
    commit: str | None = None
    step: str | None = None
    error: str | None = None
    log_lines: tuple[str, ...] = ()
    defects: tuple[tuple[str, int], ...] = ()
    total_defects: int | None = None
    gate_passed: bool | None = None
    code: str | None = None

    @property
    def run(self) -> Run:
        """This run as a Run (what the recent runs list and the ETA keep of it)."""
        return Run(self.phase, self.duration_s, self.started_at, self.number)

    def summary(self) -> str:
        """The row's message: '#118 failed in 6m12s: unit tests — 3 failed'."""
        head = f"#{self.number} " if self.number else ""
        head += _WORDS.get(self.phase, self.phase.value)
        if self.duration_s is not None:
            head += f" in {span(self.duration_s)}"
        parts: list[str] = []
        if self.defects or self.total_defects is not None:
            parts.append(self.defects_text(short=True))
        if self.gate_passed is not None:
            parts.append("gate passed" if self.gate_passed else "gate failed")
        why = " — ".join(p for p in (self.step, self.error or (self.log_lines[-1] if self.log_lines else None)) if p)
        if why:
            parts.append(why)
        elif self.code and self.phase is Phase.FAILED:
            parts.append(self.code)
        return head + (": " + " · ".join(parts) if parts else "")

    def defects_text(self, short: bool = False) -> str:
        """'56 defects (3 critical, 6 major)' (short: the two most severe kinds) or every count."""
        counts = [f"{n} {name}" for name, n in self.defects if n]
        total = self.total_defects if self.total_defects is not None else sum(n for _, n in self.defects)
        if not total and not counts:
            return "no defects"
        shown = [f"{n} {name}" for name, n in self.defects[:2] if n] if short else counts
        head = f"{total} defect{'s' if total != 1 else ''}"
        return head + (f" ({', '.join(shown)})" if shown else "")

    def to_json(self) -> dict[str, Any]:
        """The `outcome` object of `--json` (also what the state file keeps)."""
        return {
            **self.run.to_json(),
            "trigger": self.trigger,
            "branch": self.branch,
            "commit": self.commit,
            "failed_step": self.step,
            "error": self.error,
            "log_lines": list(self.log_lines),
            "defects": dict(self.defects) if self.defects else None,
            "total_defects": self.total_defects,
            "gate_passed": self.gate_passed,
            "code": self.code,
        }

    @classmethod
    def from_json(cls, data: Any) -> Outcome | None:
        """An Outcome read back from the state file; None for anything malformed."""
        run = Run.from_json(data)  # phase, number, start and duration are read as a Run's
        if run is None:
            return None
        raw_defects = data.get("defects")
        defects = tuple((k, int(v)) for k, v in raw_defects.items()
                        if k in SEVERITIES and isinstance(v, int)) if isinstance(raw_defects, dict) else ()
        lines = data.get("log_lines")
        gate = data.get("gate_passed")
        total = data.get("total_defects")
        return cls(
            phase=run.phase, number=run.number, started_at=run.started_at, duration_s=run.duration_s,
            trigger=_text(data.get("trigger")),
            branch=_text(data.get("branch")), commit=_text(data.get("commit")), step=_text(data.get("failed_step")),
            error=_text(data.get("error"), 500),
            log_lines=tuple(clean_text(x, 300) for x in lines[:20] if isinstance(x, str)) if isinstance(lines, list)
            else (),
            defects=defects, total_defects=total if isinstance(total, int) and not isinstance(total, bool) else None,
            gate_passed=gate if isinstance(gate, bool) else None, code=_text(data.get("code"), 100),
        )
