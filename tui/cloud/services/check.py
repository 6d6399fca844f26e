"""CodeArts Check: GET /v2/tasks/{task_id}/progress → Snapshot."""

from __future__ import annotations

from typing import Any

from tui.cloud.services.common import parse_int, parse_percent, raw_text, text_or_none
from tui.model import Phase, TaskRef

# task_status per the API docs; null means the task was never checked.
PHASES = {0: Phase.RUNNING, 1: Phase.FAILED, 2: Phase.SUCCEEDED, 3: Phase.STOPPED}

_DEFAULT_MESSAGES = {
    Phase.PENDING: "never checked",
    Phase.RUNNING: "checking",
    Phase.FAILED: "check failed",
    Phase.SUCCEEDED: "check succeeded",
    Phase.STOPPED: "check stopped",
}


def path(ref: TaskRef) -> str:
    (task_id,) = ref.path_ids
    return f"/v2/tasks/{task_id}/progress"


def interpret(ref: TaskRef, data: dict[str, Any]) -> tuple[Phase, float | None, str, str | None]:
    """(phase, progress, message, raw_status) from a decoded progress answer."""
    if "task_status" not in data:
        return Phase.UNKNOWN, None, "no task_status in the answer", None
    raw = data.get("task_status")
    if raw is None:
        phase = Phase.PENDING
    else:
        code = parse_int(raw)
        phase = PHASES.get(code, Phase.UNKNOWN) if code is not None else Phase.UNKNOWN
    progress_obj = data.get("progress")
    ratio: Any = None
    info: Any = None
    if isinstance(progress_obj, dict):
        ratio, info = progress_obj.get("ratio"), progress_obj.get("info")
    elif isinstance(progress_obj, (str, int, float)):
        ratio = progress_obj  # a bare "50%" where an object was expected
    progress = parse_percent(ratio)
    message = text_or_none(info) or _DEFAULT_MESSAGES.get(phase) or f"unrecognised task_status {raw_text(raw)}"
    return phase, progress, message, raw_text(raw)
