"""A week of use must not keep what removed tasks left behind (tests/perf/week_soak.py measures the rest)."""

from __future__ import annotations

import asyncio

from tests.behaviour.conftest import open_demo_runtime
from tui.clock import FakeClock
from tui.model import Phase


async def test_a_removed_task_leaves_nothing_in_the_cadence_watch(tmp_path):
    """Each removed task stayed in the cadence figures for good: memory, and polls it no longer needs
    counted when hcwatch says whether the rate can keep the interval."""
    clock = FakeClock()
    rt = open_demo_runtime(tmp_path, clock)
    await rt.start()
    try:
        clock.advance(30)
        keys = [t.key for t in rt.tasks()]
        assert set(rt.cadence.tasks) == set(keys)
        for key in keys[:3]:
            rt.remove(key)
        assert set(rt.cadence.tasks) == set(keys[3:])
        assert not set(rt.cadence.cadences) & set(keys[:3])
    finally:
        await rt.stop()


async def test_a_task_removed_by_another_process_leaves_nothing_in_the_cadence_watch(tmp_path):
    clock = FakeClock()
    rt = open_demo_runtime(tmp_path, clock)
    await rt.start()
    try:
        clock.advance(30)
        keys = [t.key for t in rt.tasks()]
        other = open_demo_runtime(tmp_path, clock)  # `hcwatch remove` from a shell, same files
        other.remove(keys[0])
        other.close()
        _, removed = rt.sync_watchlist()
        assert [t.key for t in removed] == [keys[0]]
        assert keys[0] not in rt.cadence.tasks and keys[0] not in rt.cadence.cadences
    finally:
        await rt.stop()


async def test_a_task_added_while_running_keeps_one_history_and_its_runs(tmp_path):
    """A task added in the session kept two copies of its history (the poller's and the state's) until
    the next start; now they are one, and its runs and changes still reach the state file once each."""
    from tui.store.state import StateStore

    clock = FakeClock()
    rt = open_demo_runtime(tmp_path, clock)
    sim = rt.simulator
    ref = "build:0a1b2c3d4e5f40718293a4b5c6d7e8f9"
    sim.add_task(ref, [(0, {"result": True, "last_build_no": 1}),
                       (300, {"result": False, "last_build_no": 1, "build_result": "SUCCESS"})])
    await rt.start()
    try:
        task = rt.add(ref, name="added later")
        for _ in range(100):
            clock.advance(5)
            for _ in range(5):
                await asyncio.sleep(0)
        assert rt.poller is not None
        poller_log = rt.poller.log(task.key)
        held = rt.state._entries[task.key].history
        assert held is poller_log  # one log, shared
        # (The first sight, running, is no change: the run counts from it.)
        assert [(c.from_phase, c.to_phase) for c in held] == [(Phase.RUNNING, Phase.SUCCEEDED)]
        assert rt.state.runs(task.key).count == 1 and rt.state.runs(task.key).last.phase is Phase.SUCCEEDED
    finally:
        await rt.stop()
    saved = StateStore(tmp_path / "state").load()[task.key]
    assert list(saved.history) == list(held)  # each change once
    assert saved.runs.count == 1
