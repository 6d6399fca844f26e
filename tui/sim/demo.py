"""The demo set: ten tasks across the three services whose scripts show every phase within a minute."""

from __future__ import annotations

from typing import Any

from tui.model import TaskRef
from tui.sim.script import Ramp

# The simulated account's made-up credentials. hcwatch masks them like real ones (any 8 characters
# in a row of a 16+ character secret), so none shares 8 characters in a row with a name, id or word
# the demo shows: built from the demo's own names they masked them (`hcwatch-demo` read `***`).
# tests/behaviour/test_cli_tables.py checks it.
DEMO_TOKEN = "sim-token-K7q2Vx9pRw4Z"
DEMO_PROJECT_ID = "05f2cff45100d5112f4bc00b794ea08e"
DEMO_REGION = "cn-north-4"
# A fake IAM user so `auth = "password"` can be tried against `hcwatch simulate` (user, password, domain).
DEMO_USER = ("hcwatch-demo", "open-sesame-4-sim", "hcwatch-demo")

# The CodeArts project the demo's Check tasks and Build jobs belong to (list calls, console URLs).
DEMO_CODEARTS_PROJECT = "6a5c8d2e0f1b4c3d9e7f6a5b4c3d2e1f"
DEMO_CODEARTS_PROJECT_NAME = "hcwatch-demo"
# A second simulated account: a fixed token and an AK/SK pair (fake, not secrets).
DEMO_TOKEN_B = "sim-token-B-M3n8Jd5sLc"
DEMO_AKSK = ("HCWATCHDEMOAK0000001", "SimDemoSK-Qh4Tz8Wm2Rx6Nb0Lc5Jv9Kp3Fd7Gy1")

# Regions the simulated IAM knows, with stable project ids (cn-north-4 is the demo project).
PROJECTS = {
    "cn-north-4": DEMO_PROJECT_ID,
    "cn-north-1": "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "cn-east-3": "1b2c3d4e5f60718293a4b5c6d7e8f90a",
    "cn-south-1": "2c3d4e5f60718293a4b5c6d7e8f90a1b",
    "ap-southeast-1": "3d4e5f60718293a4b5c6d7e8f90a1b2c",
    "ap-southeast-3": "4e5f60718293a4b5c6d7e8f90a1b2c3d",
    "eu-west-101": "5f60718293a4b5c6d7e8f90a1b2c3d4e",
}


def _check(status: int | None, ratio: Any = None, info: str | None = None) -> dict[str, Any]:
    progress = None if ratio is None else {"ratio": ratio, "info": info}
    return {"task_status": status, "progress": progress}


def _build(running: bool, number: int | None, outcome: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"result": running, "last_build_no": number, "region": DEMO_REGION}
    if not running:
        state["build_result"] = outcome
    return state


def _dws(status: str, progress: Any, name: str, **extra: Any) -> dict[str, Any]:
    return {"status": status, "progress": progress, "job_name": name, **extra}


def demo_tasks() -> list[dict[str, Any]]:
    """Keyword arguments for Simulator.add_task, one dict per demo task (times in seconds from start).

    First minute: payments check 40%→100% then succeeds at 20 s; the analytics DWS job leaves
    the queue at 12 s; the dws-prod job fails at 35 s; the api-gateway build ends FAILURE at 45 s.
    Afterwards the Check/Build tasks re-run on loops of 10–20 minutes so an open demo keeps moving.
    """
    p = DEMO_PROJECT_ID
    return [
        dict(ref="check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59", name="payments-service scan", loop=600, script=[
            (0, _check(0, Ramp(40, 100), "running")),
            (20, _check(2, "100%", "success")),
            (300, _check(0, Ramp(0, 100), "running")),
            (420, _check(2, "100%", "success")),
        ]),
        dict(ref="check:a41be6d07c2f4e38b95d1f0c6e7a2b84", name="web-frontend scan", loop=600, script=[
            (0, {**_check(1), "_why": "quality gate: 2 critical defects in src/billing"}),
            (240, _check(0, Ramp(0, 100), "running")),
            (330, {**_check(1), "_why": "quality gate: 2 critical defects in src/billing"}),
        ]),
        dict(ref="check:c09d5e7f1a3b4c6d8e0f2a4b6c8d0e1f", name="legacy-monolith scan", script=[
            (0, _check(None)),
        ]),
        dict(ref="check:e5a7c9b1d3f54e6a8c0b2d4f6a8c0e2b", name="data-pipeline scan", loop=1200, script=[
            (0, _check(3)),
            (600, _check(0, Ramp(0, 60), "running")),
            (690, _check(3)),
        ]),
        dict(ref="build:901878212b1a49be9c1a1054c272762a", name="api-gateway build", loop=600, script=[
            (0, _build(True, 41)),
            (45, {**_build(False, 41, "FAILURE"), "_step": "unit tests", "_error": "3 failed",
                  "_trigger": "Git push", "_branch": "feature/rate-limit"}),
            (300, _build(True, 42)),
            (420, _build(False, 42, "SUCCESS")),
        ]),
        dict(ref="build:3e8f1c2d4b5a46979c8d0e1f2a3b4c5d", name="mobile-app nightly", loop=900, script=[
            (0, {**_build(False, 117, "SUCCESS"), "_log": "broken"}),  # its log calls answer 500
            (75, _build(True, 118)),
            (200, {**_build(False, 118, "SUCCESS"), "_log": "broken"}),  # its log calls answer 500
        ]),
        dict(ref="build:b7d9f1a3c5e74b2d9f1a3c5e7b9d1f3a", name="docs-site build", script=[
            # Never built: not running, no outcome known → idle; its history answers 403 (deleted).
            (0, {**_build(False, None), "_history": "deleted"}),
        ]),
        dict(ref=f"dws:{p}/2c9080e8845b207101845b245e1e0001", name="dws-prod create", script=[
            (0, _dws("RUNNING", Ramp(9, 35), "ecfClusterCreateJob", begin_time=-540)),
            (35, _dws("FAIL", "35%", "ecfClusterCreateJob", begin_time=-540,
                      failed_code="CreateELBTask-fail:DWS.0114",
                      failed_detail="DWS.0114:ELB private IP is not configured.")),
        ]),
        dict(ref=f"dws:{p}/2c9080e8845b207101845b245e1e0002", name="dws-analytics expand", script=[
            (0, _dws("WAITING", "0%", "expandClusterJob")),
            (12, _dws("RUNNING", Ramp(1, 100), "expandClusterJob")),
            (1800, _dws("SUCCESS", "100%", "expandClusterJob")),
        ]),
        dict(ref=f"dws:{p}/2c9080e8845b207101845b245e1e0003", name="dws-archive restore", script=[
            (0, _dws("SUCCESS", "100%", "restoreClusterJob", begin_time=-5400, end_time=-1800)),
        ]),
    ]


def unwatched_tasks() -> list[dict[str, Any]]:
    """Jobs and tasks the demo account has but the demo does not watch: `hcwatch discover --demo` finds them."""
    return [
        dict(ref="build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6", name="release-pipeline", script=[
            (0, _build(False, 12, "SUCCESS")),
        ]),
        dict(ref="build:5e2f3a4b6c7d48e9f0a1b2c3d4e5f607", name="integration-tests", loop=600, script=[
            (0, _build(True, 230)),
            (90, _build(False, 230, "FAILURE")),
        ]),
        dict(ref="check:f1e2d3c4b5a64978a1b2c3d4e5f60718", name="auth-service scan", script=[
            (0, _check(2, "100%", "success")),
        ]),
    ]


def demo_refs() -> list[tuple[str, str]]:
    """(REF, display name) of the demo's watched tasks, as Simulator.demo_refs gives them at the start."""
    refs = [str(TaskRef.parse(spec["ref"])) for spec in demo_tasks()]
    return [(ref, spec.get("name") or ref) for ref, spec in zip(refs, demo_tasks(), strict=True)]
