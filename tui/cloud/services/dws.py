"""DWS: GET /v1.0/{project_id}/job/{job_id} → Snapshot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tui.cloud.services.common import parse_percent, raw_text, text_or_none
from tui.model import Phase, TaskRef
from tui.outcome import Outcome

PHASES = {
    "INIT": Phase.PENDING,
    "WAITING": Phase.PENDING,
    "DELAY_SCHEDULED": Phase.PENDING,
    "RUNNING": Phase.RUNNING,
    "SUCCESS": Phase.SUCCEEDED,
    "FAIL": Phase.FAILED,
    # Not in the API table, but the Terraform provider treats it as a failure.
    "ERROR": Phase.FAILED,
    "STOP": Phase.STOPPED,
}

_DEFAULT_MESSAGES = {
    Phase.PENDING: "not started yet",
    Phase.RUNNING: "running",
    Phase.SUCCEEDED: "job succeeded",
    Phase.FAILED: "job failed",
    Phase.STOPPED: "job stopped",
}


def path(ref: TaskRef) -> str:
    project_id, job_id = ref.path_ids
    return f"/v1.0/{project_id}/job/{job_id}"


def interpret(ref: TaskRef, data: dict[str, Any]) -> tuple[Phase, float | None, str, str | None]:
    """(phase, progress, message, raw_status) from a decoded job answer."""
    raw = data.get("status")
    key = raw.strip().upper() if isinstance(raw, str) else None
    phase = PHASES.get(key, Phase.UNKNOWN) if key else Phase.UNKNOWN
    progress = parse_percent(data.get("progress"))
    name = text_or_none(data.get("job_name"), 200)
    if phase is Phase.FAILED:
        message = text_or_none(data.get("failed_detail")) or text_or_none(data.get("failed_code"))
    elif phase is Phase.UNKNOWN:
        message = f"unrecognised status {raw_text(raw)}" if raw is not None else "no status in the answer"
    else:
        message = None
    message = message or name or _DEFAULT_MESSAGES.get(phase, "")
    return phase, progress, message, raw_text(raw)


def _job_time(value: Any) -> datetime | None:
    """A DWS job time ("2022-11-09T20:25:00", no zone: read as UTC); None when empty or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def facts(phase: Phase, data: dict[str, Any], now: datetime) -> tuple[datetime | None, Outcome | None]:
    """(start, outcome) from the job answer itself: DWS needs no extra request for them.

    The start is dropped when it lies in the future (a zone other than UTC would put it there);
    the duration is end − begin, which no zone can change.
    """
    begin, end = _job_time(data.get("begin_time")), _job_time(data.get("end_time"))
    started = begin if begin is not None and begin <= now + timedelta(minutes=1) else None
    if not phase.finished:
        return started, None
    took = (end - begin).total_seconds() if begin and end and end >= begin else None
    code = text_or_none(data.get("failed_code"), 100)
    detail = text_or_none(data.get("failed_detail"), 500)
    outcome = Outcome(phase, started_at=started, duration_s=took, code=code, error=detail)
    return started, outcome
