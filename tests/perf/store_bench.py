"""Benchmark: load and save of a 10,000-task watch list and its state (run as a script; prints figures)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import timeit
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.model import Change, ErrorKind, Phase, RequestInfo, Snapshot, TaskError, TaskRef, WatchedTask  # noqa: E402
from tui.store.atomic import atomic_write  # noqa: E402
from tui.store.state import StateStore  # noqa: E402
from tui.store.watchlist import Document, Watchlist  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SERVICES = ("check", "build", "dws")


def make_tasks(n: int) -> list[WatchedTask]:
    tasks = []
    for i in range(n):
        service = SERVICES[i % 3]
        ref = f"dws:05f2cff45100d5112f4bc00b794ea08e/job{i:06d}" if service == "dws" else f"{service}:t{i:06d}b31ed520ebedb6e57"
        tasks.append(WatchedTask(TaskRef.parse(ref), f"{service} nightly {i}", "default" if i % 5 else "prod",
                                 T0 + timedelta(seconds=i), i % 11 == 0))
    return tasks


def fill_state(store: StateStore, tasks: list[WatchedTask], history: int) -> None:
    for i, t in enumerate(tasks):
        at = T0 + timedelta(hours=1, seconds=i, microseconds=i)
        err = TaskError(ErrorKind.THROTTLED, "Too many requests", "APIG.0308", 429, f"req-{i}", 3.0) if i % 13 == 0 else None
        snap = Snapshot(
            t.ref, Phase.RUNNING, float(i % 100), f"scanning module {i % 17}", "1",
            {"task_status": 1, "progress": f"{i % 100}%", "info": {"lines": i, "rules": "default"}},
            at, at, err, RequestInfo("GET", f"https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/{t.ref.task_id}/progress"),
        )
        changes = [
            Change(t.ref, Phase.PENDING if k == 0 else Phase.RUNNING, Phase.RUNNING, at + timedelta(minutes=k, microseconds=k),
                   k == 0, float(k * 10), f"step {k}")
            for k in range(history)
        ]
        store.record(t.key, snap, changes)


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Best and median wall time and best CPU time of `repeat` runs, in ms (best: the least disturbed by other load)."""
    times, cpu = [], []
    for _ in range(repeat):
        start, cpu0 = time.perf_counter(), time.process_time()
        kept = fn()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - cpu0) * 1000)
        del kept  # freeing what a load built is not part of the load (the app keeps it)
    return min(times), statistics.median(times), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--history", type=int, nargs="+", default=[5, 20, 200],
                        help="changes per task in the state, one set of figures each (default 5 20 200)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n, repeat = args.tasks, args.repeat

    # A machine-speed reference, so figures from different machines can be compared.
    ref_us = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"machine reference: sum(range(1000)) = {ref_us:.1f} µs (a 2023 laptop: ~5 µs)")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tasks = make_tasks(n)
        wl = Watchlist(root / "watchlist.toml")
        doc = Document(tasks=list(tasks))
        wl._set(doc)

        def save_watchlist() -> None:
            wl.save()

        def write_watchlist() -> None:
            atomic_write(wl.path, wl._dump(doc))

        def load_watchlist() -> object:
            return Watchlist(wl.path).load()

        def add_one() -> None:
            w = Watchlist(wl.path)
            w.add(WatchedTask(TaskRef.parse("build:bench-extra")))
            w.remove("build:bench-extra")

        results = []
        wl.save()  # the file exists from here on, so every save below re-reads it first
        results.append(("watch list: save (lock, re-read, merge, atomic write)", best(save_watchlist, repeat)))
        results.append(("watch list: just encode + atomic write", best(write_watchlist, repeat)))
        size = wl.path.stat().st_size
        results.append(("watch list: load", best(load_watchlist, repeat)))
        results.append(("watch list: add + remove one task (2 merged saves)", best(add_one, repeat)))
        assert len(Watchlist(wl.path).load()) == n

        print(f"{n} tasks; watchlist.toml {size / 1e6:.2f} MB; wall best / median, CPU best of {repeat} runs")
        for label, (b, med, c) in results:
            print(f"  {label:<52} {b:8.1f} ms  {med:8.1f} ms  CPU {c:8.1f} ms")
        for history in args.history:
            # A week fills 20 changes per task with `history = 20` and up to 200 with the default.
            state_figures(root / f"state-{history}", tasks, history, repeat if history <= 20 else min(repeat, 3))


def state_figures(state_dir: Path, tasks: list[WatchedTask], history: int, repeat: int) -> None:
    """Save and load of the state with `history` changes per task."""
    n = len(tasks)
    results = []
    store = StateStore(state_dir, history_limit=max(200, history))
    fill_state(store, tasks, history)

    def cold_save() -> None:
        for cache in ("_kept", "_encoded"):  # (the name before the lines were kept as places in the file)
            getattr(store, cache, {}).clear()  # nothing cached: every task encoded
        store._dirty = True
        store.flush()

    def load_state() -> object:
        s = StateStore(state_dir, history_limit=max(200, history))
        got = s.load()
        assert len(got) == n and not s.warnings
        return s, got

    loaded = StateStore(state_dir, history_limit=max(200, history))

    def warm_save() -> None:
        # The steady state: loaded at start, then 100 tasks changed before the next write.
        for t in tasks[:100]:
            entry = loaded.get(t.key)
            loaded.record(t.key, entry.snapshot if entry else Snapshot(t.ref), [])
        loaded.flush()

    results.append((f"state: save, all {n} tasks encoded", best(cold_save, repeat)))
    ssize = store.path.stat().st_size
    results.append(("state: load", best(load_state, repeat)))
    loaded.load()
    results.append(("state: save after load, 100 tasks changed", best(warm_save, repeat)))
    rec = StateStore(state_dir)
    snap = Snapshot(tasks[0].ref, Phase.RUNNING, 1.0)
    record_us = min(timeit.repeat(lambda: rec.record(tasks[0].key, snap, []), number=10_000, repeat=3)) / 10_000 * 1e6
    print(f"state.jsonl {ssize / 1e6:.2f} MB ({history} changes per task); wall best / median, CPU best of "
          f"{repeat} runs")
    for label, (b, med, c) in results:
        print(f"  {label:<52} {b:8.1f} ms  {med:8.1f} ms  CPU {c:8.1f} ms")
    print(f"  {'state: record() on the poll path':<52} {record_us:8.2f} µs")
    print(f"  {'state: memory a load holds (traced)':<52} {held_after_load(state_dir, history) / 1e6:8.1f} MB")
    print(f"  {'state: memory a save adds at its peak (traced)':<52} {save_peak(cold_save) / 1e6:8.1f} MB")


def held_after_load(state_dir: Path, history: int) -> int:
    """Bytes of Python objects a loaded state keeps (snapshots, change logs, run books), by tracemalloc."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        s = StateStore(state_dir, history_limit=max(200, history))
        got = s.load()
        held = tracemalloc.get_traced_memory()[0] - before
        del s, got
        return held
    finally:
        tracemalloc.stop()


def save_peak(save: Callable[[], None]) -> int:
    """Bytes a save of every task allocates at its highest point beyond what was held before it, by tracemalloc."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        save()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    main()
