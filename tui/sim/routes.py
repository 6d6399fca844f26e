"""Which API a path belongs to, and the answer bodies the three services give for a task's state."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

from tui.model import Service, TaskRef
from tui.sim import demo as demo_data
from tui.sim import extras
from tui.sim.script import ScriptedTask, dws_time

# (method, pattern, route name, service); path parameters are matched on the decoded path.
ROUTES = [
    ("GET", re.compile(r"/v2/tasks/([^/]+)/progress"), "check", "check"),
    ("GET", re.compile(r"/v3/jobs/([^/]+)/status"), "build_status", "build"),
    ("GET", re.compile(r"/v1/job/([^/]+)/running-status"), "build_running", "build"),
    ("GET", re.compile(r"/v1/job/([^/]+)/([^/]+)/build-info"), "build_info", "build"),
    ("GET", re.compile(r"/v3/jobs/([^/]+)/build-info-records"), "build_records", "build"),
    ("GET", re.compile(r"/v1/log/([^/]+)/([^/]+)/analysis"), "build_analysis", "build"),
    ("GET", re.compile(r"/v1/log/([^/]+)/([^/]+)/real-time-log"), "build_log_tail", "build"),
    ("GET", re.compile(r"/v3/jobs/([^/]+)/([^/]+)/real-time-log"), "build_log", "build"),
    ("GET", re.compile(r"/v2/tasks/([^/]+)/defects-summary"), "check_defects", "check"),
    ("GET", re.compile(r"/v2/([^/]+)/tasks/([^/]+)/log-detail"), "check_log", "check"),
    ("GET", re.compile(r"/v1/job/list"), "build_list", "build"),
    ("GET", re.compile(r"/v1/job/([^/]+)/config"), "build_config", "build"),
    ("GET", re.compile(r"/v2/([^/]+)/tasks"), "check_list", "check"),
    ("GET", re.compile(r"/v1\.0/([^/]+)/job/([^/]+)"), "dws", "dws"),
    ("POST", re.compile(r"/v3/auth/tokens"), "iam_token", "iam"),
    ("GET", re.compile(r"/v3/projects"), "iam_projects", "iam"),
]
LISTS = ("build_list", "check_list")  # answered from every task, not one task's state
PAGE_MAX = 100
DWS_ORDER = ["status", "progress", "job_id", "job_name", "begin_time", "end_time", "failed_code", "failed_detail"]


def match(method: str, path: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(route name, service, path params); the service is known even when the method is wrong."""
    path = path.rstrip("/") or "/"
    service = None
    for want, pattern, name, svc in ROUTES:
        m = pattern.fullmatch(path)
        if m:
            service = svc
            if want == method:
                return name, svc, m.groups()
    return None, service, ()


def ref_for(route: str | None, params: tuple[str, ...]) -> TaskRef | None:
    """The task a service route asks about (None for IAM and unknown routes)."""
    if route in ("check", "check_defects"):
        return TaskRef(Service.CHECK, params[0])
    if route == "check_log":
        return TaskRef(Service.CHECK, params[1])
    if route in ("build_status", "build_running", "build_info", "build_config", *(r for r in _EXTRAS if
                                                                                  r.startswith("build_"))):
        return TaskRef(Service.BUILD, params[0])
    if route == "dws":
        return TaskRef(Service.DWS, params[1], params[0])
    return None


_EXTRAS: dict[str, Callable[[ScriptedTask, tuple[str, ...], dict[str, str], float], tuple[int, Any]]] = {
    "build_records": lambda t, p, q, now: extras.records(t, now),
    "build_analysis": lambda t, p, q, now: extras.analysis(t, p[1], now),
    "build_log_tail": lambda t, p, q, now: extras.log_tail(t, p[1], q, now),
    "build_log": lambda t, p, q, now: extras.log_part(t, p[1], q, now),
    "check_defects": lambda t, p, q, now: extras.defects(t, now),
    "check_log": lambda t, p, q, now: extras.log_detail(t, now),
}


def _wrapped(result: Any) -> dict[str, Any]:
    """The /v1 Build APIs wrap their result with a status word on top of the HTTP code."""
    return {"result": result, "error": None, "status": "success"}


def payload(route: str, ref: TaskRef, task: ScriptedTask, params: tuple[str, ...], now: float,
            query: dict[str, str] | None = None) -> tuple[int, Any]:
    """(HTTP status, JSON body) for a known task."""
    query = query or {}
    if route in _EXTRAS:
        return _EXTRAS[route](task, params, query, now)
    state = task.state_at(now)
    if route == "build_running":
        running = state.get("result") is True
        number = state.get("last_build_no")
        default = None if number is None else ("Running" if running else "Finished")
        return 200, _wrapped({
            "last_job_id": ref.task_id,
            "last_build_no": number,
            "last_build_status": state.get("last_build_status", default),
            "is_running": running,
        })
    if route == "build_config":
        return 200, _wrapped({"id": ref.task_id, "job_name": task.name or f"job-{ref.task_id[:8]}",
                              "project_id": task.project})
    if route == "build_info":
        found = task.build_result(now, params[1])
        if found is None:
            return 404, {"error_code": "CB.00060201", "error_msg": "The build record does not exist."}
        building, outcome = found
        region = state.get("region", "cn-north-4")
        return 200, _wrapped({"building": building, "build_result": outcome, "region": region})
    if "_body" in state:  # a test wants an exact (perhaps odd) answer
        return 200, state["_body"]
    if route == "build_status":
        return 200, {"result": state.get("result")}
    public = {k: v for k, v in state.items() if not k.startswith("_")}
    if route == "check":
        return 200, public
    body = {k: public[k] for k in DWS_ORDER if k in public}  # the seed's field order, extras after
    body.update({k: v for k, v in public.items() if k not in body})
    return 200, body


def _int(params: dict[str, str], key: str, default: int) -> int:
    try:
        return max(0, int(params.get(key, default)))
    except ValueError:
        return default


def listing(route: str, path_params: tuple[str, ...], query: bytes, tasks: Iterable[ScriptedTask],
            now: float) -> tuple[int, Any]:
    """(HTTP status, JSON body) of a list call: Build's zero-based pages, Check's offset/limit of one project."""
    params = dict(urllib.parse.parse_qsl(query.decode("latin-1")))
    if route == "build_list":
        search = params.get("search", "").lower()
        jobs = [t for t in tasks if t.ref.service is Service.BUILD and search in (t.name or "").lower()]
        size = min(PAGE_MAX, _int(params, "page_size", 10)) or 10
        start = _int(params, "page_index", 0) * size
        rows = []
        for t in jobs[start:start + size]:
            state = t.state_at(now)
            running = state.get("result") is True
            rows.append({
                "id": t.ref.task_id, "job_name": t.name or f"job-{t.ref.task_id[:8]}", "project_id": t.project,
                "project_name": demo_data.DEMO_CODEARTS_PROJECT_NAME, "is_finished": not running,
                "last_build_status": "RUNNING" if running else state.get("build_result"),
                "last_job_running_status": "running" if running else "finished",
                "last_build_time": int(t.added * 1000),
            })
        return 200, _wrapped({"job_list": rows, "total": len(jobs)})
    project = path_params[0]
    checks = [t for t in tasks if t.ref.service is Service.CHECK and t.project == project]
    limit = min(PAGE_MAX, _int(params, "limit", 10)) or 10
    offset = _int(params, "offset", 0)
    rows = []
    for t in checks[offset:offset + limit]:
        checked = t.state_at(now).get("task_status") is not None
        rows.append({"task_id": t.ref.task_id, "task_name": t.name or f"task-{t.ref.task_id[:8]}",
                     "git_url": f"https://codehub.example/{(t.name or 'repo').split()[0]}.git", "git_branch": "main",
                     "last_check_time": dws_time(t.added) if checked else None})
    return 200, {"tasks": rows, "total": len(checks)}
