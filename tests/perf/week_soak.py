"""A simulated week on the FakeClock (a script, prints figures): RSS and state-file size at day 1, 3 and 7.

    python tests/perf/week_soak.py [--tasks 1000] [--days 7] [--interval 600] [--finished 3600]

1,000 tasks against the in-process simulator on one FakeClock: each task runs again and again
(a run of 20-60 minutes every 2-5 hours, a third of them fail), so every task keeps changing
all week and its history passes the 200-change cap; every 6 hours a fault hits for 10 minutes
(server errors, throttling, dropped connections in turn); every simulated day hcwatch is
stopped and started again (state saved and loaded, the way a user closes and reopens it).
Intervals are stretched (default 600 s running, 3600 s finished) so a week is a few hundred
thousand polls and takes minutes, not hours; what it checks is that memory and the state file
stop growing once every history is full. Prints, at day 1, 3 and 7: RSS now (not the peak),
state.jsonl size, polls so far and the longest history held; then RSS day 7 / day 1.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DAY = 86400.0
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


async def soak(n: int, days: int, interval: float, finished: float, step: float, history: int) -> list[dict]:
    from tui.clock import FakeClock
    from tui.config.settings import load_config
    from tui.runtime import Runtime

    rng = random.Random(15)
    clock = FakeClock()
    figures: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="hcwatch-week-") as tmp:
        folder = Path(tmp)
        (folder / "config.toml").write_text(f"interval = {interval:g}\nfinished_interval = {finished:g}\n"
                                            f"rate = 1000\nmax_in_flight = 8\nhistory = {history}\n", encoding="utf-8")
        assert load_config(folder / "config.toml").interval == interval
        state_dir = folder / "state"
        polls = [0]

        def open_runtime() -> Runtime:
            rt = Runtime.open(demo=True, clock=clock, config_path=folder / "config.toml",
                              watchlist_path=folder / "watchlist.toml", state_dir=state_dir)
            return rt

        # The watch list, written once; the simulator's scripts are replayed into each runtime's own
        # simulator (the same clock, so every task is where it would be after the restart).
        from tui.sim import Simulator

        kinds = ("check", "build", "dws")
        refs = [f"{kinds[i % 3]}:soak{i:06d}" if i % 3 != 2 else f"dws:{Simulator.DEMO_PROJECT_ID}/soak{i:06d}"
                for i in range(n)]
        parts = ["version = 1\n"]
        for i, ref in enumerate(refs):
            parts.append(f'\n[[task]]\nref = "{ref}"\nname = "soak-{i:06d}"\nprofile = "default"\npaused = false\n')
        (folder / "watchlist.toml").write_text("".join(parts), encoding="utf-8")
        scripts = [script(rng, ref.split(":")[0]) for ref in refs]
        start = clock.time()

        def on_update(update) -> None:
            polls[0] += 1

        day, checkpoints = 0, {1, 2, 3, 7, days}
        real0 = time.perf_counter()
        while day < days:
            rt = open_runtime()
            sim = rt.simulator
            for ref, (steps, loop) in zip(refs, scripts, strict=True):
                sim.add_task(ref, steps, loop=loop, at=start)
            await rt.start(on_update=on_update)
            day_end = start + (day + 1) * DAY
            fault = None
            while clock.time() < day_end:
                since = (clock.time() - start) % FAULT_EVERY
                if since < FAULT_FOR and fault is None:
                    fault = sim.inject(FAULT_KINDS[int((clock.time() - start) // FAULT_EVERY) % len(FAULT_KINDS)])
                elif since >= FAULT_FOR and fault is not None:
                    sim.faults.remove(fault)
                    fault = None
                clock.advance(step)
                for _ in range(3):
                    await asyncio.sleep(0)
            await rt.stop()  # a restart: state saved, then loaded by the next runtime
            del rt, sim
            gc.collect()
            day += 1
            if day in checkpoints:
                size = (state_dir / "state.jsonl").stat().st_size if (state_dir / "state.jsonl").exists() else 0
                probe = open_runtime()
                longest = max((len(s.history) for s in probe.state.load().values()), default=0)
                probe.close()
                figures.append({"day": day, "rss_mb": rss_mb(), "state_mb": size / 1e6, "polls": polls[0],
                                "longest_history": longest, "real_s": time.perf_counter() - real0})
                f = figures[-1]
                print(f"  day {day}: RSS {f['rss_mb']:6.1f} MB  state.jsonl {f['state_mb']:6.2f} MB  "
                      f"polls {f['polls']:>8}  longest history {f['longest_history']:>3}  "
                      f"({f['real_s']:.0f} s real)", flush=True)
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--interval", type=float, default=600.0)
    ap.add_argument("--finished", type=float, default=3600.0)
    ap.add_argument("--step", type=float, default=5.0, help="FakeClock step in seconds (default 5)")
    ap.add_argument("--history", type=int, default=200, help="changes kept per task (config `history`, default 200)")
    args = ap.parse_args()
    print(f"week_soak: {args.tasks} tasks, {args.days} simulated days, interval {args.interval:g} s, "
          f"finished {args.finished:g} s, history {args.history}, a restart a day, a fault every 6 h (python {sys.version.split()[0]})")
    figures = asyncio.run(soak(args.tasks, args.days, args.interval, args.finished, args.step,
                                  args.history))
    if len(figures) >= 2:
        first, last = figures[0], figures[-1]
        print(f"RSS day {last['day']} / day {first['day']}: {last['rss_mb'] / first['rss_mb']:.2f} "
              f"(target within 10 %); state.jsonl day {last['day']} / day {first['day']}: "
              f"{last['state_mb'] / max(first['state_mb'], 1e-9):.2f}; peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
