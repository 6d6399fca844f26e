"""The simulated cloud: demo scripts, FakeClock-driven phases, faults, gateway auth, IAM, stats, real sockets."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import subprocess
import sys
from datetime import UTC, datetime

import httpx
import pytest

from tui.clock import FakeClock
from tui.cloud import signing
from tui.errors import UserError
from tui.sim import DEMO_PROJECT_ID, DEMO_TOKEN, FAULTS, Ramp, Simulator, running, serve

CHECK = "check:0123456789abcdef0123456789abcdef"
BUILD = "build:901878212b1a49be9c1a1054c272762a"
AK, SK = "AKEXAMPLE0000000000", "SKEXAMPLE0000000000000000000000000000000"


def url_for(ref: str) -> str:
    service, _, rest = ref.partition(":")
    if service == "check":
        return f"/v2/tasks/{rest}/progress"
    if service == "build":
        return f"/v3/jobs/{rest}/status"
    project, _, job = rest.partition("/")
    return f"/v1.0/{project}/job/{job}"


def client_for(sim: Simulator, token: str | None = DEMO_TOKEN, base: str = "https://sim.test") -> httpx.AsyncClient:
    headers = {"X-Auth-Token": token} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url=base, headers=headers)


async def phase(client: httpx.AsyncClient, ref: str) -> str:
    """The phase a client would show, by hcwatch's status mapping (Build's result:false enriched via the /v1 running-status and build-info)."""
    r = await client.get(url_for(ref))
    assert r.status_code == 200, r.text
    body = r.json()
    service, _, rest = ref.partition(":")
    if service == "check":
        return {None: "pending", 0: "running", 1: "failed", 2: "succeeded", 3: "stopped"}[body["task_status"]]
    if service == "dws":
        return {"INIT": "pending", "WAITING": "pending", "RUNNING": "running", "SUCCESS": "succeeded",
                "FAIL": "failed", "STOP": "stopped"}[body["status"]]
    if body["result"]:
        return "running"
    last = (await client.get(f"/v1/job/{rest}/running-status")).json()["result"]["last_build_no"]
    if last is None:
        return "idle"
    info = (await client.get(f"/v1/job/{rest}/{last}/build-info")).json()["result"]
    return {"SUCCESS": "succeeded", "FAILURE": "failed", "ABORTED": "stopped"}.get(info["build_result"], "idle")


async def demo_phases(sim: Simulator) -> dict[str, str]:
    async with client_for(sim) as client:
        return {ref: await phase(client, ref) for ref, _ in sim.demo_refs()}


# --- demo set ---------------------------------------------------------------------------------------

async def test_demo_covers_all_six_phases_and_realistic_refs():
    sim = Simulator(FakeClock())
    refs = sim.demo_refs()
    assert 8 <= len(refs) <= 10
    assert len({name for _, name in refs}) == len(refs)
    for ref, _ in refs:
        assert re.fullmatch(r"(check|build):[0-9a-f]{32}|dws:" + DEMO_PROJECT_ID + "/[0-9a-f]{32}", ref), ref
    assert {r.split(":")[0] for r, _ in refs} == {"check", "build", "dws"}
    phases = await demo_phases(sim)
    assert set(phases.values()) >= {"pending", "running", "succeeded", "failed", "stopped", "idle"}


async def test_demo_changes_within_the_first_minute_deterministically():
    clock = FakeClock()
    sim = Simulator(clock)
    by_name = {name: ref for ref, name in sim.demo_refs()}
    seen = [await demo_phases(sim)]
    for _ in range(6):
        clock.advance(10)
        seen.append(await demo_phases(sim))
    changed = {ref for ref in seen[0] if len({s[ref] for s in seen}) > 1}
    assert len(changed) >= 4
    assert seen[1][by_name["dws-analytics expand"]] == "pending" and seen[2][by_name["dws-analytics expand"]] == "running"
    assert seen[1][by_name["payments-service scan"]] == "running" and seen[2][by_name["payments-service scan"]] == "succeeded"
    assert seen[3][by_name["dws-prod create"]] == "running" and seen[4][by_name["dws-prod create"]] == "failed"
    assert seen[4][by_name["api-gateway build"]] == "running" and seen[5][by_name["api-gateway build"]] == "failed"
    # Same script, same clock: a second simulator tells the same story.
    clock2 = FakeClock()
    sim2 = Simulator(clock2)
    clock2.advance(60)
    assert await demo_phases(sim2) == seen[-1]


async def test_demo_progress_moves_smoothly_and_failure_has_details():
    clock = FakeClock()
    sim = Simulator(clock)
    by_name = {name: ref for ref, name in sim.demo_refs()}
    async with client_for(sim) as client:
        ratios = []
        for _ in range(4):
            body = (await client.get(url_for(by_name["payments-service scan"]))).json()
            ratios.append(int(body["progress"]["ratio"].rstrip("%")))
            clock.advance(5)
        assert ratios == sorted(ratios) and ratios[0] == 40 and ratios[-1] < 100 and len(set(ratios)) == 4
        clock.advance(30)
        dws = (await client.get(url_for(by_name["dws-prod create"]))).json()
    assert dws["status"] == "FAIL" and dws["failed_code"].endswith("DWS.0114") and dws["failed_detail"]
    assert dws["begin_time"] and dws["end_time"] and dws["job_name"] and dws["progress"].endswith("%")


async def test_demo_stays_alive_for_hours():
    clock = FakeClock()
    sim = Simulator(clock)
    clock.advance(3600)
    last, changes = await demo_phases(sim), 0
    for _ in range(60):  # the second and third hours, one look a minute
        clock.advance(120)
        now = await demo_phases(sim)
        changes += sum(now[k] != last[k] for k in now)
        last = now
    assert changes >= 20


# --- scripts ------------------------------------------------------------------------------------------

async def test_script_advances_with_the_fake_clock():
    clock = FakeClock()
    sim = Simulator(clock, demo=False)
    assert sim.demo_refs() == []
    sim.add_task(CHECK, [
        (0, {"task_status": None, "progress": None}),
        (10, {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "running"}}),
        (30, {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}}),
    ], name="mine")
    async with client_for(sim) as client:
        get = lambda: client.get(url_for(CHECK))  # noqa: E731
        assert (await get()).json() == {"task_status": None, "progress": None}
        clock.advance(10)
        assert (await get()).json()["progress"] == {"ratio": "0%", "info": "running"}
        clock.advance(10)
        assert (await get()).json()["progress"]["ratio"] == "50%"
        clock.advance(10)
        assert (await get()).json() == {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}}
        sim.set_state(CHECK, {"task_status": 3, "progress": None})
        assert (await get()).json()["task_status"] == 3


async def test_build_loop_moves_build_numbers_on():
    clock = FakeClock()
    sim = Simulator(clock, demo=False, require_auth=False)
    sim.add_task(BUILD, [(0, {"result": True, "last_build_no": 7}),
                         (10, {"result": False, "last_build_no": 7, "build_result": "ABORTED"})], loop=100)
    job = BUILD.split(":")[1]
    async with client_for(sim, token=None) as client:
        clock.advance(50)
        assert (await client.get(url_for(BUILD))).json() == {"result": False}
        status = (await client.get(f"/v1/job/{job}/running-status")).json()
        assert status["result"]["last_build_no"] == "7" and status["status"] == "success"
        info = (await client.get(f"/v1/job/{job}/7/build-info")).json()["result"]
        assert info == {"building": False, "build_result": "ABORTED", "region": "cn-north-4"}
        clock.advance(55)  # t=105: the second run
        assert (await client.get(url_for(BUILD))).json() == {"result": True}
        status = (await client.get(f"/v1/job/{job}/running-status")).json()["result"]
        assert status["last_build_no"] == "8" and status["is_running"] is True
        assert (await client.get(f"/v1/job/{job}/7/build-info")).json()["result"]["build_result"] == "ABORTED"
        assert (await client.get(f"/v1/job/{job}/8/build-info")).json()["result"]["building"] is True
        assert (await client.get(f"/v1/job/{job}/99/build-info")).status_code == 404


async def test_dws_task_scripted_without_project_answers_under_any_project():
    clock = FakeClock()
    sim = Simulator(clock, demo=False, require_auth=False)
    sim.add_task("dws:job-1", [(0, {"status": "INIT"}), (5, {"status": "RUNNING", "progress": "9%"}),
                               (9, {"status": "STOP"})])
    async with client_for(sim, token=None) as client:
        body = (await client.get("/v1.0/anyproject/job/job-1")).json()
        assert body["status"] == "INIT" and body["begin_time"] == "" and body["end_time"] == ""
        clock.advance(9)
        body = (await client.get("/v1.0/other/job/job-1")).json()
        assert body["status"] == "STOP" and body["begin_time"] < body["end_time"]
        assert datetime.fromisoformat(body["end_time"]).replace(tzinfo=UTC).timestamp() == clock.time()


async def test_unknown_tasks_and_routes_and_request_ids():
    sim = Simulator(FakeClock())
    async with client_for(sim) as client:
        answers = {
            "CC.": await client.get("/v2/tasks/nope/progress"),
            "CB.": await client.get("/v3/jobs/nope/status"),
            "DWS.": await client.get(f"/v1.0/{DEMO_PROJECT_ID}/job/nope"),
            "APIG.0101": await client.get("/v9/whatever"),
        }
        wrong_method = await client.post(url_for(BUILD))
    for prefix, r in answers.items():
        assert r.status_code == 404 and r.json()["error_code"].startswith(prefix) and r.json()["error_msg"]
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Request-Id"])
        assert r.headers["Date"] == "Thu, 01 Jan 2026 00:00:00 GMT"  # the simulator's clock, not the host's
    assert wrong_method.status_code == 404
    assert len({r.headers["X-Request-Id"] for r in answers.values()}) == 4


# --- faults -------------------------------------------------------------------------------------------

ERROR_FAULTS = [
    ("busy", "check", 400, "CC.00000000"),
    ("busy", "build", 500, "CB.00060100"),
    ("expired", "check", 401, "CC.00000003"),
    ("expired", "dws", 401, "APIG.0301"),
    ("forbidden", "check", 403, "APIG.0302"),
    ("forbidden", "dws", 403, "DWS.0015"),
    ("not_found", "check", 404, "CC."),
    ("not_found", "build", 404, "CB."),
    ("not_found", "dws", 404, "DWS.0047"),
    ("throttle", "build", 429, "APIG.0308"),
    ("server", "dws", 500, "DWS."),
    ("unavailable", "check", 503, "APIG."),
    ("gateway_timeout", "check", 504, "APIG."),
]


@pytest.mark.parametrize("fault,service,status,code", ERROR_FAULTS)
async def test_error_faults(fault, service, status, code):
    sim = Simulator(FakeClock())
    ref = next(r for r, _ in sim.demo_refs() if r.startswith(service))
    sim.inject(fault, ref=ref, count=1)
    async with client_for(sim) as client:
        r = await client.get(url_for(ref))
        assert r.status_code == status and r.json()["error_code"].startswith(code) and r.json()["error_msg"]
        assert r.headers["X-Request-Id"]
        if fault == "throttle":
            assert r.headers["Retry-After"] == "5"
        assert (await client.get(url_for(ref))).status_code == 200  # count=1 is used up


async def test_non_json_and_oversized_faults():
    sim = Simulator(FakeClock())
    async with client_for(sim) as client:
        sim.inject("bad_gateway", count=1)
        r = await client.get(url_for(BUILD))
        assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html") and b"<html>" in r.content
        sim.inject("garbage", count=1)
        r = await client.get(url_for(BUILD))
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
        sim.inject("empty", count=1)
        assert (await client.get(url_for(BUILD))).content == b""
        sim.inject("huge", count=1)
        r = await client.get(url_for(BUILD))
        assert r.status_code == 200 and len(r.content) > 1 << 20 and int(r.headers["Content-Length"]) == len(r.content)
        sim.inject("huge", count=1, size=3 << 20, chunked=True)
        r = await client.get(url_for(BUILD))  # ASGITransport buffers; over a socket this is chunked
        assert "Content-Length" not in r.headers and len(r.content) > 3 << 20


async def test_drop_is_a_transport_error_in_process():
    sim = Simulator(FakeClock())
    sim.inject("drop", ref=BUILD, count=1)
    async with client_for(sim) as client:
        with pytest.raises(httpx.TransportError) as caught:
            await client.get(url_for(BUILD))
        assert caught.value.request.url.path == url_for(BUILD)
        assert (await client.get(url_for(BUILD))).status_code == 200
    assert sim.stats.in_flight == 0 and sim.stats.recent[0]["status"] is None


async def test_fault_scope_count_service_and_clear():
    sim = Simulator(FakeClock())
    other = next(r for r, _ in sim.demo_refs() if r.startswith("check"))
    fault = sim.inject("server", ref=BUILD)
    async with client_for(sim) as client:
        for _ in range(3):
            assert (await client.get(url_for(BUILD))).status_code == 500
        assert (await client.get(url_for(other))).status_code == 200
        job = BUILD.split(":")[1]
        assert (await client.get(f"/v1/job/{job}/running-status")).status_code == 500  # same task, other route
        assert fault.hits == 4
        sim.clear_faults(BUILD)
        assert (await client.get(url_for(BUILD))).status_code == 200
        sim.inject("unavailable", service="dws")
        assert (await client.get(url_for(other))).status_code == 200
        dws = next(r for r, _ in sim.demo_refs() if r.startswith("dws"))
        assert (await client.get(url_for(dws))).status_code == 503
        sim.clear_faults()
        assert (await client.get(url_for(dws))).status_code == 200
    with pytest.raises(ValueError):
        sim.inject("meteor")
    assert "drop" in FAULTS and "latency" in FAULTS


async def test_latency_on_the_clock_and_max_concurrency():
    clock = FakeClock()
    sim = Simulator(clock)
    sim.inject("latency", seconds=2, on_clock=True)
    async with client_for(sim) as client:
        refs = [r for r, _ in sim.demo_refs()][:6]
        pending = [asyncio.create_task(client.get(url_for(r))) for r in refs]
        while sim.stats.in_flight < len(refs):
            await asyncio.sleep(0)
        assert not any(t.done() for t in pending)
        clock.advance(2)
        answers = await asyncio.gather(*pending)
    assert all(r.status_code == 200 for r in answers)
    assert sim.stats.max_in_flight == 6 and sim.stats.in_flight == 0 and sim.stats.requests == 6


async def test_counted_fault_is_used_once_by_concurrent_requests():
    clock = FakeClock()
    sim = Simulator(clock)
    sim.inject("latency", seconds=1, on_clock=True)
    fault = sim.inject("server", count=1)
    async with client_for(sim) as client:
        pending = [asyncio.create_task(client.get(url_for(BUILD))) for _ in range(4)]
        while sim.stats.in_flight < 4:
            await asyncio.sleep(0)
        clock.advance(1)
        codes = sorted(r.status_code for r in await asyncio.gather(*pending))
    assert codes == [200, 200, 200, 500] and fault.hits == 1 and fault.remaining == 0


async def test_real_latency_delays_but_answers():
    sim = Simulator(FakeClock())
    sim.inject("latency", seconds=0.01, count=1)
    async with client_for(sim) as client:
        assert (await client.get(url_for(BUILD))).status_code == 200


# --- auth ---------------------------------------------------------------------------------------------

def token_request(user="alice", password="s3cret-pass", domain="acme", scope=None) -> dict:
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "password": password, "domain": {"name": domain}}}},
        "scope": scope or {"project": {"name": "cn-north-4"}}}}


async def test_token_checks_like_the_gateway():
    sim = Simulator(FakeClock())
    for token, msg in [(None, "x-auth-token not found"), ("made-up", "decrypt token fail")]:
        async with client_for(sim, token=token) as client:
            r = await client.get(url_for(BUILD))
        assert r.status_code == 401 and r.json()["error_code"] == "APIG.0301" and msg in r.json()["error_msg"]
        assert r.json()["request_id"] == r.headers["X-Request-Id"]
    open_sim = Simulator(FakeClock(), require_auth=False)
    async with client_for(open_sim, token=None) as client:
        assert (await client.get(url_for(BUILD))).status_code == 200


async def test_iam_password_token_issue_use_and_expiry():
    clock = FakeClock()
    sim = Simulator(clock, token_lifetime=600)
    sim.add_user("alice", "s3cret-pass", "acme")
    async with client_for(sim, token=None) as client:
        r = await client.post("/v3/auth/tokens?nocatalog=true", json=token_request())
        assert r.status_code == 201, r.text
        token = r.headers["X-Subject-Token"]
        body = r.json()["token"]
        assert body["project"] == {"domain": body["project"]["domain"], "id": DEMO_PROJECT_ID, "name": "cn-north-4"}
        assert body["user"]["name"] == "alice" and body["user"]["domain"]["name"] == "acme"
        issued = datetime.fromisoformat(body["issued_at"].replace("Z", "+00:00"))
        expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert (expires - issued).total_seconds() == 600 and issued.timestamp() == clock.time()
        assert token not in r.text and sim.tokens_issued == 1
        auth = {"X-Auth-Token": token}
        assert (await client.get(url_for(BUILD), headers=auth)).status_code == 200
        clock.advance(599)
        assert (await client.get(url_for(BUILD), headers=auth)).status_code == 200
        clock.advance(1)
        r = await client.get(url_for(BUILD), headers=auth)
        assert r.status_code == 401 and "token expires" in r.json()["error_msg"]
        # Scoped by id works too; revoked tokens stop working.
        r = await client.post("/v3/auth/tokens", json=token_request(scope={"project": {"id": DEMO_PROJECT_ID}}))
        assert r.status_code == 201 and r.json()["token"]["project"]["name"] == "cn-north-4"
        sim.revoke_tokens()
        r = await client.get(url_for(BUILD), headers={"X-Auth-Token": r.headers["X-Subject-Token"]})
        assert r.status_code == 401


@pytest.mark.parametrize("change,status", [
    ({"password": "wrong"}, 401), ({"user": "mallory"}, 401), ({"domain": "other"}, 401),
    ({"scope": {"project": {"name": "xx-nowhere-9"}}}, 400),
])
async def test_iam_refusals(change, status):
    sim = Simulator(FakeClock())
    sim.add_user("alice", "s3cret-pass", "acme")
    async with client_for(sim, token=None) as client:
        r = await client.post("/v3/auth/tokens", json=token_request(**change))
        assert r.status_code == status and "X-Subject-Token" not in r.headers
        err = r.json()["error"]
        assert err["code"] == status and err["message"] and err["title"]
        if status == 401:
            assert err["message"] == "The username or password is wrong."
        assert (await client.post("/v3/auth/tokens", content=b"{not json")).status_code == 400
    assert sim.tokens_issued == 0


async def test_demo_user_and_project_listing():
    sim = Simulator(FakeClock())
    user, password, domain = Simulator.DEMO_USER
    async with client_for(sim, token=None) as client:
        r = await client.post("/v3/auth/tokens", json=token_request(user, password, domain))
        assert r.status_code == 201
        r = await client.get("/v3/projects", params={"name": "cn-north-4"},
                             headers={"X-Auth-Token": r.headers["X-Subject-Token"]})
    assert r.status_code == 200
    assert [(p["id"], p["name"]) for p in r.json()["projects"]] == [(DEMO_PROJECT_ID, "cn-north-4")]


def signed(method: str, url: str, *, ak=AK, sk=SK, project=DEMO_PROJECT_ID, when: datetime | float, body=b"") -> dict:
    """Headers the official SDK would send, signed with tui.cloud.signing."""
    u = httpx.URL(url)
    stamp = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    headers = {"Content-Type": "application/json", "Host": u.netloc.decode(),
               "X-Sdk-Date": stamp.strftime("%Y%m%dT%H%M%SZ"), "X-Project-Id": project}
    pairs = httpx.QueryParams(u.query.decode()).multi_items()
    headers["Authorization"] = signing.authorization(ak, sk, method, u.path, pairs, headers, body)
    return headers


async def test_aksk_signatures_accepted_for_every_service_and_a_query():
    clock = FakeClock()
    sim = Simulator(clock)
    sim.add_aksk(AK, SK, project_id=DEMO_PROJECT_ID)
    dws = next(r for r, _ in sim.demo_refs() if r.startswith("dws"))
    check = next(r for r, _ in sim.demo_refs() if r.startswith("check"))
    hosts = {check: "codearts-check.cn-north-4.myhuaweicloud.com",
             BUILD: "cloudbuild-ext.cn-north-4.myhuaweicloud.com", dws: "dws.cn-north-4.myhuaweicloud.com"}
    async with client_for(sim, token=None) as client:
        for ref, host in hosts.items():
            url = f"https://{host}{url_for(ref)}"
            r = await client.get(url, headers=signed("GET", url, when=clock.time()))
            assert r.status_code == 200, r.text
        url = "https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4"
        r = await client.get(url, headers=signed("GET", url, when=clock.time()))
        assert r.status_code == 200 and r.json()["projects"][0]["id"] == DEMO_PROJECT_ID
    assert not sim.ak_locked(AK)


async def test_aksk_rejections_and_lockout():
    clock = FakeClock()
    sim = Simulator(clock)
    sim.add_aksk(AK, SK)
    url = "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com" + url_for(BUILD)
    async with client_for(sim, token=None) as client:
        async def get(**kw):
            return await client.get(url, headers=signed("GET", url, **{"when": clock.time(), **kw}))

        r = await get(ak="AKUNKNOWN")
        assert r.status_code == 401 and "ak not exist" in r.json()["error_msg"] and "AKUNKNOWN" not in r.text
        r = await get(when=clock.time() - 16 * 60)
        assert r.status_code == 401 and "15 minutes" in r.json()["error_msg"]
        r = await get(sk="wrong" * 8)
        assert r.status_code == 401 and "verify aksk signature fail" in r.json()["error_msg"]
        assert (await get()).status_code == 200  # a success resets the count
        for _ in range(4):
            assert (await get(sk="wrong" * 8)).status_code == 401
        assert not sim.ak_locked(AK)
        assert (await get(sk="wrong" * 8)).status_code == 401  # fifth in a row: locked
        assert sim.ak_locked(AK)
        r = await get()
        assert r.status_code == 401 and "AK access failed to reach the limit" in r.json()["error_msg"]
        clock.advance(299)
        assert (await get()).status_code == 401
        clock.advance(1)
        assert (await get()).status_code == 200
        # A tampered request fails even with the right key: the path is part of the signature.
        headers = signed("GET", url, when=clock.time())
        assert (await client.get(url.replace("/status", "/status/"), headers=headers)).status_code == 200
        assert (await client.get(url_for(CHECK), headers=headers)).status_code == 401


async def test_stats_and_log_without_secrets():
    sim = Simulator(FakeClock())
    async with client_for(sim) as client:
        for _ in range(3):
            await client.get(url_for(BUILD))
        await client.get("/v2/tasks/x/progress")
        await client.post("/v3/auth/tokens", json=token_request(*Simulator.DEMO_USER))
    assert sim.stats.requests == 5 and sim.stats.by_path[url_for(BUILD)] == 3
    assert sim.stats.count(BUILD.split(":")[1]) == 3 and sim.stats.by_status[404] == 1
    logged = json.dumps(list(sim.stats.recent), default=str)
    assert DEMO_TOKEN not in logged and Simulator.DEMO_USER[1] not in logged
    assert sim.stats.recent[0]["headers"]["x-auth-token"] == "***" and sim.stats.recent[0]["status"] == 200
    sim.stats.reset()
    assert sim.stats.requests == 0 and not sim.stats.recent


# --- real sockets -------------------------------------------------------------------------------------

def test_serve_in_a_subprocess_over_a_real_socket():
    proc = subprocess.Popen(
        [sys.executable, "-c", "from tui.sim import serve; serve(0)"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail(f"simulator did not start: {proc.stderr.read()[-500:]}")
        match = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        assert match and DEMO_TOKEN in line, line
        base = match.group(1)
        refs = [proc.stdout.readline() for _ in range(16)]  # the sign-in lines, then the tasks
        assert any("check:" in r for r in refs) and any(f"dws:{DEMO_PROJECT_ID}/" in r for r in refs)
        with httpx.Client(base_url=base, headers={"X-Auth-Token": DEMO_TOKEN}, timeout=10) as client:
            r = client.get(url_for(BUILD))
            assert len(r.headers.get_list("Date")) == 1
            assert r.status_code == 200 and r.json() in ({"result": True}, {"result": False})
            assert client.get(url_for(BUILD), headers={"X-Auth-Token": "nope"}).status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_running_thread_signatures_drop_and_chunks_over_a_socket():
    sim = Simulator()
    sim.add_aksk(AK, SK)
    logged: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())  # type: ignore[method-assign]
    with running(sim) as base, httpx.Client(timeout=10) as client:
        logging.getLogger("uvicorn.error").addHandler(handler)
        try:
            url = f"{base}/v3/projects?name=cn-north-4&x=a%20b"
            r = client.get(url, headers=signed("GET", url, when=datetime.now(UTC)))
            assert r.status_code == 200, r.text
            assert client.get(url, headers=signed("GET", url, sk="wrong" * 8, when=datetime.now(UTC))).status_code == 401
            auth = {"X-Auth-Token": DEMO_TOKEN}
            sim.inject("drop", count=1)
            with pytest.raises(httpx.RemoteProtocolError):  # "Server disconnected without sending a response."
                client.get(f"{base}{url_for(BUILD)}", headers=auth)
            assert client.get(f"{base}{url_for(BUILD)}", headers=auth).status_code == 200
            sim.inject("huge", count=1, chunked=True)
            with client.stream("GET", f"{base}{url_for(BUILD)}", headers=auth) as r:
                assert r.headers["Transfer-Encoding"] == "chunked"
                assert len(next(r.iter_raw())) < 1 << 20  # a client can stop reading early
        finally:
            logging.getLogger("uvicorn.error").removeHandler(handler)
    assert not logged  # the simulated drop leaves no traceback in the server's log


def test_a_taken_port_is_one_clear_line():
    with running(Simulator(demo=False)) as base:
        port = int(base.rsplit(":", 1)[1])
        with pytest.raises(UserError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve(port)
