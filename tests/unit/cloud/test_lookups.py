"""Outcomes beyond the status call, against the simulator: what each lookup adds, and what each failure leaves."""

from __future__ import annotations

import httpx
import pytest

from tui.clock import FakeClock
from tui.cloud import services
from tui.cloud.services.lookups import OutcomeCache
from tui.model import Phase, TaskRef
from tui.poll.rate_limit import RequestScope, enter_scope
from tui.sim import DEMO_PROJECT_ID, DEMO_TOKEN, Simulator

HOST = "http://sim.invalid"
GATEWAY = "build:901878212b1a49be9c1a1054c272762a"   # demo: #41 fails at 45 s in "unit tests"
NIGHTLY = "build:3e8f1c2d4b5a46979c8d0e1f2a3b4c5d"   # demo: #117 succeeded; its log answers 500
FRONTEND = "check:a41be6d07c2f4e38b95d1f0c6e7a2b84"  # demo: a failed check
PROD = f"dws:{DEMO_PROJECT_ID}/2c9080e8845b207101845b245e1e0001"  # demo: fails at 35 s


class Auth(httpx.Auth):
    def auth_flow(self, request):
        request.headers["X-Auth-Token"] = DEMO_TOKEN
        yield request


@pytest.fixture
async def env():
    clock = FakeClock()
    sim = Simulator(clock)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim))
    yield sim, clock, client
    await client.aclose()


async def fetch(env, ref: str, cache: OutcomeCache):
    sim, clock, client = env
    return await services.fetch(client, TaskRef.parse(ref), HOST, clock.now(), auth=Auth(), outcomes=cache,
                                project_id=DEMO_PROJECT_ID)


def paths(sim: Simulator, part: str) -> list[str]:
    return [e["path"] for e in sim.stats.recent if part in e["path"]]


async def test_failed_build_names_its_step_and_error_once_per_run(env):
    sim, clock, _ = env
    clock.advance(50)
    cache = OutcomeCache()
    for _ in range(3):
        snap = await fetch(env, GATEWAY, cache)
    assert snap.phase is Phase.FAILED
    assert snap.outcome is not None and snap.outcome.number == "41"
    assert (snap.outcome.step, snap.outcome.error) == ("unit tests", "3 failed")
    assert snap.outcome.duration_s == pytest.approx(45, abs=1)
    assert snap.message == "#41 failed in 45s: unit tests — 3 failed"
    assert "Git push" in (snap.outcome.trigger or "") and snap.outcome.branch == "feature/rate-limit"
    assert len(paths(sim, "build-info-records")) == 1 and len(paths(sim, "/analysis")) == 1


async def test_running_build_knows_its_number_start_and_past_runs(env):
    sim, clock, _ = env
    clock.advance(10)
    snap = await fetch(env, GATEWAY, OutcomeCache())
    assert snap.phase is Phase.RUNNING and snap.message == "build #41 running"
    assert snap.started_at is not None and abs((clock.now() - snap.started_at).total_seconds() - 10) < 1
    assert snap.runs and all(r.phase.finished and r.duration_s for r in snap.runs)


async def test_analysis_unavailable_falls_back_to_the_log_error_lines(env):
    sim, clock, _ = env
    sim.unavailable.add("build_analysis")
    clock.advance(50)
    cache = OutcomeCache()
    snap = await fetch(env, GATEWAY, cache)
    assert snap.outcome is not None and snap.outcome.step is None
    assert any("unit tests" in line for line in snap.outcome.log_lines)
    await fetch(env, GATEWAY, OutcomeCache())  # another cache asks again; this one never does
    cache.memo.clear()
    await fetch(env, GATEWAY, cache)
    assert len(paths(sim, "/analysis")) == 2


async def test_log_500_leaves_the_outcome_without_lines(env):
    sim, clock, _ = env
    clock.advance(50)
    sim.inject("server", GATEWAY, route="build_analysis")
    sim.inject("server", GATEWAY, route="build_log_tail")
    snap = await fetch(env, GATEWAY, OutcomeCache())
    assert snap.phase is Phase.FAILED and snap.outcome is not None
    assert snap.outcome.log_lines == () and snap.outcome.number == "41"


async def test_deleted_history_403_is_not_asked_again_for_that_run(env):
    sim, clock, _ = env
    clock.advance(50)
    sim.inject("forbidden", GATEWAY, route="build_records")
    sim.inject("forbidden", GATEWAY, route="build_analysis")
    sim.inject("forbidden", GATEWAY, route="build_log_tail")
    cache = OutcomeCache()
    for _ in range(3):
        snap = await fetch(env, GATEWAY, cache)
    assert snap.phase is Phase.FAILED and snap.outcome is None and snap.message == "last build #41 failed"
    assert len(paths(sim, "build-info-records")) == 1


async def test_apigw_0101_marks_the_api_unavailable_for_the_profile_only(env):
    sim, clock, _ = env
    sim.unavailable.add("build_records")
    clock.advance(10)
    cache = OutcomeCache()

    async def as_profile(profile: str):
        import asyncio

        async def run():
            enter_scope(RequestScope(profile=profile))
            return await fetch(env, GATEWAY, cache)

        return await asyncio.create_task(run())

    for _ in range(2):
        snap = await as_profile("work")
        cache.memo.clear()
        cache.retry_at.clear()
    assert snap.phase is Phase.RUNNING and snap.started_at is None  # status unaffected
    assert len(paths(sim, "build-info-records")) == 1
    await as_profile("home")
    assert len(paths(sim, "build-info-records")) == 2


async def test_transient_failure_is_retried_later_not_every_poll(env, monkeypatch):
    from datetime import timedelta

    from tui.cloud.services import lookups

    monkeypatch.setattr(lookups, "RETRY_AFTER", timedelta(minutes=1))
    sim, clock, _ = env
    clock.advance(50)
    sim.inject("server", GATEWAY, route="build_records", count=10)
    sim.inject("server", GATEWAY, route="build_analysis", count=10)
    sim.inject("server", GATEWAY, route="build_log_tail", count=10)
    cache = OutcomeCache()
    await fetch(env, GATEWAY, cache)
    await fetch(env, GATEWAY, cache)
    assert len(paths(sim, "build-info-records")) == 1
    sim.clear_faults()
    clock.advance(30)
    await fetch(env, GATEWAY, cache)
    assert len(paths(sim, "build-info-records")) == 1
    clock.advance(31)
    snap = await fetch(env, GATEWAY, cache)
    assert snap.outcome is not None and snap.outcome.step == "unit tests"


async def test_failed_check_has_defects_gate_and_reason(env):
    sim, clock, _ = env
    cache = OutcomeCache()
    for _ in range(2):
        snap = await fetch(env, FRONTEND, cache)
    out = snap.outcome
    assert snap.phase is Phase.FAILED and out is not None
    assert out.gate_passed is False and dict(out.defects)["critical"] >= 1
    assert out.error == "quality gate: 2 critical defects in src/billing"
    assert "defects" in snap.message and "gate failed" in snap.message
    assert len(paths(sim, "defects-summary")) == 1 and len(paths(sim, "log-detail")) == 1


@pytest.mark.parametrize("fault", ["server", "forbidden", "garbage", "drop"])
async def test_check_lookup_failure_never_hides_the_status(env, fault):
    sim, clock, _ = env
    sim.inject(fault, FRONTEND, route="check_defects")
    sim.inject(fault, FRONTEND, route="check_log")
    snap = await fetch(env, FRONTEND, OutcomeCache())
    assert snap.phase is Phase.FAILED and snap.error is None and snap.outcome is None


async def test_dws_outcome_comes_from_the_job_answer(env):
    sim, clock, _ = env
    clock.advance(40)
    snap = await fetch(env, PROD, OutcomeCache())
    out = snap.outcome
    assert out is not None and out.code == "CreateELBTask-fail:DWS.0114"
    assert out.duration_s == pytest.approx(575, abs=1)
    assert snap.message.startswith("failed in 9m35s: ")
    assert sim.stats.requests == 1  # no extra request


async def test_log_500_for_a_succeeded_build_changes_nothing(env):
    sim, clock, _ = env
    snap = await fetch(env, NIGHTLY, OutcomeCache())
    assert snap.phase is Phase.SUCCEEDED and snap.outcome is not None and snap.outcome.number == "117"
    assert not paths(sim, "real-time-log")  # a succeeded build's log is not fetched


def test_secrets_echoed_in_an_outcome_are_masked():
    from tui.cloud.auth.masking import SecretMask, mask_snapshot
    from tui.model import Snapshot
    from tui.outcome import Outcome

    secret = "s3cr3t-token-value-0123456789"
    out = Outcome(Phase.FAILED, step="deploy", error=f"login with {secret} refused",
                  log_lines=(f"[ERROR] token={secret}", "[INFO] fine"))
    snap = mask_snapshot(SecretMask([secret]), Snapshot(TaskRef.parse(GATEWAY), Phase.FAILED, outcome=out))
    assert snap.outcome is not None
    assert secret not in repr(snap.outcome.to_json()) and snap.outcome.log_lines[1] == "[INFO] fine"


async def test_a_job_built_again_and_again_keeps_only_its_last_builds_answers(env):
    """A week of builds must not fill the cache with every old build's outcome and past runs (the week
    soak held 4,096 old builds' answers, ~20 runs each): only the job's last build is asked for again."""
    sim, clock, _ = env
    ref = "build:0123456789abcdef0123456789abcdef"
    sim.add_task(ref, [(0, {"result": True, "last_build_no": 1}),
                       (60, {"result": False, "last_build_no": 1, "build_result": "SUCCESS"})], loop=600)
    cache = OutcomeCache()
    numbers = set()
    clock.advance(100)  # 40 s after each build finished
    for _ in range(30):
        clock.advance(600)  # one build later, finished
        snap = await fetch(env, ref, cache)
        assert snap.phase is Phase.SUCCEEDED and snap.outcome is not None
        numbers.add(snap.outcome.number)
    assert len(numbers) == 30  # each poll saw a new build
    assert len(cache.outcomes) == 1 and len(cache.memo) == 1
    assert len(cache.latest) <= 2  # the outcome's slot and the records' slot of this one job
    # The same build again is still answered from memory (no new lookups).
    before = len(paths(sim, "build-info-records"))
    await fetch(env, ref, cache)
    assert len(paths(sim, "build-info-records")) == before
