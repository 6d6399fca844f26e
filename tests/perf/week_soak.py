"""A simulated week on the FakeClock (a script, prints figures): RSS and state-file size at day 1, 3 and 7.

    python tests/perf/week_soak.py [--tasks 1000] [--days 7] [--history 200] [--restart process|none|inprocess]

1,000 tasks against the in-process simulator on one FakeClock: each task runs again and again
(a run of 20-60 minutes every 2-5 hours, a third of them fail), so every task keeps changing
all week; every 6 hours a fault hits for 10 minutes (server errors, throttling, dropped
connections in turn); every simulated day hcwatch is stopped and started again (state saved and
loaded). Intervals are stretched (default 600 s running, 3600 s finished) so a week is a few
hundred thousand polls and takes minutes, not hours.

Restarts (--restart): `process` (default) runs each day in a new process, as a user's restart
is, and samples that process's RSS at the end of its day; `none` keeps one process all week
(a leak shows there); `inprocess` makes a new runtime in the same process each day (the old
soak: glibc and pymalloc keep the freed memory of the previous runtimes fragmented, which a
real restart never has). RSS is taken from the live runtime at the end of each day (before a
restart stops it), after gc.collect() and malloc_trim(0). The simulator's
request log is reset every day (test scaffolding, not hcwatch); its scripted tasks are fixed.

With --board the TUI's screen-free parts run too, as the app drives them: the board (every
update noted, changes marked, a flush per FakeClock step building the visible rows, the header
and the detail pane's text for the cursor's task, the slow tick's retime, the user glancing and
marking all seen twice a day) and the notification dispatcher (desktop notifications to a
counter). Without it only the runtime (poller, store, cloud) runs.

Prints, at day 1, 2, 3 and 7: RSS, state.jsonl size, polls so far, the longest history and the
changes and runs the state holds (bounded: `history` changes and 20 runs per task; a history
cap of 200 is not full within a week here, so RSS grows with it until it is); then RSS day 7 /
day 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tui.store.state import STATE_FILE  # noqa: E402

DAY = 86400.0
START = 1_767_225_600.0  # the FakeClock's default start, 2026-01-01T00:00:00Z
FAULT_EVERY = 6 * 3600.0
FAULT_FOR = 600.0
FAULT_KINDS = ("server", "throttle", "drop")


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def script(rng: random.Random, service: str) -> tuple[list[tuple[float, dict]], float]:
    """One task's loop: idle, then a run that succeeds or fails; returns (steps, loop length)."""
    from tui.sim.script import Ramp

    gap = rng.uniform(2, 5) * 3600
    run = rng.uniform(20, 60) * 60
    fail = rng.random() < 1 / 3
    if service == "check":
        running = {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "scanning"}}
        done = {"task_status": 1 if fail else 2, "progress": {"ratio": "100%", "info": "failed" if fail else "done"}}
    elif service == "build":
        running = {"result": True, "last_build_no": 1}
        done = {"result": False, "last_build_no": 1, "build_result": "FAILED" if fail else "SUCCESS"}
    else:
        running = {"status": "RUNNING", "progress": Ramp(0, 100)}
        done = {"status": "FAILED" if fail else "FINISH", "progress": "100%"}
    return [(0.0, running), (run, done)], gap + run


def trimmed_rss_mb() -> float:
    """RSS after a full collection and malloc_trim(0): what the process holds, not what the allocator kept free."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


def write_inputs(folder: Path, n: int, interval: float, finished: float, history: int) -> list[str]:
    """config.toml and watchlist.toml for n tasks (a third of each service); returns their REFs."""
    from tui.config.settings import load_config
    from tui.sim import Simulator

    (folder / "config.toml").write_text(f"interval = {interval:g}\nfinished_interval = {finished:g}\n"
                                        f"rate = 1000\nmax_in_flight = 8\nhistory = {history}\n", encoding="utf-8")
    assert load_config(folder / "config.toml").interval == interval
    kinds = ("check", "build", "dws")
    refs = [f"{kinds[i % 3]}:soak{i:06d}" if i % 3 != 2 else f"dws:{Simulator.DEMO_PROJECT_ID}/soak{i:06d}"
            for i in range(n)]
    parts = ["version = 1\n"]
    for i, ref in enumerate(refs):
        parts.append(f'\n[[task]]\nref = "{ref}"\nname = "soak-{i:06d}"\nprofile = "default"\npaused = false\n')
    (folder / "watchlist.toml").write_text("".join(parts), encoding="utf-8")
    return refs


class Front:
    """What the TUI holds beside the runtime, driven as its screen drives it, with no screen (--board)."""

    def __init__(self, rt: Any) -> None:
        from tui.app.board import Board
        from tui.notify.detect import Route
        from tui.notify.setup import open_dispatcher

        self.rt = rt
        self.board = Board(rt, rt.settings.notify)
        self.written = 0
        self.dispatcher = open_dispatcher(rt.settings, rt.clock, Route("osc777", "week soak"), write=self.write,
                                          lookup=self.lookup, bell=False)
        self.current: str | None = None
        self.board.rebuild()

    def write(self, text: str) -> None:
        self.written += 1

    def lookup(self, key: str) -> Any:
        status = self.rt.status(key)
        return status.task if status is not None else None

    def on_update(self, update: Any) -> None:
        if update.changes:
            self.board.on_changes(update.key, update.changes)
        self.board.note_update(update)
        self.dispatcher.on_update(update)

    def flush(self) -> None:
        """A flush: the rows, the header and the detail pane of the cursor's task (the first row)."""
        from tui.app.widgets.detail import render_detail
        from tui.facts import facts_of_runtime

        batch = self.board.take_batch(self.current)
        if batch.redraw:
            rows = self.board.visible_rows()
            self.current = rows[0].key if rows else None
        self.board.new_header()
        status = self.board.status_of(self.current)
        if status is not None:
            now = self.rt.clock.now()
            history = list(status.history)
            render_detail(status.task, status.snapshot, history, next_due=status.next_due, paused=status.paused,
                          stopped_reason=status.stopped_reason, now=now,
                          facts=facts_of_runtime(self.rt, status.task, status.snapshot, history))

    def tick(self) -> None:
        self.board.retime()

    async def close(self) -> None:
        await self.dispatcher.close(0)


async def run_days(folder: Path, refs: list[str], first: int, last: int, step: float, restart: bool,
                   sample: Callable[[int, int], None] | None = None, board: bool = False) -> int:
    """Simulated days first..last-1 in this process (one runtime, or a new one each day); returns polls made.

    Every process builds the same scripts (seeded) against the same start, so a day run in a new
    process sees every task where it would be after a real restart.
    """
    from tui.clock import FakeClock
    from tui.runtime import Runtime

    rng = random.Random(15)
    scripts = [script(rng, ref.split(":")[0]) for ref in refs]
    clock = FakeClock(START + first * DAY)
    polls = [0]

    front: Front | None = None

    def on_update(update) -> None:
        polls[0] += 1
        if front is not None:
            front.on_update(update)

    rt = None
    for day in range(first, last):
        if rt is None:
            rt = Runtime.open(demo=True, clock=clock, config_path=folder / "config.toml",
                              watchlist_path=folder / "watchlist.toml", state_dir=folder / "state")
            sim = rt.simulator
            for ref, (steps, loop) in zip(refs, scripts, strict=True):
                sim.add_task(ref, steps, loop=loop, at=START)
            await rt.start(on_update=on_update)
            front = Front(rt) if board else None
        day_end = START + (day + 1) * DAY
        fault = None
        while clock.time() < day_end:
            since = (clock.time() - START) % FAULT_EVERY
            if since < FAULT_FOR and fault is None:
                fault = sim.inject(FAULT_KINDS[int((clock.time() - START) // FAULT_EVERY) % len(FAULT_KINDS)])
            elif since >= FAULT_FOR and fault is not None:
                sim.faults.remove(fault)
                fault = None
            clock.advance(step)
            for _ in range(3):
                await asyncio.sleep(0)
            if front is not None:
                front.flush()
                if int(clock.time()) % 60 < step:
                    front.tick()
                if (clock.time() - START) % (DAY / 2) < step:
                    front.board.mark_all_seen()   # the user looks, twice a day
        # The fake cloud's request log is test scaffolding, not hcwatch: it must not grow into the figure.
        sim.stats.reset()
        rt._save_state()  # what a restart would find on disk (and what the figures read)
        if sample is not None:
            sample(day + 1, polls[0])  # the live runtime at the end of its day, as the user's process holds it
        if restart:
            if front is not None:
                await front.close()
            await rt.stop()  # a restart: state saved, then loaded by the next runtime
            rt = sim = front = None
    if front is not None:
        await front.close()
    if rt is not None:
        await rt.stop()
    return polls[0]


def held(folder: Path) -> tuple[int, int, int]:
    """(longest history, changes, runs) in the state file: the bounded data a week fills."""
    from tui.store.state import StateStore

    saved = StateStore(folder / "state").load()
    return (max((len(s.history) for s in saved.values()), default=0), sum(len(s.history) for s in saved.values()),
            sum(len(s.runs.runs) for s in saved.values()))


def soak(n: int, days: int, interval: float, finished: float, step: float, history: int, restart: str,
         board: bool = False) -> list[dict]:
    """The week; RSS sampled (after gc + malloc_trim) in the process that ran the day, at its end."""
    figures: list[dict] = []
    checkpoints = {1, 2, 3, 7, days}
    real0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hcwatch-week-") as tmp:
        folder = Path(tmp)
        refs = write_inputs(folder, n, interval, finished, history)
        total = [0]

        def record(day: int, rss: float, polls: int) -> None:
            total[0] = polls
            if day not in checkpoints:
                return
            path = folder / "state" / STATE_FILE
            # Read in another process: loading the state here would count in the next day's RSS.
            out = subprocess.run([sys.executable, __file__, "--held", "--folder", str(folder)],
                                 check=True, capture_output=True, text=True).stdout
            longest, changes, runs = json.loads(out.strip().splitlines()[-1])
            figures.append({"day": day, "rss_mb": rss, "state_mb": path.stat().st_size / 1e6 if path.exists() else 0,
                            "polls": polls, "longest_history": longest, "changes": changes, "runs": runs,
                            "real_s": time.perf_counter() - real0})
            f = figures[-1]
            print(f"  day {day}: RSS {f['rss_mb']:6.1f} MB  state.jsonl {f['state_mb']:6.2f} MB  "
                  f"polls {f['polls']:>8}  history longest {f['longest_history']:>3}, held {changes:>7} changes "
                  f"{runs:>6} runs  ({f['real_s']:.0f} s real)", flush=True)

        if restart == "process":
            # A restart is a new process, as for a user: each day runs in its own child; its RSS is hcwatch's
            # after loading the state the previous days left.
            for day in range(days):
                out = subprocess.run([sys.executable, __file__, "--child", str(day), "--folder", str(folder),
                                      "--tasks", str(n), "--step", str(step), *(["--board"] if board else [])],
                                     check=True, capture_output=True, text=True).stdout
                child = json.loads(out.strip().splitlines()[-1])
                record(day + 1, child["rss_mb"], total[0] + child["polls"])
        else:
            asyncio.run(run_days(folder, refs, 0, days, step, restart == "inprocess",
                                 lambda day, polls: record(day, trimmed_rss_mb(), polls), board))
    return figures


def child(day: int, folder: Path, n: int, step: float, board: bool) -> int:
    """One simulated day in this process (a fresh start); prints {"rss_mb", "polls"} as its last line."""
    from tui.sim import Simulator

    kinds = ("check", "build", "dws")
    refs = [f"{kinds[i % 3]}:soak{i:06d}" if i % 3 != 2 else f"dws:{Simulator.DEMO_PROJECT_ID}/soak{i:06d}"
            for i in range(n)]
    result: dict[str, float] = {}

    def sample(_day: int, polls: int) -> None:
        result.update(rss_mb=trimmed_rss_mb(), polls=polls)

    asyncio.run(run_days(folder, refs, day, day + 1, step, True, sample, board))
    print(json.dumps(result))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--interval", type=float, default=600.0)
    ap.add_argument("--finished", type=float, default=3600.0)
    ap.add_argument("--step", type=float, default=5.0, help="FakeClock step in seconds (default 5)")
    ap.add_argument("--history", type=int, default=200, help="changes kept per task (config `history`, default 200)")
    ap.add_argument("--restart", choices=("process", "none", "inprocess"), default="process",
                    help="a restart a day as a new process (default, as for a user), no restart all week, or a new "
                         "runtime in this process (allocator fragmentation counts then)")
    ap.add_argument("--board", action="store_true",
                    help="also drive the board and the notification dispatcher, as the TUI does (no screen)")
    ap.add_argument("--repeat", type=int, default=1, help="whole weeks to run, each from an empty state; the "
                    "median ratio is printed (runs differ by a few per cent: judge the median of 3 or more)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--held", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.held:
        print(json.dumps(held(args.folder)))
        return 0
    if args.child is not None:
        return child(args.child, args.folder, args.tasks, args.step, args.board)
    print(f"week_soak: {args.tasks} tasks, {args.days} simulated days, interval {args.interval:g} s, "
          f"finished {args.finished:g} s, history {args.history}, restart: {args.restart}, "
          f"{'runtime + board + dispatcher' if args.board else 'runtime only'}, a fault every 6 h "
          f"(python {sys.version.split()[0]}); RSS after gc + malloc_trim", flush=True)
    ratios = []
    for run in range(args.repeat):
        if args.repeat > 1:
            print(f"run {run + 1} of {args.repeat}", flush=True)
        figures = soak(args.tasks, args.days, args.interval, args.finished, args.step, args.history, args.restart,
                       args.board)
        if len(figures) >= 2:
            first, last = figures[0], figures[-1]
            ratios.append(last["rss_mb"] / first["rss_mb"])
            print(f"RSS day {last['day']} / day {first['day']}: {ratios[-1]:.3f} (target within 10 %); state.jsonl "
                  f"day {last['day']} / day {first['day']}: {last['state_mb'] / max(first['state_mb'], 1e-9):.2f}; "
                  f"RSS grew {last['rss_mb'] - first['rss_mb']:.1f} MB for {last['changes'] - first['changes']} "
                  f"changes and {last['runs'] - first['runs']} runs more held", flush=True)
    if ratios:
        who = resource.RUSAGE_CHILDREN if args.restart == "process" else resource.RUSAGE_SELF
        print(f"RSS day {args.days} / day 1 over {len(ratios)} run(s): median {statistics.median(ratios):.3f}, "
              f"{min(ratios):.3f}-{max(ratios):.3f}; peak RSS {resource.getrusage(who).ru_maxrss * 1024 / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
