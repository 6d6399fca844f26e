"""The simulator's list calls (paged), job names and extra accounts: what discover and names are tried against."""

from __future__ import annotations

import httpx

from tui.clock import FakeClock
from tui.sim import DEMO_TOKEN, Simulator
from tui.sim.demo import DEMO_CODEARTS_PROJECT, DEMO_TOKEN_B


def client_for(sim: Simulator, token: str = DEMO_TOKEN) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="https://sim.test",
                             headers={"X-Auth-Token": token})


async def test_build_jobs_come_in_zero_based_pages_with_a_total():
    sim = Simulator(FakeClock(), demo=False)
    for i in range(23):
        sim.add_task(f"build:{i:032x}", {"result": False, "last_build_no": 1, "build_result": "SUCCESS"},
                     name=f"job {i}")
    async with client_for(sim) as c:
        pages = [(await c.get("/v1/job/list", params={"page_index": n, "page_size": 10})).json() for n in range(3)]
    assert [len(p["result"]["job_list"]) for p in pages] == [10, 10, 3]
    assert {p["result"]["total"] for p in pages} == {23} and pages[0]["status"] == "success"
    row = pages[0]["result"]["job_list"][0]
    assert row["job_name"] == "job 0" and row["project_id"] == DEMO_CODEARTS_PROJECT
    assert row["last_build_status"] == "SUCCESS" and row["is_finished"] is True


async def test_check_tasks_are_listed_per_project_by_offset():
    sim = Simulator(FakeClock(), demo=False)
    for i in range(5):
        sim.add_task(f"check:t{i}", {"task_status": 2}, name=f"scan {i}", project="p1" if i < 3 else "p2")
    async with client_for(sim) as c:
        body = (await c.get("/v2/p1/tasks", params={"offset": 1, "limit": 10})).json()
    assert body["total"] == 3 and [t["task_name"] for t in body["tasks"]] == ["scan 1", "scan 2"]


async def test_a_build_jobs_config_names_it_and_an_unknown_one_is_404():
    sim = Simulator(FakeClock(), demo=True)
    async with client_for(sim) as c:
        ok = await c.get("/v1/job/901878212b1a49be9c1a1054c272762a/config")
        gone = await c.get("/v1/job/00000000000000000000000000000000/config")
    assert ok.json()["result"]["job_name"] == "api-gateway build"
    assert gone.status_code == 404


async def test_the_demo_has_a_second_account_and_lists_need_credentials():
    sim = Simulator(FakeClock(), demo=True)
    async with client_for(sim, DEMO_TOKEN_B) as c:
        assert (await c.get("/v1/job/list")).status_code == 200
    async with client_for(sim, "nobody") as c:
        assert (await c.get("/v1/job/list")).status_code == 401
