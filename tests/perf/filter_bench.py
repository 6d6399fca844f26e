"""Filter and sort benchmark (a script, prints figures): time per keystroke at 1,000 and 10,000 tasks.

    python tests/perf/filter_bench.py [--sizes 1000,10000] [--text "ench-1"] [--rounds 3]

Runs the real app in process under Textual's Pilot (120×40, headless) over a watch list of N
paused tasks, types a filter one key at a time and measures, per key, the wall time from
sending the key until the app is idle again (the filter applied and the screen rendered),
and the time spent in the filter's own work (MainScreen.apply_views: board and table), then
the same for `s` (the next sort order) and for clearing the filter. Then the keys in
one burst (all posted at once, as a slow link delivers them) and the time until the last one
has been applied. Figures are wall times on a shared machine: compare sizes within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


async def one_size(n: int, text: str, rounds: int) -> dict[str, list[float]]:
    from textual import events

    from tests.many_tasks import filled, write_watchlist
    from tui.app.app import HcwatchApp
    from tui.app.screens.main import MainScreen
    from tui.clock import FakeClock
    from tui.runtime import Runtime

    out: dict[str, list[float]] = {"key": [], "cpu": [], "work": [], "sort": [], "clear": [], "burst": []}
    work: list[float] = []
    apply_views = MainScreen.apply_views

    def timed(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return apply_views(self, *args, **kwargs)
        finally:
            work.append(time.perf_counter() - t0)

    MainScreen.apply_views = timed  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory(prefix="hcwatch-filter-") as tmp:
        folder = Path(tmp)
        write_watchlist(folder / "watchlist.toml", n)
        runtime = Runtime.open(demo=True, clock=FakeClock(), watchlist_path=folder / "watchlist.toml",
                               state_dir=folder / "state")
        app = HcwatchApp(runtime)
        async with app.run_test(size=(120, 40)) as pilot:
            await filled(pilot, n)
            for _ in range(rounds):
                await pilot.press("slash")
                for ch in text:
                    work.clear()
                    t0, c0 = time.perf_counter(), time.process_time()
                    await pilot.press(ch)
                    await pilot.pause()
                    out["key"].append(time.perf_counter() - t0)
                    out["cpu"].append(time.process_time() - c0)
                    out["work"].append(sum(work))
                await pilot.press("enter")
                t0 = time.perf_counter()
                await pilot.press("s")
                await pilot.pause()
                out["sort"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await pilot.press("escape")
                await pilot.pause()
                out["clear"].append(time.perf_counter() - t0)
                assert len(app.main.table.order) == n
                # The same keys in one burst: every key is queued before the first is handled.
                t0 = time.perf_counter()
                app.post_message(events.Key("slash", "/"))
                for ch in text:
                    app.post_message(events.Key(ch, ch))
                while app.board.filter_text != text.strip():
                    await pilot.pause()
                await pilot.pause()
                out["burst"].append(time.perf_counter() - t0)
                shown = len(app.main.table.order)
                await pilot.press("escape")
                await pilot.pause()
            out["shown"] = [float(shown)]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="task counts (10: the floor, Textual and Pilot)")
    parser.add_argument("--text", default="ch-001", help="the filter typed (default 'ch-001', 6 keys)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"hcwatch filter benchmark (python {sys.version.split()[0]}), filter {args.text!r}")
    for n in (int(s) for s in args.sizes.split(",") if s):
        t = asyncio.run(one_size(n, args.text, args.rounds))

        def ms(name: str, f=statistics.median, t=t) -> str:
            return f"{f(t[name]) * 1000:6.1f}"

        print(f"{n:>6} tasks: per key: filter work median {ms('work')} ms max {ms('work', max)} ms (target 50 ms at "
              f"10,000), process CPU {ms('cpu')} ms, key→idle {ms('key')} ms; sort {ms('sort')} ms; "
              f"clear {ms('clear')} ms; burst of {len(args.text) + 1} keys {ms('burst')} ms; "
              f"rows left {int(t['shown'][0])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
