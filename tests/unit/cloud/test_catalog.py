"""The list calls and name lookups: paged to the end, bounded, polite, and defensive about what comes back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tui.clock import FakeClock
from tui.cloud import catalog
from tui.errors import ApiError, UserError
from tui.model import ErrorKind, Phase, Service, TaskError, TaskRef, WatchedTask


class AutoClock(FakeClock):
    """A FakeClock whose sleeps pass at once (moving the clock), so waits show in the times and cost nothing."""

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


def job(i: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"{i:032x}", "job_name": f"job {i}", "project_id": "p1", "project_name": "Team",
            "last_build_status": "SUCCESS", "is_finished": True, **extra}


class FakeCloud:
    """Answers list calls from a fixed set of rows, recording every call and the clock at it."""

    def __init__(self, jobs: list[dict[str, Any]] | None = None, tasks: list[dict[str, Any]] | None = None,
                 clock: FakeClock | None = None) -> None:
        self.jobs = jobs or []
        self.tasks = tasks or []
        self.clock = clock or AutoClock()
        self.calls: list[tuple[str, str, dict, float]] = []
        self.fail_with: list[ApiError] = []

    async def get(self, profile: str, service: str, path: str, params: Any) -> dict[str, Any]:
        self.calls.append((service, path, dict(params or {}), self.clock.monotonic()))
        if self.fail_with:
            raise self.fail_with.pop(0)
        if path == "/v1/job/list":
            size, index = params["page_size"], params["page_index"]
            page = self.jobs[index * size:(index + 1) * size]
            return {"result": {"job_list": page, "total": len(self.jobs)}, "error": None, "status": "success"}
        if path.endswith("/config"):
            return {"result": {"job_name": "the real job name"}, "error": None, "status": "success"}
        if path.startswith("/v1.0/"):
            return {"status": "RUNNING", "job_name": "expandClusterJob"}
        offset, limit = params["offset"], params["limit"]
        return {"tasks": self.tasks[offset:offset + limit], "total": len(self.tasks)}


async def test_build_jobs_are_paged_to_the_end_with_a_pause_between_pages():
    cloud = FakeCloud([job(i) for i in range(250)])
    listing = await catalog.list_build_jobs(cloud.get, cloud.clock, "default")
    assert len(listing.items) == 250 and listing.total == 250 and listing.pages == 3 and not listing.truncated
    assert [c[2]["page_index"] for c in cloud.calls] == [0, 1, 2]  # zero-based, as the API wants
    times = [c[3] for c in cloud.calls]
    assert all(b - a >= catalog.PAGE_GAP for a, b in zip(times, times[1:], strict=False))
    first = listing.items[0]
    assert first.ref == TaskRef(Service.BUILD, f"{0:032x}") and first.name == "job 0"
    assert first.codearts_project == "p1" and first.phase is Phase.SUCCEEDED


async def test_paging_is_bounded_and_says_so(monkeypatch):
    monkeypatch.setattr(catalog, "MAX_PAGES", 2)
    cloud = FakeCloud([job(i) for i in range(500)])
    listing = await catalog.list_build_jobs(cloud.get, cloud.clock, "default")
    assert listing.truncated and len(listing.items) == 200 and len(cloud.calls) == 2


async def test_an_exact_multiple_of_the_page_size_stops_at_the_total():
    cloud = FakeCloud([job(i) for i in range(200)])
    listing = await catalog.list_build_jobs(cloud.get, cloud.clock, "default")
    assert len(listing.items) == 200 and len(cloud.calls) == 2


async def test_a_throttled_page_waits_and_is_asked_again():
    cloud = FakeCloud([job(1)])
    cloud.fail_with = [ApiError(TaskError(ErrorKind.THROTTLED, "over ratelimit", retry_after=7.0))]
    listing = await catalog.list_build_jobs(cloud.get, cloud.clock, "default")
    assert len(listing.items) == 1 and len(cloud.calls) == 2 and cloud.calls[1][3] - cloud.calls[0][3] >= 7


async def test_a_refused_list_raises_the_error_as_is():
    cloud = FakeCloud([job(1)])
    cloud.fail_with = [ApiError(TaskError(ErrorKind.AUTH, "bad token", http_status=401))]
    with pytest.raises(ApiError) as info:
        await catalog.list_build_jobs(cloud.get, cloud.clock, "default")
    assert info.value.error.kind is ErrorKind.AUTH and len(cloud.calls) == 1


@pytest.mark.parametrize("row, phase", [
    (job(1, last_build_status="FAILURE"), Phase.FAILED),
    (job(1, last_build_status="ABORTED"), Phase.STOPPED),
    (job(1, last_build_status="InQueue"), Phase.PENDING),
    (job(1, last_build_status=None, last_job_running_status="running", is_finished=False), Phase.RUNNING),
    (job(1, last_build_status=None), Phase.IDLE),
    (job(1, last_build_status="SOMETHING_NEW"), None),
])
async def test_the_last_status_of_a_job(row, phase):
    listing = await catalog.list_build_jobs(FakeCloud([row]).get, AutoClock(), "default")
    assert listing.items[0].phase is phase


async def test_rows_that_cannot_become_refs_are_left_out():
    rows = [job(1), {"id": "../etc", "job_name": "x"}, "not a row", {"job_name": "no id"}, job(2, id=None, job_id="ab")]
    listing = await catalog.list_build_jobs(FakeCloud(rows).get, AutoClock(), "default")
    assert [f.ref.task_id for f in listing.items] == [f"{1:032x}", "ab"]


async def test_search_and_project_narrow_the_list():
    rows = [job(1, job_name="api build"), job(2, job_name="web build", project_id="p2"), job(3, job_name="API nightly")]
    cloud = FakeCloud(rows)
    found = await catalog.list_build_jobs(cloud.get, cloud.clock, "default", search="api")
    assert [f.name for f in found.items] == ["api build", "API nightly"]
    assert cloud.calls[0][2]["search"] == "api"
    found = await catalog.list_build_jobs(cloud.get, cloud.clock, "default", project="p2")
    assert [f.name for f in found.items] == ["web build"]


async def test_check_tasks_of_a_project_are_paged_by_offset():
    tasks = [{"task_id": f"t{i}", "task_name": f"scan {i}", "last_check_time": "2026-01-01 10:00:00"} for i in range(130)]
    cloud = FakeCloud(tasks=tasks)
    listing = await catalog.list_check_tasks(cloud.get, cloud.clock, "default", "proj/1")
    assert len(listing.items) == 130
    assert [c[2]["offset"] for c in cloud.calls] == [0, 100]
    assert cloud.calls[0][1] == "/v2/proj%2F1/tasks"  # the project id cannot change the path
    assert listing.items[0].codearts_project == "proj/1" and "last checked" in listing.items[0].status


async def test_names_of_each_service():
    cloud = FakeCloud(tasks=[{"task_id": "t1", "task_name": "nightly scan"}])
    get, clock = cloud.get, cloud.clock
    assert await catalog.task_name(get, clock, WatchedTask(TaskRef(Service.BUILD, "j1"))) == "the real job name"
    assert await catalog.task_name(get, clock, WatchedTask(TaskRef(Service.DWS, "d1", "p"))) == "expandClusterJob"
    check = WatchedTask(TaskRef(Service.CHECK, "t1"), codearts_project="p1")
    assert await catalog.task_name(get, clock, check) == "nightly scan"


async def test_a_check_name_needs_its_project_and_says_how_to_give_it():
    with pytest.raises(UserError) as info:
        await catalog.task_name(FakeCloud().get, AutoClock(), WatchedTask(TaskRef(Service.CHECK, "t1")))
    assert "console URL" in str(info.value) and "--name" in str(info.value)
    with pytest.raises(UserError):
        await catalog.task_name(FakeCloud().get, AutoClock(), WatchedTask(TaskRef(Service.CHECK, "t9"),
                                                                           codearts_project="p1"))


@pytest.mark.parametrize("last, branch, words", [
    ("2026-12-02T05:33:42", "main", "checked 12-02 05:33:42 (main)"),
    ("2026-12-02 05:33:42Z", None, "checked 12-02 05:33:42"),
    ("2025-11-30T23:59:01", "dev", "checked 2025-11-30 23:59 (dev)"),       # another year: said, to the minute
    ("yesterday-ish", "main", "last checked yesterday-ish (main)"),          # not a time: the service's words
    (None, "main", "never checked (main)"),
])
async def test_a_check_tasks_last_status_is_short_enough_for_its_column(last, branch, words):
    cloud = FakeCloud(tasks=[{"task_id": "a" * 32, "task_name": "scan", "last_check_time": last, "git_branch": branch}])
    listing = await catalog.list_service(cloud.get, cloud.clock, "check", "default", project="proj")
    found = listing.items[0]
    assert listing.year == cloud.clock.now().year and found.words(2026) == words
    assert found.status.startswith("last checked" if last else "never")   # --json keeps the long form
