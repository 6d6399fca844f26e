"""The state file keeps what the ETA and the detail pane need after a restart: outcome, start, runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tui.clock import FakeClock
from tui.model import Change, Phase, Snapshot, TaskRef
from tui.outcome import Outcome, Run
from tui.runs import KEEP
from tui.store.state import StateStore

REF = TaskRef.parse("build:job1")


def test_outcome_start_and_runs_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    store = StateStore(tmp_path, clock=clock)
    t0 = clock.now()
    outcome = Outcome(Phase.FAILED, number="118", started_at=t0, duration_s=372.0, step="unit tests",
                      error="3 failed", defects=(("critical", 1),), gate_passed=False)
    past = (Run(Phase.SUCCEEDED, 600.0, t0 - timedelta(hours=2), "117"),)
    running = Snapshot(REF, Phase.RUNNING, fetched_at=t0, started_at=t0)
    store.record(REF.__str__(), running)
    clock.advance(372)
    done = Snapshot(REF, Phase.FAILED, message=outcome.summary(), fetched_at=clock.now(), outcome=outcome,
                    started_at=t0, runs=past)
    store.record(str(REF), done, [Change(REF, Phase.RUNNING, Phase.FAILED, clock.now(), True)])
    assert store.flush()
    again = StateStore(tmp_path, clock=clock).load()[str(REF)]
    assert again.snapshot.outcome == outcome and again.snapshot.runs == past
    assert again.snapshot.started_at == t0
    assert again.runs.since is None
    assert again.runs.runs == (Run(Phase.FAILED, 372.0, t0, "118"),)


def test_runs_kept_are_bounded(tmp_path: Path) -> None:
    clock = FakeClock()
    store = StateStore(tmp_path, clock=clock)
    for i in range(KEEP + 15):
        store.record(str(REF), Snapshot(REF, Phase.RUNNING, fetched_at=clock.now()),
                     [Change(REF, Phase.SUCCEEDED, Phase.RUNNING, clock.now(), True)])
        clock.advance(60 + i)
        store.record(str(REF), Snapshot(REF, Phase.SUCCEEDED, fetched_at=clock.now()),
                     [Change(REF, Phase.RUNNING, Phase.SUCCEEDED, clock.now(), True)])
    store.flush()
    runs = StateStore(tmp_path, clock=clock).load()[str(REF)].runs.runs
    assert len(runs) == KEEP and runs[-1].duration_s == 60 + KEEP + 14


def test_runs_written_by_hand_read_back_as_the_same_runs(tmp_path: Path) -> None:
    # Loads build runs without their constructor: the values must come out as the constructor makes them.
    store = StateStore(tmp_path, clock=FakeClock())
    store.record("check:a", Snapshot(TaskRef.parse("check:a"), Phase.RUNNING))
    store.flush()
    lines = [
        '["build:job2",[2],[],[null,[[2,600,0,118],[3,true],[2]]]]',   # an int duration and number, a bool duration
        '["build:job3",[2],[],[null,[[9,600]]]]',                       # a phase code out of range: this task only
    ]
    store.path.write_text(store.path.read_text() + "\n".join(lines) + "\n")
    fresh = StateStore(tmp_path, clock=FakeClock())
    got = fresh.load()
    assert set(got) == {"check:a", "build:job2"}
    from tui.store.state_format import EPOCH
    assert got["build:job2"].runs.runs == (Run(Phase.SUCCEEDED, 600.0, EPOCH, "118"), Run(Phase.FAILED), Run(Phase.SUCCEEDED))
    assert isinstance(got["build:job2"].runs.runs[0].duration_s, float)
    assert len(fresh.warnings) == 1 and "1 unreadable line" in fresh.warnings[0]
