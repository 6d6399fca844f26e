"""The state file and the packed histories: the same lines as before, one log shared with the poller, lines reused."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tui.clock import FakeClock
from tui.history import ChangeLog
from tui.model import Change, Phase, Snapshot, TaskRef
from tui.outcome import Run
from tui.store import state_lines
from tui.store.state import StateStore

T0 = datetime(2026, 1, 31, 9, 30, 15, 123456, tzinfo=UTC)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
ORDER = ["pending", "running", "succeeded", "failed", "stopped", "idle", "unknown"]


def ref(i: int) -> TaskRef:
    return TaskRef.parse(f"check:t{i:05d}")


def history(r: TaskRef, n: int, seed: int) -> list[Change]:
    rng = random.Random(seed)
    at, out = T0, []
    for i in range(n):
        at += timedelta(microseconds=rng.choice([0, 7, 60_000_000, 86_400_000_001]))
        f, t = rng.choice(list(Phase)), rng.choice(list(Phase))
        out.append(Change(r, f, t, at, rng.random() < 0.5, rng.choice([None, 12.5, 100.0, 1 / 3]),
                          rng.choice(["", "scanning", f"step {i}"]), rng.random() < 0.1))
    return out


def old_flat(changes: list[Change]) -> list[Any]:
    """The history of a line as the encoder before tui.history wrote it (a copy of that loop)."""
    flat: list[Any] = []
    prev = EPOCH
    for c in changes:
        f, t = ORDER.index(c.from_phase.value), ORDER.index(c.to_phase.value)
        code = f | t << 3 | (64 if bool(c.major) is not (f != t) else 0) | (128 if c.while_closed else 0)
        flat.extend((code, (c.at - prev) // timedelta(microseconds=1), c.progress, c.message))
        prev = c.at
    return flat


def lines(store: StateStore) -> list[Any]:
    return [json.loads(line) for line in store.path.read_text().splitlines()[1:]]


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / "state", clock=FakeClock())


def test_lines_are_written_as_before_and_read_back_equal(store: StateStore) -> None:
    hists = {str(ref(i)): history(ref(i), 40, i) for i in range(30)}
    for key, hist in hists.items():
        store.record(key, Snapshot(TaskRef.parse(key), Phase.RUNNING, 1.0, fetched_at=T0), hist)
    store.flush()
    for line in lines(store):
        assert line[2] == old_flat(hists[line[0]])  # the same file as before, value for value
    loaded = StateStore(store.dir).load()
    assert {k: list(st.history) for k, st in loaded.items()} == hists
    assert all(isinstance(st.history, ChangeLog) for st in loaded.values())


def test_a_line_written_the_old_way_reads_back_the_same_changes(store: StateStore) -> None:
    """A file of the previous version (the old encoder's flat history), a smaller limit, times going back."""
    r = ref(1)
    hist = history(r, 30, 3)
    hist[10] = Change(**{**hist[10].__dict__, "at": T0 - timedelta(days=3)})  # back in time
    header = {"hcwatch_state": 2, "saved_at": "2026-01-31T10:00:00+00:00", "phases": ORDER}
    store.dir.mkdir(parents=True)
    store.path.write_text(json.dumps(header) + "\n" + json.dumps([str(r), [1], old_flat(hist)]) + "\n")
    assert list(StateStore(store.dir).load()[str(r)].history) == hist
    assert list(StateStore(store.dir, history_limit=7).load()[str(r)].history) == hist[-7:]


def test_a_file_numbering_phases_otherwise_reads_the_same_changes(store: StateStore) -> None:
    r = ref(2)
    hist = history(r, 25, 4)
    mine = ORDER[::-1]  # the header names the phases: a file may number them differently
    flat = old_flat(hist)
    for i in range(0, len(flat), 4):
        code = flat[i]
        f, t = mine.index(ORDER[code & 7]), mine.index(ORDER[code >> 3 & 7])
        flat[i] = f | t << 3 | (code & 192)
    store.dir.mkdir(parents=True)
    store.path.write_text(json.dumps({"hcwatch_state": 2, "phases": mine}) + "\n"
                          + json.dumps([str(r), [mine.index("running")], flat]) + "\n")
    got = StateStore(store.dir).load()[str(r)]
    assert list(got.history) == hist and got.snapshot.phase is Phase.RUNNING


def test_the_poller_and_the_store_share_one_log_and_the_runs_still_count(store: StateStore) -> None:
    r = ref(3)
    key = str(r)
    store.record(key, Snapshot(r, Phase.PENDING, fetched_at=T0), history(r, 3, 5))
    store.flush()
    fresh = StateStore(store.dir)
    log = fresh.load()[key].history
    assert isinstance(log, ChangeLog)
    # The poller, seeded with the loaded log, appends each change before the runtime records it.
    start = Change(r, Phase.PENDING, Phase.RUNNING, T0 + timedelta(days=9), True)
    end = Change(r, Phase.RUNNING, Phase.SUCCEEDED, T0 + timedelta(days=9, minutes=30), True)
    for change, phase in ((start, Phase.RUNNING), (end, Phase.SUCCEEDED)):
        log.append(change)
        fresh.record(key, Snapshot(r, phase, fetched_at=change.at), [change])
    got = fresh.get(key)
    assert got is not None and list(got.history)[-2:] == [start, end] and len(got.history) == 5  # each once
    assert fresh.runs(key).runs == (Run(Phase.SUCCEEDED, 1800.0, start.at),)
    fresh.flush()
    assert list(StateStore(store.dir).load()[key].history)[-2:] == [start, end]


def test_unchanged_lines_are_copied_from_the_file_and_a_replaced_file_is_not_trusted(store: StateStore) -> None:
    for i in range(50):
        store.record(str(ref(i)), Snapshot(ref(i), Phase.RUNNING, float(i), fetched_at=T0), history(ref(i), 8, i))
    store.flush()
    before = store.path.read_text().splitlines()
    again = StateStore(store.dir)
    again.load()
    again.record(str(ref(7)), Snapshot(ref(7), Phase.FAILED, 7.0, fetched_at=T0 + timedelta(hours=1)))
    assert again.flush()
    after = store.path.read_text().splitlines()
    assert [i for i, (a, b) in enumerate(zip(before[1:], after[1:], strict=True)) if a != b] == [7]
    # Another writer replaced the file: what this store remembers is written in full, not copied from it.
    store.path.write_text(before[0] + "\n" + json.dumps(["check:zzz", [1]]) + "\n")
    again.record(str(ref(8)), Snapshot(ref(8), Phase.FAILED, 8.0, fetched_at=T0 + timedelta(hours=2)))
    assert again.flush()
    final = StateStore(store.dir).load()
    assert set(final) == {str(ref(i)) for i in range(50)}
    assert final[str(ref(9))].snapshot.progress == 9.0 and list(final[str(ref(9))].history) == history(ref(9), 8, 9)
    assert final[str(ref(8))].snapshot.phase is Phase.FAILED


def test_a_big_file_loads_chunk_by_chunk_and_a_bad_line_loses_only_its_task(store: StateStore,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_lines, "CHUNK", 2000)  # many chunks of a few lines
    for i in range(120):
        store.record(str(ref(i)), Snapshot(ref(i), Phase.RUNNING, fetched_at=T0), history(ref(i), 6, i))
    store.flush()
    text = store.path.read_text().splitlines()
    text[40] = text[40].replace('"step', '"step', 1)[:-20] + "]]"  # a line cut short (a bad history)
    flat = json.loads(text[41])
    flat[2][1] = "soon"  # a time that is not a number
    text[41] = json.dumps(flat)
    text[42] = "not json"
    store.path.write_text("\n".join(text) + "\n")
    fresh = StateStore(store.dir, clock=FakeClock())
    got = fresh.load()
    lost = {json.loads(text[i])[0] for i in (40, 41) if text[i].startswith("[") and _parses(text[i])}
    assert len(got) == 117 and not lost & set(got)
    assert len(fresh.warnings) == 1 and "3 unreadable lines" in fresh.warnings[0]
    for key, st in got.items():
        assert list(st.history) == history(TaskRef.parse(key), 6, int(key[7:]))


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_appending_to_a_loaded_log_leaves_the_other_tasks_as_they_were(store: StateStore) -> None:
    """Loaded logs read one set of columns for all the tasks of a chunk until they are appended to."""
    hists = {str(ref(i)): history(ref(i), 5, i) for i in range(3)}
    for key, hist in hists.items():
        store.record(key, Snapshot(TaskRef.parse(key), Phase.RUNNING, fetched_at=T0), hist)
    store.flush()
    loaded = StateStore(store.dir).load()
    first = loaded[str(ref(0))].history
    assert isinstance(first, ChangeLog)
    more = history(ref(0), 300, 99)
    for change in more:
        first.append(change)
    assert list(first) == (hists[str(ref(0))] + more)[-200:]
    assert {k: list(st.history) for k, st in loaded.items() if k != str(ref(0))} == \
        {k: v for k, v in hists.items() if k != str(ref(0))}


def test_a_file_cut_short_in_place_is_not_copied_from(store: StateStore, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(20):
        store.record(str(ref(i)), Snapshot(ref(i), Phase.RUNNING, float(i), fetched_at=T0), history(ref(i), 4, i))
    store.flush()
    again = StateStore(store.dir, clock=FakeClock())
    again.load()
    whole = store.path.read_bytes()
    with open(store.path, "r+b") as fh:  # the same file (inode), cut short: not the file remembered
        fh.truncate(len(whole) // 2)
    again.record(str(ref(3)), Snapshot(ref(3), Phase.FAILED, 3.0, fetched_at=T0 + timedelta(hours=1)))
    assert again.flush()
    final = StateStore(store.dir).load()
    assert len(final) == 20 and list(final[str(ref(19))].history) == history(ref(19), 4, 19)
    # Cut short while a save reads it (after its check): the save fails with an OSError, the file stays.
    again.record(str(ref(4)), Snapshot(ref(4), Phase.FAILED, 4.0, fetched_at=T0 + timedelta(hours=2)))
    saved = store.path.read_bytes()
    real = state_lines.old_lines

    def cut(path: Path, known: state_lines.FileId | None) -> state_lines.OldFile | None:
        old = real(path, known)
        assert old is not None
        os.truncate(path, 10)
        return old

    monkeypatch.setattr("tui.store.state.old_lines", cut)
    with pytest.raises(OSError, match="changed while it was saved"):
        again.flush()
    assert store.path.stat().st_size == 10 and saved  # what was there (here: the cut file) is not replaced
    monkeypatch.setattr("tui.store.state.old_lines", real)
    assert again.flush()  # the next save encodes every line
    assert len(StateStore(store.dir).load()) == 20


def test_a_file_numbering_its_phases_otherwise_keeps_them_after_a_save(tmp_path):
    # Its lines used to be copied as they were under our header: a succeeded task read back as stopped.
    import json as _json

    from tui.clock import FakeClock
    from tui.model import Phase, TaskRef

    theirs = ["pending", "running", "succeeded", "failed", "stopped", "idle", "unknown"][::-1]
    a, b = TaskRef.parse("check:aaa"), TaskRef.parse("check:bbb")
    t0 = 189_000_000_000_000
    (tmp_path / "state.jsonl").write_text(
        _json.dumps({"hcwatch_state": 2, "phases": theirs}) + "\n"
        + _json.dumps([str(a), [theirs.index("succeeded"), 100.0, "done", None, {}, t0]]) + "\n"
        + _json.dumps([str(b), [theirs.index("running"), 5.0, "x", None, {}, t0]]) + "\n")
    store = StateStore(tmp_path, clock=FakeClock())
    got = store.load()
    assert got[str(a)].snapshot.phase is Phase.SUCCEEDED
    store.record(str(b), got[str(b)].snapshot)
    store.flush()
    again = StateStore(tmp_path).load()
    assert again[str(a)].snapshot.phase is Phase.SUCCEEDED and again[str(b)].snapshot.phase is Phase.RUNNING


def test_a_file_that_only_looks_like_the_last_one_written_loses_no_task(tmp_path):
    # Another writer's file under the same inode, size and mtime (an inode reused on a filesystem with
    # coarse times), emulated by an in-place rewrite of the same size: the lines copied from it used
    # to be trusted after the first of a run, and two tasks came out glued into one unreadable line.
    import os

    from tui.clock import FakeClock
    from tui.model import Phase, Snapshot, TaskRef

    at = datetime(2026, 1, 1, tzinfo=UTC)
    store = StateStore(tmp_path, clock=FakeClock())
    refs = [TaskRef.parse(f"check:{c * 3}") for c in "abcde"]
    for ref, message in zip(refs, ["m", "mm", "mm", "mmmm", "mmmm"], strict=True):
        store.record(str(ref), Snapshot(ref, Phase.RUNNING, 1.0, message, fetched_at=at))
    store.flush()
    path, st = store.path, os.stat(store.path)
    lines = path.read_text().splitlines(keepends=True)
    lines[3] = lines[3].replace('"mm"', '"mmmm"')
    lines[5] = lines[5].replace('"mmmm"', '"mm"')
    with open(path, "r+") as fh:
        fh.write("".join(lines))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size
    store.record(str(refs[0]), Snapshot(refs[0], Phase.FAILED, 1.0, "m", fetched_at=at))
    store.record(str(refs[3]), Snapshot(refs[3], Phase.FAILED, 1.0, "mmmm", fetched_at=at))
    store.flush()
    again = StateStore(tmp_path)
    got = again.load()
    assert sorted(got) == sorted(str(r) for r in refs) and not again.warnings
    assert [got[str(r)].snapshot.phase for r in refs] == [Phase.FAILED, Phase.RUNNING, Phase.RUNNING, Phase.FAILED,
                                                           Phase.RUNNING]


def test_a_load_shares_the_watch_list_s_refs_and_parses_the_others(store: StateStore) -> None:
    """Each restored task held a TaskRef of its own beside the watch list's (10,000 more objects)."""
    a, b = ref(1), ref(2)
    for r in (a, b):
        store.record(str(r), Snapshot(r, Phase.RUNNING, fetched_at=T0), history(r, 3, 7))
    store.flush()
    mine = TaskRef.parse(str(a))  # the watch list's object: equal to the file's, not the same one
    loaded = StateStore(store.dir).load({str(a): mine})
    assert loaded[str(a)].snapshot.ref is mine and all(c.ref is mine for c in loaded[str(a)].history)
    assert loaded[str(b)].snapshot.ref == b and loaded[str(b)].snapshot.ref is not mine
    assert list(loaded[str(a)].history) == history(a, 3, 7)
