"""The state folder: round trip, bounded history, stale restore, corrupt files set aside, background writes."""

from __future__ import annotations

import asyncio
import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tui.clock import FakeClock
from tui.model import Change, ErrorKind, Phase, RequestInfo, Snapshot, TaskError, TaskRef, diff
from tui.store.records import safe_url
from tui.store.state import STATE_FILE, StateStore, TaskState

T0 = datetime(2026, 1, 31, 9, 30, 15, 123456, tzinfo=UTC)
REF = TaskRef.parse("check:2b31ed520ebedb6e57")
DWS = TaskRef.parse("dws:05f2cff45100d5112f4bc00b794ea08e/job9")


def full_snapshot(ref: TaskRef = REF) -> Snapshot:
    return Snapshot(
        ref=ref,
        phase=Phase.FAILED,
        progress=37.5,
        message="rule engine ✗ failed",
        raw_status="3",
        fields={"task_status": 3, "progress": "37%", "nested": {"a": [1, None, "x"]}, "ok": True},
        fetched_at=T0,
        checked_at=T0 + timedelta(seconds=30),
        error=TaskError(ErrorKind.THROTTLED, "Too many requests", "APIG.0308", 429, "req-1", 12.5),
        request=RequestInfo("GET", "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/2b31ed520ebedb6e57/progress"),
    )


def changes(ref: TaskRef, n: int, start: datetime = T0) -> list[Change]:
    return [
        Change(ref, Phase.RUNNING, Phase.FAILED if i % 2 else Phase.RUNNING, start + timedelta(minutes=i),
               bool(i % 2), None if i % 3 == 0 else float(i), f"step {i}", i == 1)
        for i in range(n)
    ]


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state", clock=FakeClock())


def test_missing_state_is_empty(store: StateStore) -> None:
    assert store.load() == {} and store.warnings == []
    assert store.flush() is False  # nothing recorded: nothing written
    assert not store.path.exists()


def test_round_trip_of_every_field_comes_back_stale(store: StateStore) -> None:
    snap = full_snapshot()
    hist = changes(REF, 4)
    store.record(REF.__str__(), snap, hist)
    plain = Snapshot(DWS)
    store.record(str(DWS), plain)
    assert store.flush() is True
    assert store.flush() is False  # not dirty any more
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600

    loaded = StateStore(store.dir).load()
    assert set(loaded) == {str(REF), str(DWS)}
    got = loaded[str(REF)]
    assert isinstance(got, TaskState)
    assert got.snapshot.stale is True
    assert got.snapshot == Snapshot(**{**snap.__dict__, "stale": True})
    assert got.history == hist
    assert loaded[str(DWS)].snapshot == Snapshot(DWS, stale=True) and loaded[str(DWS)].history == []


def test_restored_snapshot_marks_the_first_change_as_while_closed(store: StateStore) -> None:
    running = Snapshot(REF, Phase.RUNNING, 50.0, fetched_at=T0)
    store.record(str(REF), running)
    store.flush()
    restored = StateStore(store.dir).load()[str(REF)].snapshot
    assert restored.stale and restored.phase is Phase.RUNNING and restored.progress == 50.0
    fresh = Snapshot(REF, Phase.SUCCEEDED, 100.0, fetched_at=T0 + timedelta(hours=1))
    change = diff(restored, fresh)
    assert change is not None and change.major and change.while_closed


def test_history_is_bounded_and_not_duplicated(tmp_path: Path) -> None:
    store = StateStore(tmp_path, history_limit=3)
    hist = changes(REF, 5)
    store.record(str(REF), Snapshot(REF), hist[:2])
    store.record(str(REF), Snapshot(REF), hist[:2])  # the same again (a caller passing its whole history)
    assert store.get(str(REF)).history == hist[:2]
    store.record(str(REF), Snapshot(REF), hist[:4])  # whole history with two new ones
    store.record(str(REF), Snapshot(REF), [hist[4]])  # just the new one
    assert store.get(str(REF)).history == hist[2:]
    store.flush()
    assert StateStore(tmp_path, history_limit=3).load()[str(REF)].history == hist[2:]
    assert StateStore(tmp_path, history_limit=2).load()[str(REF)].history == hist[3:]


def test_forget_and_retain(store: StateStore) -> None:
    for r in ("check:a", "check:b", "build:c"):
        store.record(r, Snapshot(TaskRef.parse(r)))
    store.forget("check:a")
    store.retain(["build:c", "check:zzz"])
    store.flush()
    assert set(StateStore(store.dir).load()) == {"build:c"}


def test_a_save_under_way_writes_each_task_as_it_is_then(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Polls go on while a save writes (it runs in a thread): a task replaced meanwhile is written as
    it is when its line is reached, one removed is not written back, and the save keeps no replaced
    snapshot alive (at 10,000 tasks a save of seconds would hold thousands)."""
    import gc
    import weakref

    from tui.store import state as state_module

    refs = [TaskRef.parse(r) for r in ("check:a", "check:b", "check:c")]
    for ref in refs:
        store.record(str(ref), Snapshot(ref, Phase.RUNNING, message="first"))
    assert store.flush()
    for ref in refs:
        store.record(str(ref), Snapshot(ref, Phase.RUNNING, message="second"))
    replaced = weakref.ref(store.get("check:c").snapshot)  # type: ignore[union-attr]
    real_write = state_module.atomic_write
    alive_after_poll: list[bool] = []

    def write(path: Path, pieces: Any) -> None:
        def polled_meanwhile() -> Any:
            for i, piece in enumerate(pieces):
                yield piece
                if i == 1:  # the header and check:a written: two polls land
                    store.record("check:c", Snapshot(refs[2], Phase.SUCCEEDED, message="third"))
                    store.forget("check:b")
                    gc.collect()
                    alive_after_poll.append(replaced() is not None)
        real_write(path, polled_meanwhile())

    monkeypatch.setattr(state_module, "atomic_write", write)
    assert store.flush()
    monkeypatch.undo()
    assert alive_after_poll == [False]
    loaded = StateStore(store.dir).load()
    assert sorted(loaded) == ["check:a", "check:c"]
    assert loaded["check:c"].snapshot.message == "third"
    assert loaded["check:a"].snapshot.message == "second"
    assert store.flush()  # check:c and check:b changed during the save: written again, as they are
    again = StateStore(store.dir).load()
    assert sorted(again) == ["check:a", "check:c"] and again["check:c"].snapshot.phase is Phase.SUCCEEDED


def test_no_secrets_in_the_file(store: StateStore) -> None:
    url = "https://bob:hunter2@host.example.com/v2/tasks/abc/progress?X-Auth-Token=tok123&signature=sig456&task_id=abc"
    snap = Snapshot(REF, request=RequestInfo("GET", url), fetched_at=T0)
    store.record(str(REF), snap)
    store.flush()
    text = store.path.read_text()
    for secret in ("hunter2", "bob", "tok123", "sig456"):
        assert secret not in text
    restored = StateStore(store.dir).load()[str(REF)].snapshot.request
    assert restored.url == "https://host.example.com/v2/tasks/abc/progress?X-Auth-Token=***&signature=***&task_id=abc"
    assert safe_url("https://h/p") == "https://h/p"


def test_hand_edited_file_with_missing_and_extra_keys_loads(store: StateStore) -> None:
    store.dir.mkdir(parents=True)
    lines = [
        {"hcwatch_state": 1, "comment": "hand made"},
        {"ref": "check:a", "snapshot": {"phase": "running"}, "extra": 1},
        {"ref": "build:b", "snapshot": {"phase": "succeeded", "progress": 100, "future_field": [1]},
         "history": [{"from": "running", "to": "succeeded", "at": "2026-01-31T10:00:00"},
                     ["pending", "running", "2026-01-31T09:00:00+00:00", True, None, "go", False]]},
    ]
    store.path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    got = store.load()
    assert store.warnings == []
    assert got["check:a"].snapshot == Snapshot(TaskRef.parse("check:a"), Phase.RUNNING, stale=True)
    b = got["build:b"]
    assert b.snapshot.progress == 100.0 and b.snapshot.phase is Phase.SUCCEEDED
    assert b.history[0].at == datetime(2026, 1, 31, 10, tzinfo=UTC) and b.history[0].major
    assert b.history[1].message == "go" and b.history[1].to_phase is Phase.RUNNING


@pytest.mark.parametrize(
    "content",
    [b"\x00\xffgarbage", b"{not json", b"[1, 2]", b'{"hcwatch_state": 99}\n', b'{"something": "else"}\n', b""],
    ids=["binary", "bad json", "not an object", "newer version", "not ours", "empty"],
)
def test_corrupt_state_file_is_set_aside_with_a_warning(store: StateStore, content: bytes) -> None:
    store.dir.mkdir(parents=True)
    store.path.write_bytes(content)
    assert store.load() == {}
    assert len(store.warnings) == 1
    warning = store.warnings[0]
    assert str(store.path) in warning and "moved it to state.jsonl.corrupt-20260101T000000Z" in warning
    aside = store.dir / f"{STATE_FILE}.corrupt-20260101T000000Z"
    assert aside.read_bytes() == content and not store.path.exists()
    # And the store goes on working.
    store.record("check:a", Snapshot(TaskRef.parse("check:a")))
    assert store.flush() and set(StateStore(store.dir).load()) == {"check:a"}


def test_damaged_lines_lose_only_their_tasks(store: StateStore) -> None:
    store.record("check:a", Snapshot(TaskRef.parse("check:a"), Phase.RUNNING))
    store.record("check:b", Snapshot(TaskRef.parse("check:b"), Phase.FAILED))
    store.flush()
    text = store.path.read_text().splitlines()
    text.insert(2, '{"ref": "check:x", "snapshot": {"phase": "exploded"}}')
    text.append('{"ref": "check:y", "snap')
    store.path.write_text("\n".join(text) + "\n")
    fresh = StateStore(store.dir, clock=FakeClock())
    got = fresh.load()
    assert set(got) == {"check:a", "check:b"}
    assert len(fresh.warnings) == 1 and "2 unreadable lines" in fresh.warnings[0]
    assert "kept the other 2 tasks" in fresh.warnings[0]
    assert (store.dir / f"{STATE_FILE}.corrupt-20260101T000000Z").exists()
    assert fresh.flush() is True  # writes a clean file straight away
    assert set(StateStore(store.dir).load()) == {"check:a", "check:b"}


def test_unreadable_state_is_set_aside(store: StateStore) -> None:
    store.path.mkdir(parents=True)  # a folder where the file should be
    assert store.load() == {}
    assert len(store.warnings) == 1 and "cannot read it" in store.warnings[0]
    assert not store.path.exists()


def test_records_before_load_win_over_the_file(store: StateStore) -> None:
    store.record("check:a", Snapshot(TaskRef.parse("check:a"), Phase.PENDING))
    store.flush()
    other = StateStore(store.dir)
    other.record("check:a", Snapshot(TaskRef.parse("check:a"), Phase.SUCCEEDED))
    other.load()
    assert other.get("check:a").snapshot.phase is Phase.SUCCEEDED


async def _wait_for(predicate, limit: float = 10.0) -> None:
    """Let a worker thread finish (bounded, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    while not predicate():
        assert loop.time() < end, "background write did not happen"
        await asyncio.sleep(0.005)


async def test_background_writer_debounces_and_flushes_at_cancel(tmp_path: Path) -> None:
    clock = FakeClock()
    store = StateStore(tmp_path, clock=clock)
    runner = asyncio.create_task(store.run(every=5.0))
    await asyncio.sleep(0)
    store.record("check:a", Snapshot(TaskRef.parse("check:a")))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not store.path.exists()  # waits for the debounce period
    clock.advance(5.0)
    await _wait_for(store.path.exists)
    assert set(StateStore(tmp_path).load()) == {"check:a"}
    store.record("check:b", Snapshot(TaskRef.parse("check:b")))
    await asyncio.sleep(0)
    runner.cancel()  # exit: what is pending is written before run() ends
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert set(StateStore(tmp_path).load()) == {"check:a", "check:b"}


async def test_background_write_failure_warns_once(tmp_path: Path) -> None:
    clock = FakeClock()
    blocker = tmp_path / "notadir"
    blocker.write_text("x")
    store = StateStore(blocker / "state", clock=clock)  # its folder cannot be created
    runner = asyncio.create_task(store.run(every=1.0))
    store.record("check:a", Snapshot(TaskRef.parse("check:a")))
    await asyncio.sleep(0)
    clock.advance(1.0)
    await _wait_for(lambda: store.warnings)
    runner.cancel()
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert len(store.warnings) == 1 and "cannot save state" in store.warnings[0]


def test_compact_lines_keep_odd_values_exactly(store: StateStore) -> None:
    """Version 2 lines: naive and non-UTC times, a major flag that disagrees with the phases, no fetched_at."""
    plus8 = timezone(timedelta(hours=8))
    snap = Snapshot(REF, Phase.UNKNOWN, 0.0, "", None, {}, None, T0.replace(tzinfo=None),
                    TaskError(ErrorKind.NETWORK, "reset"), None)
    hist = [
        Change(REF, Phase.IDLE, Phase.IDLE, datetime(2019, 12, 31, 23, 59, 59, 999999), True, 0.0, "", True),
        Change(REF, Phase.IDLE, Phase.STOPPED, T0.astimezone(plus8), False, None, "ünïcode \n line", False),
        Change(REF, Phase.STOPPED, Phase.PENDING, T0 - timedelta(days=1), True, 5, "back in time"),
    ]
    store.record(str(REF), snap, hist)
    store.record(str(DWS), Snapshot(DWS, Phase.SUCCEEDED, fetched_at=T0, checked_at=T0 - timedelta(seconds=1)))
    store.flush()
    header, *lines = store.path.read_text().splitlines()
    assert json.loads(header)["hcwatch_state"] == 2 and all(line.startswith("[") for line in lines)
    loaded = StateStore(store.dir).load()
    got = loaded[str(REF)]
    assert got.snapshot == Snapshot(**{**snap.__dict__, "checked_at": T0, "stale": True})
    naive_as_utc = Change(**{**hist[0].__dict__, "at": hist[0].at.replace(tzinfo=UTC)})
    assert got.history == [naive_as_utc, hist[1], Change(REF, Phase.STOPPED, Phase.PENDING, T0 - timedelta(days=1),
                                                         True, 5.0, "back in time")]
    assert all(c.at.tzinfo is UTC for c in got.history)
    dws = loaded[str(DWS)].snapshot
    assert dws.fetched_at == T0 and dws.checked_at == T0 - timedelta(seconds=1) and dws.error is None


def test_version_1_file_loads_and_is_rewritten_compact(store: StateStore) -> None:
    store.dir.mkdir(parents=True)
    v1 = [
        {"hcwatch_state": 1, "saved_at": "2026-01-31T09:30:15+00:00",
         "history_fields": ["from", "to", "at", "major", "progress", "message", "while_closed"]},
        {"ref": "check:a", "snapshot": {"phase": "running", "progress": 40.0, "message": "m", "raw_status": "1",
                                        "fields": {"x": 1}, "fetched_at": "2026-01-31T09:30:15.123456+00:00",
                                        "checked_at": "2026-01-31T09:30:15.123456+00:00", "error": None,
                                        "request": {"method": "GET", "url": "https://h/v2/tasks/a/progress"}},
         "history": [["pending", "running", "2026-01-31T09:00:00+00:00", True, None, "", False]]},
    ]
    store.path.write_text("\n".join(json.dumps(x) for x in v1) + "\n")
    before = store.load()
    assert store.warnings == [] and before["check:a"].snapshot.fields == {"x": 1}
    store.record("check:b", Snapshot(TaskRef.parse("check:b")))
    assert store.flush()
    assert json.loads(store.path.read_text().splitlines()[1])[0] == "check:a"  # rewritten in the new form
    after = StateStore(store.dir).load()
    assert after["check:a"] == before["check:a"] and set(after) == {"check:a", "check:b"}


@pytest.mark.parametrize("line", [
    '["check:x",[1],[300,1,null,""]]',  # a change code no phase pair has
    '["check:x",[1],[9,"soon",null,""]]',  # a time that is not a number
    '["check:x",[1],[9,1,null]]',  # a change cut short
    '["check:x",[9]]',  # a phase code out of range
    '["check:x",[1,"half"]]',  # progress not a number
    '["check:x"]', '["check:/x",[1]]', '["check:x",[1],[],1]',
])
def test_malformed_compact_lines_lose_only_their_task(store: StateStore, line: str) -> None:
    store.record("check:a", Snapshot(TaskRef.parse("check:a"), Phase.RUNNING))
    store.flush()
    store.path.write_text(store.path.read_text() + line + "\n")
    fresh = StateStore(store.dir, clock=FakeClock())
    assert set(fresh.load()) == {"check:a"}
    assert len(fresh.warnings) == 1 and "1 unreadable line" in fresh.warnings[0]


def test_a_task_never_fetched_is_saved_and_restored_without_a_phase(store: StateStore) -> None:
    never = Snapshot(REF).failed_with(TaskError(ErrorKind.NETWORK, "down"), T0)
    store.record(str(REF), never, [])
    store.flush()
    got = StateStore(store.dir).load()[str(REF)].snapshot
    assert got.phase is None and got.fetched_at is None and got.error is not None
