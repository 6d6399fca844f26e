"""What the credentials can see, and what a task is called: the list calls (paged, bounded, polite) and name lookups.

Build: `GET /v1/job/list?page_index=&page_size=&search=` (zero-based pages) and `GET /v1/job/{id}/config`
for one job's name. Check: `GET /v2/{codearts_project}/tasks?offset=&limit=` (a task's name is found in
its project's list; there is no by-id call that names it). DWS: the job call itself carries `job_name`;
there is no list-jobs API at all. Every field is read defensively (see API-NOTES.md).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.clock import Clock
from tui.cloud.services.common import text_or_none
from tui.errors import ApiError, UserError
from tui.model import ID_RE, ErrorKind, Phase, Service, TaskError, TaskRef, WatchedTask, plain_text

__all__ = ["DWS_HAS_NO_LIST", "Found", "Listing", "list_build_jobs", "list_check_tasks", "list_service", "task_name"]

PAGE_SIZE = 100
MAX_PAGES = 50             # 5,000 jobs: past that, --search or --project narrows it
PAGE_GAP = 0.5             # seconds between two pages: a listing never competes with polling
THROTTLE_RETRIES = 3
NAME_PAGES = 10            # a Check task's name is looked for in at most this many pages of its project

DWS_HAS_NO_LIST = ("DWS has no API that lists jobs: add a DWS job by its id (dws:PROJECT/JOB_ID), "
                   "or paste a console URL that carries job_id")

# (profile, service, path, query) → the decoded JSON object; raises ApiError, or UserError (credentials).
Get = Callable[[str, str, str, Mapping[str, str | int] | None], Awaitable[dict[str, Any]]]

# last_build_status of the Build list (values seen live, API-NOTES.md), upper-cased.
BUILD_STATES = {
    "SUCCESS": Phase.SUCCEEDED, "FAILURE": Phase.FAILED, "FAILED": Phase.FAILED, "SCHEDULE_FAILURE": Phase.FAILED,
    "ABORTED": Phase.STOPPED, "RUNNING": Phase.RUNNING, "INQUEUE": Phase.PENDING, "QUEUED": Phase.PENDING,
}


@dataclass(frozen=True)
class Found:
    """One job or task a list call showed, with its last status in words."""

    ref: TaskRef
    name: str
    codearts_project: str | None = None
    project_name: str | None = None
    phase: Phase | None = None     # None: the list does not say (Check lists give only the last check's time)
    status: str = ""               # the service's own words ("SUCCESS", "last checked 2026-…")
    last_time: str | None = None

    def words(self, year: int | None = None) -> str:
        """The last status as a table or list shows it: "● running", or "checked 12-02 05:33:42 (main)".

        A Check task's long "last checked 2026-12-02T05:33:42 (main)" lost its seconds and branch
        in the 30 columns it gets at 80; the year is said only when it is not `year`. `--json`
        keeps the service's own words.
        """
        if self.phase:
            return f"{self.phase.glyph} {self.phase.value}"
        long = f"last checked {self.last_time}"
        if not self.last_time or not self.status.startswith(long):
            return self.status
        try:
            at = datetime.fromisoformat(self.last_time.replace("Z", "+00:00"))
        except ValueError:
            return self.status
        when = f"{at:%m-%d %H:%M:%S}" if at.year == (year or datetime.now().year) else f"{at:%Y-%m-%d %H:%M}"
        return f"checked {when}" + self.status[len(long):]

    def to_json(self, profile: str) -> dict[str, Any]:
        """One line of `discover --json`."""
        return {"ref": str(self.ref), "service": self.ref.service.value, "name": self.name, "profile": profile,
                "codearts_project": self.codearts_project, "project_name": self.project_name,
                "phase": self.phase.value if self.phase else None, "status": self.status,
                "last_time": self.last_time}


@dataclass
class Listing:
    """What a list call gave, page by page until the end or the bound."""

    items: list[Found] = field(default_factory=list)
    total: int | None = None       # what the service says it has
    pages: int = 0
    truncated: bool = False        # stopped at MAX_PAGES before the end
    year: int | None = None        # the listing's year by the clock: its times are shown without it (Found.words)


def _ident(value: Any) -> str | None:
    """An id from a list answer, when it is one we can put in a REF."""
    text = value if isinstance(value, str) else None
    return text if text and ID_RE.fullmatch(text) else None


def _total(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


async def _get_patiently(get: Get, clock: Clock, profile: str, service: str, path: str,
                         params: Mapping[str, str | int]) -> dict[str, Any]:
    """One page; a throttled answer waits (Retry-After, else 5 s) and tries again a few times."""
    for attempt in range(THROTTLE_RETRIES + 1):
        try:
            return await get(profile, service, path, params)
        except ApiError as exc:
            if exc.error.kind is not ErrorKind.THROTTLED or attempt == THROTTLE_RETRIES:
                raise
            await clock.sleep(min(60.0, exc.error.retry_after or 5.0))
    raise AssertionError("unreachable")


async def _pages(get: Get, clock: Clock, profile: str, service: str, path: str,
                 query: Callable[[int], dict[str, str | int]],
                 rows: Callable[[dict[str, Any]], tuple[list[Any], int | None]],
                 max_pages: int | None = None) -> tuple[list[Any], int | None, int, bool]:
    """Every row of a paged list: (rows, total, pages read, truncated)."""
    max_pages = MAX_PAGES if max_pages is None else max_pages
    found: list[Any] = []
    total: int | None = None
    for page in range(max_pages):
        if page:
            await clock.sleep(PAGE_GAP)
        batch, total = rows(await _get_patiently(get, clock, profile, service, path, query(page)))
        found.extend(batch)
        if len(batch) < PAGE_SIZE or (total is not None and len(found) >= total):
            return found, total, page + 1, False
    return found, total, max_pages, True


def _build_rows(data: dict[str, Any]) -> tuple[list[Any], int | None]:
    status = data.get("status")
    if isinstance(status, str) and status.strip().lower() not in ("success", ""):
        raw_err = data.get("error")
        err: dict[str, Any] = raw_err if isinstance(raw_err, dict) else {}
        said = plain_text(err.get("error_msg") or err.get("message") or "the list call failed", 200)
        raise ApiError(TaskError(ErrorKind.BAD_RESPONSE, said, code=text_or_none(err.get("error_code"), 40)))
    inner = data.get("result")
    result: dict[str, Any] = inner if isinstance(inner, dict) else data
    jobs = result.get("job_list")
    return (jobs if isinstance(jobs, list) else []), _total(result.get("total"))


def _build_found(row: Any) -> Found | None:
    if not isinstance(row, dict):
        return None
    job_id = _ident(row.get("id") or row.get("job_id"))
    if job_id is None:
        return None
    raw = text_or_none(row.get("last_build_status"), 40) or ""
    phase = BUILD_STATES.get(raw.upper().replace(" ", "_"))
    running = text_or_none(row.get("last_job_running_status"), 40) or ""
    if phase is None and (running.lower() == "running" or row.get("is_finished") is False):
        phase = Phase.RUNNING
    if phase is None and not raw:
        phase = Phase.IDLE  # not running, no last outcome (never built)
    return Found(TaskRef(Service.BUILD, job_id), text_or_none(row.get("job_name"), 200) or job_id,
                 _ident(row.get("project_id")), text_or_none(row.get("project_name"), 200), phase,
                 raw or running, _when(row.get("last_build_time")))


def _when(value: Any) -> str | None:
    """A time from a list answer as ISO 8601: epoch milliseconds (Build) are converted, text is kept."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1e11 < value < 1e14:
        moment = datetime.fromtimestamp(value / 1000, UTC).replace(microsecond=0)
        return moment.isoformat().replace("+00:00", "Z")
    return text_or_none(value, 40)


async def list_build_jobs(get: Get, clock: Clock, profile: str, *, search: str | None = None,
                          project: str | None = None) -> Listing:
    """Every Build job the profile can see (optionally of one CodeArts project, or matching `search`)."""
    def query(page: int) -> dict[str, str | int]:
        return {"page_index": page, "page_size": PAGE_SIZE, "search": search or ""}

    rows, total, pages, truncated = await _pages(get, clock, profile, "build", "/v1/job/list", query, _build_rows)
    items = [f for f in map(_build_found, rows) if f is not None]
    if project:
        items = [f for f in items if f.codearts_project == project]
    return Listing(_matching(items, search), total, pages, truncated)


def _check_rows(data: dict[str, Any]) -> tuple[list[Any], int | None]:
    tasks = data.get("tasks")
    return (tasks if isinstance(tasks, list) else []), _total(data.get("total"))


def _check_found(row: Any, project: str) -> Found | None:
    if not isinstance(row, dict):
        return None
    task_id = _ident(row.get("task_id") or row.get("id"))
    if task_id is None:
        return None
    last = text_or_none(row.get("last_check_time"), 40)
    branch = text_or_none(row.get("git_branch"), 80)
    words = f"last checked {last}" if last else "never checked"
    status = words + (f" ({branch})" if branch else "")
    return Found(TaskRef(Service.CHECK, task_id), text_or_none(row.get("task_name"), 200) or task_id, project,
                 None, None, status, last)


async def list_check_tasks(get: Get, clock: Clock, profile: str, project: str, *,
                           search: str | None = None) -> Listing:
    """Every Check task of one CodeArts project."""
    path = f"/v2/{urllib.parse.quote(project, safe='')}/tasks"

    def query(page: int) -> dict[str, str | int]:
        return {"offset": page * PAGE_SIZE, "limit": PAGE_SIZE}

    rows, total, pages, truncated = await _pages(get, clock, profile, "check", path, query, _check_rows)
    items = [f for f in (_check_found(r, project) for r in rows) if f is not None]
    return Listing(_matching(items, search), total, pages, truncated)


async def list_service(get: Get, clock: Clock, service: str, profile: str, *, project: str | None = None,
                       search: str | None = None, known_projects: tuple[str, ...] = ()) -> Listing:
    """`discover` and the add dialog's browse mode: Build jobs, or the Check tasks of the CodeArts projects
    given, else known (the watch list's), else named by the Build jobs' list. UserError for DWS (no list API)."""
    listing = await _list(get, clock, service, profile, project, search, known_projects)
    listing.year = clock.now().year
    return listing


async def _list(get: Get, clock: Clock, service: str, profile: str, project: str | None, search: str | None,
                known_projects: tuple[str, ...]) -> Listing:
    if service == Service.DWS.value:
        raise UserError(DWS_HAS_NO_LIST)
    if service == Service.BUILD.value:
        return await list_build_jobs(get, clock, profile, search=search, project=project)
    projects = [project] if project else list(dict.fromkeys(known_projects))
    if not projects:  # the Build list names the projects this account works in
        jobs = (await list_build_jobs(get, clock, profile)).items
        projects = list(dict.fromkeys(f.codearts_project for f in jobs if f.codearts_project))
    if not projects:
        raise UserError("no CodeArts project known to list Check tasks from: give --project P "
                        "(the id after /project/ in a console URL)")
    out = Listing()
    for one in projects:
        part = await list_check_tasks(get, clock, profile, one, search=search)
        out.items += part.items
        out.total = (out.total or 0) + (part.total if part.total is not None else len(part.items))
        out.pages += part.pages
        out.truncated = out.truncated or part.truncated
    return out


def _matching(items: list[Found], search: str | None) -> list[Found]:
    """The items whose name or id holds `search` (case-insensitive); the server's own search may be looser."""
    if not search:
        return items
    needle = search.strip().casefold()
    return [f for f in items if needle in f.name.casefold() or needle in f.ref.task_id.casefold()]


# The words of a Check task not found in its CodeArts project's list (tui.naming words what `add` says then).
NOT_LISTED = "is not among the Check tasks of project"


async def task_name(get: Get, clock: Clock, task: WatchedTask) -> str | None:
    """The task's own name from its service (one call; a Check task's needs its CodeArts project)."""
    ref, profile = task.ref, task.profile
    quoted = urllib.parse.quote(ref.task_id, safe="")
    if ref.service is Service.BUILD:
        data = await get(profile, "build", f"/v1/job/{quoted}/config", None)
        inner = data.get("result")
        result: dict[str, Any] = inner if isinstance(inner, dict) else data
        return text_or_none(result.get("job_name"), 200)
    if ref.service is Service.DWS:
        if not ref.project_id:
            raise UserError(f"{ref} has no project id to look its name up with")
        project = urllib.parse.quote(ref.project_id, safe="")
        data = await get(profile, "dws", f"/v1.0/{project}/job/{quoted}", None)
        return text_or_none(data.get("job_name"), 200)
    if not task.codearts_project:
        raise UserError("a Check task's name is only listed in its CodeArts project: add it by its console URL "
                        "(…/codecheck/project/PROJECT/codecheck/task/ID/detail) or give --name")
    path = f"/v2/{urllib.parse.quote(task.codearts_project, safe='')}/tasks"
    for page in range(NAME_PAGES):
        if page:
            await clock.sleep(PAGE_GAP)
        rows, _ = _check_rows(await get(profile, "check", path, {"offset": page * PAGE_SIZE, "limit": PAGE_SIZE}))
        for row in rows:
            found = _check_found(row, task.codearts_project)
            if found is not None and found.ref.task_id == ref.task_id:
                return found.name
        if len(rows) < PAGE_SIZE:
            break
    raise UserError(f"{ref} {NOT_LISTED} {task.codearts_project}")
