"""CodeArts Build: GET /v3/jobs/{job_id}/status → Snapshot, plus the optional last-outcome lookup."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from tui.cloud.services import build_runs
from tui.cloud.services.common import flatten, raw_text, text_or_none
from tui.cloud.services.lookups import CACHE_SIZE, Lookup, OutcomeCache
from tui.errors import ApiError
from tui.model import ErrorKind, Phase, Snapshot, TaskRef
from tui.poll.rate_limit import current_scope, pay_for_extra_request

__all__ = ["CACHE_SIZE", "OUTCOMES", "SKIP_FOR", "OutcomeCache", "enrich", "enrich_running", "interpret", "path"]

# build-info `build_result`; only FAILURE is documented, the others are what Jenkins-style backends say.
OUTCOMES = {"SUCCESS": Phase.SUCCEEDED, "FAILURE": Phase.FAILED, "ABORTED": Phase.STOPPED}
_WORDS = {Phase.SUCCEEDED: "succeeded", Phase.FAILED: "failed", Phase.STOPPED: "stopped"}

# A build number comes from the server and goes into a URL path: digits only.
_BUILD_NO_RE = re.compile(r"[0-9]{1,12}")

# A host without the /v1 APIs (or a user without rights to them) must not cost two requests per
# poll forever: after a lasting refusal, skip the lookup for this job for a while.
SKIP_FOR = timedelta(minutes=10)
_LASTING = {ErrorKind.NOT_FOUND, ErrorKind.AUTH, ErrorKind.BAD_RESPONSE, ErrorKind.CONFIG}

GetJson = Callable[[str], Awaitable[dict[str, Any]]]


def path(ref: TaskRef) -> str:
    (job_id,) = ref.path_ids
    return f"/v3/jobs/{job_id}/status"


def running_status_path(ref: TaskRef) -> str:
    (job_id,) = ref.path_ids
    return f"/v1/job/{job_id}/running-status"


def build_info_path(ref: TaskRef, build_no: str) -> str:
    (job_id,) = ref.path_ids
    return f"/v1/job/{job_id}/{build_no}/build-info"


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def interpret(ref: TaskRef, data: dict[str, Any]) -> tuple[Phase, float | None, str, str | None]:
    """(phase, progress, message, raw_status): `result` true = running now, false = not running."""
    raw = data.get("result")
    running = _as_bool(raw)
    if running is True:
        return Phase.RUNNING, None, "build running", raw_text(raw)
    if running is False:
        return Phase.IDLE, None, "not running (last outcome unknown)", raw_text(raw)
    if "result" not in data:
        return Phase.UNKNOWN, None, "no result in the answer", None
    return Phase.UNKNOWN, None, f"unrecognised result {raw_text(raw)}", raw_text(raw)


def _result_of(data: dict[str, Any]) -> dict[str, Any] | None:
    """The `result` object of a /v1 answer when it says success; None when it is unclear."""
    status = data.get("status")
    if isinstance(status, str) and status.strip().lower() != "success":
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None


async def enrich(
    snapshot: Snapshot, endpoint: str, get_json: GetJson, now: datetime, cache: OutcomeCache | None = None
) -> Snapshot:
    """An idle Build snapshot with the last build's outcome when both /v1 calls say it clearly.

    Any failure or unclear answer leaves the snapshot idle: the outcome is a bonus, not the status.
    `cache` remembers outcomes and refusals across polls (without one, nothing is remembered).
    Each of the (up to two) extra requests takes a token from the poller's per-host rate limit
    (tui.poll.rate_limit.pay_for_extra_request), so an idle Build poll costs what it asks of the gateway.
    """
    if cache is None:
        cache = OutcomeCache()
    outcomes, skip_until = cache.outcomes, cache.skip_until
    ref = snapshot.ref
    scope = current_scope()
    profile = scope.profile if scope is not None else None
    job_key = (profile, endpoint, ref.task_id)
    until = skip_until.get(job_key)
    if until is not None and now < until:
        return snapshot
    try:
        await pay_for_extra_request()
        status = _result_of(await get_json(running_status_path(ref)))
    except ApiError as exc:
        if exc.error.kind in _LASTING:
            skip_until[job_key] = now + SKIP_FOR
            while len(skip_until) > CACHE_SIZE:
                skip_until.popitem(last=False)
        return snapshot
    skip_until.pop(job_key, None)
    if status is None:
        return snapshot
    fields = dict(snapshot.fields)
    fields.update(flatten(status, "running_status"))
    raw_no = status.get("last_build_no")
    build_no = str(raw_no).strip() if isinstance(raw_no, (str, int)) and not isinstance(raw_no, bool) else ""
    if not _BUILD_NO_RE.fullmatch(build_no):
        return replace(snapshot, fields=fields)
    last_status = text_or_none(status.get("last_build_status"), 40)
    if _as_bool(status.get("is_running")) is True or (last_status and last_status.lower() != "finished"):
        # Queued or racing with a new start: the /v3 answer said not running, so stay idle but say why.
        note = f"not running (last build #{build_no}: {last_status or 'running'})"
        return replace(snapshot, fields=fields, message=note)
    key = (profile, endpoint, ref.task_id, build_no)
    cached = outcomes.get(key)
    if cached is None:
        _forget_older_build(cache, key)
        try:
            await pay_for_extra_request()
            info = _result_of(await get_json(build_info_path(ref, build_no)))
        except ApiError:
            return replace(snapshot, fields=fields)
        if info is None or _as_bool(info.get("building")) is True:
            return replace(snapshot, fields=fields)
        result = info.get("build_result")
        phase = OUTCOMES.get(result.strip().upper()) if isinstance(result, str) else None
        if phase is None:
            return replace(snapshot, fields=fields)
        cached = (phase, flatten(info, "build_info"))
        outcomes[key] = cached
        while len(outcomes) > CACHE_SIZE:
            outcomes.popitem(last=False)
    else:
        outcomes.move_to_end(key)
    phase, info_fields = cached
    fields.update(info_fields)
    snapshot = replace(snapshot, phase=phase, fields=fields, message=f"last build #{build_no} {_WORDS[phase]}")
    found = await build_runs.finished_outcome(ref, build_no, phase, Lookup.here(get_json, now, endpoint, cache))
    if found is None:
        return snapshot
    outcome, runs = found
    return replace(snapshot, outcome=outcome, message=outcome.summary(), started_at=outcome.started_at, runs=runs)


async def enrich_running(snapshot: Snapshot, endpoint: str, get_json: GetJson, now: datetime,
                         cache: OutcomeCache) -> Snapshot:
    """A running Build snapshot with its build number, start time and the job's past runs (once per run)."""
    look = Lookup.here(get_json, now, endpoint, cache)
    found = await build_runs.running_facts(snapshot.ref, look)
    if found is None:
        return snapshot
    number, started, runs = found
    if not number:
        return replace(snapshot, started_at=started, runs=runs)
    fields = {**snapshot.fields, "build_records.running_number": number}  # the log key (L) needs it
    return replace(snapshot, started_at=started, runs=runs, message=f"build #{number} running", fields=fields)


def _forget_older_build(cache: OutcomeCache, key: tuple[str | None, str, str, str]) -> None:
    """Only a job's last build is looked up again: an older build's outcome need not stay in memory."""
    older = cache.supersede(("outcome", *key))
    if older is not None:
        cache.outcomes.pop(older[1:], None)


def new_run(cache: OutcomeCache, endpoint: str, ref: TaskRef) -> None:
    """The job is not running (any more): the next run's facts must be asked afresh."""
    scope = current_scope()
    cache.forget_run(scope.profile if scope is not None else None, endpoint, "build-running", ref.task_id)
