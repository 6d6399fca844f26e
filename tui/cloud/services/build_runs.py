"""CodeArts Build beyond the status: build records (start, duration, trigger, past runs), failure analysis, log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.cloud.services.common import text_or_none
from tui.cloud.services.lookups import Lookup, Refused, result_of
from tui.model import Phase, TaskRef, clean_text
from tui.outcome import Outcome, Run

# build-info-records `state` values seen live, and what they mean.
STATES = {"SUCCESS": Phase.SUCCEEDED, "FAILURE": Phase.FAILED, "FAILED": Phase.FAILED, "ABORTED": Phase.STOPPED,
          "SCHEDULE_FAILURE": Phase.FAILED, "RUNNING": Phase.RUNNING, "INQUEUE": Phase.PENDING}
RECORDS = 20            # build records asked for (the ETA uses the last few successful ones)
WINDOW = timedelta(days=30)  # the API refuses a window over 31 days (CB.00031105)
LOG_TAIL_LINES = 200    # the lines asked for when looking for a failed build's last error lines
ERROR_LINES = 3         # error lines kept in an outcome
_ERROR_RE = re.compile(r"\b(error|fail(ed|ure)?|fatal|exception)\b", re.IGNORECASE)


def records_path(ref: TaskRef, now: datetime) -> str:
    (job_id,) = ref.path_ids
    fmt = "%Y-%m-%d+%H:%M:%S"  # yyyy-MM-dd HH:mm:ss, the space as + in a query
    start, end = (now - WINDOW).astimezone(UTC).strftime(fmt), now.astimezone(UTC).strftime(fmt)
    return f"/v3/jobs/{job_id}/build-info-records?start_time={start}&end_time={end}&page_index=1&page_size={RECORDS}"


def analysis_path(ref: TaskRef, build_no: str) -> str:
    (job_id,) = ref.path_ids
    return f"/v1/log/{job_id}/{build_no}/analysis"


def tail_path(ref: TaskRef, build_no: str, lines: int = LOG_TAIL_LINES) -> str:
    (job_id,) = ref.path_ids
    return f"/v1/log/{job_id}/{build_no}/real-time-log?sort=DESC&size={lines}"


def log_path(ref: TaskRef, build_no: str, offset: int, length: int) -> str:
    (job_id,) = ref.path_ids
    return f"/v3/jobs/{job_id}/{build_no}/real-time-log?offset={offset}&length={length}"


def _ms_time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        ms = float(value)
    except ValueError:
        return None
    if not 0 < ms < 1e14:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ms(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        ms = float(value)
    except ValueError:
        return None
    return ms / 1000 if 0 <= ms < 1e12 else None


def _number(value: Any) -> str | None:
    text = text_or_none(value, 20) if not isinstance(value, bool) else None
    return text if text and text.isdigit() else None


def parse_records(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The build records of a build-info-records answer, newest first, each with `number`, `phase`, … (or [])."""
    result = result_of(data) if data is not None and "result" in data else data
    states = result.get("job_build_states") if isinstance(result, dict) else None
    if not isinstance(states, list):
        return []
    out = []
    for item in states[:100]:
        if not isinstance(item, dict):
            continue
        raw = text_or_none(item.get("state") or item.get("job_running_status"), 40)
        out.append({
            "number": _number(item.get("number") if item.get("number") is not None else item.get("build_number")),
            "phase": STATES.get((raw or "").upper().replace(" ", "_")),
            "started_at": _ms_time(item.get("start_time")),
            "duration_s": _ms(item.get("cost_time") if item.get("cost_time") is not None else item.get("build_time")),
            "trigger": text_or_none(item.get("trigger_type"), 60),
            "executor": text_or_none(item.get("executor"), 60),
            "branch": text_or_none(item.get("code_branch"), 120),
            "commit": text_or_none(item.get("commit_id"), 64),
        })
    out.sort(key=lambda r: int(str(r["number"])) if r["number"] else -1, reverse=True)
    return out


def runs_of(records: list[dict[str, Any]]) -> tuple[Run, ...]:
    """The finished builds among the records, as Runs (what "usually takes" is made of)."""
    return tuple(Run(r["phase"], r["duration_s"], r["started_at"], r["number"])
                 for r in records if r["phase"] is not None and r["phase"].finished)


async def records(ref: TaskRef, look: Lookup) -> list[dict[str, Any]] | None:
    """The job's recent build records; None when they could not be read (False when refused)."""
    data = await look.ask("build.records", records_path(ref, look.now))
    return None if data is None else parse_records(data)


def _error_lines(text: str) -> tuple[str, ...]:
    lines = [clean_text(line, 300) for line in text.splitlines()]
    return tuple([line for line in lines if line and _ERROR_RE.search(line)][-ERROR_LINES:])


def _log_text(result: dict[str, Any] | None) -> str:
    if result is None:
        return ""
    content = result.get("content") if "content" in result else result.get("log")
    if isinstance(content, list):
        return "\n".join(str(x) for x in content if isinstance(x, (str, int, float)))
    return content if isinstance(content, str) else ""


async def why_failed(ref: TaskRef, build_no: str, look: Lookup) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(failing step, its error, last error lines of the log) of a failed build, each None/() when not told."""
    step = error = None
    lines: tuple[str, ...] = ()
    try:
        analysis = result_of(await look.ask("build.analysis", analysis_path(ref, build_no)))
    except Refused:
        analysis = None
    nodes = analysis.get("error_nodes") if analysis else None
    if isinstance(nodes, list):
        for node in nodes:
            if not isinstance(node, dict):
                continue
            raw_info = node.get("error_info")
            info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
            step = text_or_none(node.get("step"), 80)
            error = text_or_none(info.get("error_message"), 300) or text_or_none(info.get("error_code"), 60)
            if step or error:
                break
    if error is None:
        try:
            tail = result_of(await look.ask("build.log", tail_path(ref, build_no)))
        except Refused:
            tail = None
        lines = _error_lines(_log_text(tail))
    return step, error, lines


async def finished_outcome(ref: TaskRef, build_no: str, phase: Phase, look: Lookup
                           ) -> tuple[Outcome, tuple[Run, ...]] | None:
    """The outcome of one finished build and the job's past runs, asked once per build (memo)."""

    async def compute() -> tuple[Outcome, tuple[Run, ...]] | None:
        recs = await records(ref, look)
        mine = next((r for r in recs or [] if r["number"] == build_no), None) or {}
        step, error, lines = (None, None, ()) if phase is not Phase.FAILED else await why_failed(ref, build_no, look)
        outcome = Outcome(phase, number=build_no, started_at=mine.get("started_at"), duration_s=mine.get("duration_s"),
                          trigger=_trigger(mine), branch=mine.get("branch"), commit=mine.get("commit"),
                          step=step, error=error, log_lines=lines)
        if recs is None and not (step or error or lines):
            return None  # nothing learnt: try again later (a bare outcome is shown meanwhile)
        return outcome, runs_of(recs or [])

    found = await look.once(("build", ref.task_id, build_no), compute, numbered=True)
    return found or None


async def running_facts(ref: TaskRef, look: Lookup) -> tuple[str | None, datetime | None, tuple[Run, ...]] | None:
    """(number, start, past runs) of the build running now, asked once per run (memo until it stops)."""

    async def compute() -> tuple[str | None, datetime | None, tuple[Run, ...]] | None:
        recs = await records(ref, look)
        if recs is None:
            return None
        current = next((r for r in recs if r["phase"] in (Phase.RUNNING, Phase.PENDING)), None) or {}
        return current.get("number"), current.get("started_at"), runs_of(recs)

    found = await look.once(("build-running", ref.task_id), compute)
    return found or None


def _trigger(record: dict[str, Any]) -> str | None:
    who, what = record.get("executor"), record.get("trigger")
    return " by ".join(x for x in (what, who) if x) or None
