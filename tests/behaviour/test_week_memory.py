"""A week of use must not keep what removed tasks left behind (tests/perf/week_soak.py measures the rest)."""

from __future__ import annotations

from tests.behaviour.conftest import open_demo_runtime
from tui.clock import FakeClock


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
