"""CodeArts Check beyond the status: defect counts and quality gate of a finished run, and why a run failed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tui.cloud.services.common import parse_int, text_or_none
from tui.cloud.services.lookups import Lookup, Refused
from tui.model import Phase, Snapshot, TaskRef
from tui.outcome import SEVERITIES, Outcome


def summary_path(ref: TaskRef) -> str:
    (task_id,) = ref.path_ids
    return f"/v2/tasks/{task_id}/defects-summary"


def log_detail_path(ref: TaskRef, project_id: str) -> str:
    (task_id,) = ref.path_ids
    return f"/v2/{project_id}/tasks/{task_id}/log-detail"


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if isinstance(value, int):
        return bool(value)
    return None


def parse_summary(data: dict[str, Any]) -> tuple[tuple[tuple[str, int], ...], int | None, bool | None]:
    """(defect counts by severity, total, quality gate passed) of a defects-summary answer."""
    counts = []
    for name in SEVERITIES:
        n = parse_int(data.get(f"{name}_count"))
        if n is not None and n >= 0:
            counts.append((name, n))
    total = parse_int(data.get("issue_count"))
    return tuple(counts), total if total is not None and total >= 0 else None, _as_bool(data.get("is_access"))


def parse_log_detail(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """(step, why) of a failed run from log-detail: the first error entry's name and its analysis or log."""
    entries = data.get("log_info")
    if not isinstance(entries, list):
        return None, None
    chosen = None
    for entry in entries[:200]:
        if isinstance(entry, dict):
            level = str(entry.get("level") or "").lower()
            if chosen is None or level in ("error", "fatal", "3"):
                chosen = entry
                if level in ("error", "fatal", "3"):
                    break
    if chosen is None:
        return None, None
    why = text_or_none(chosen.get("analysis"), 300) or text_or_none(chosen.get("log"), 300)
    return text_or_none(chosen.get("display_name"), 80), why


async def enrich(snapshot: Snapshot, look: Lookup, project_id: str | None) -> Snapshot:
    """A finished Check snapshot with its defect counts and gate (and why, on failure); once per run."""
    ref = snapshot.ref
    phase = snapshot.phase
    if phase is None or not phase.finished:
        for phase in (Phase.SUCCEEDED, Phase.FAILED):  # a new run: its result is asked afresh when it ends
            look.forget("check", ref.task_id, phase.value)
        return snapshot
    if phase is Phase.STOPPED:
        return snapshot

    async def compute() -> Outcome | None:
        data = await look.ask("check.summary", summary_path(ref))
        counts, total, gate = parse_summary(data) if data is not None else ((), None, None)
        step = why = None
        if phase is Phase.FAILED and project_id:
            try:
                detail = await look.ask("check.log", log_detail_path(ref, project_id))
            except Refused:
                detail = None
            if detail is not None:
                step, why = parse_log_detail(detail)
        if data is None and why is None:
            return None
        return Outcome(phase, defects=counts, total_defects=total, gate_passed=gate, step=step, error=why)

    outcome = await look.once(("check", ref.task_id, phase.value), compute)
    if not outcome:
        return snapshot
    return replace(snapshot, outcome=outcome, message=outcome.summary())
