"""TUI benchmark (a script, prints figures): first paint, idle CPU and bytes, CPU under polling, key latency.

    python tests/perf/tui_bench.py [--seconds 60] [--sizes 1000,10000] [--running 200]
    python tests/perf/tui_bench.py --only paint --runs 3 --checkout /work/wt-main   # this tree vs another

Each case runs the real app in a pseudo-terminal (a child process of this script) against the
in-process demo simulator, and measures from the outside: wall time from spawn until a task
name appears on the terminal, CPU from /proc/PID/stat at that moment, bytes read from the pty,
and the time from writing a key to the first byte of the repaint.

First paint is measured twice per size: with no saved state ("empty"), and with every task in
the state folder ("restore": also the time until the saved statuses are on screen). With
--checkout the same child code runs over another tree's `tui` package, alternating runs with this
tree's, and the ratio of the medians is printed (compare within one run, on a shared machine).
The children get a bytecode cache (PYTHONPYCACHEPREFIX, one warm-up run per tree) even when
PYTHONDONTWRITEBYTECODE is set, as an installed hcwatch has its modules compiled; --cold: without.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(os.environ.get("HCWATCH_BENCH_ROOT") or Path(__file__).resolve().parents[2])  # the tree measured
TICKS = os.sysconf("SC_CLK_TCK")
DWS_DONE = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0003"  # demo: finished, never re-polled


# ----- child: the app itself ------------------------------------------------------------------

def write_watchlist(path: Path, refs: list[tuple[str, str, bool]]) -> None:
    """Write watchlist.toml directly (10,000 adds through the locked API would take minutes)."""
    parts = ["version = 1\n"]
    for ref, name, paused in refs:
        parts.append(f'\n[[task]]\nref = "{ref}"\nname = "{name}"\nprofile = "default"\n'
                     f'paused = {"true" if paused else "false"}\n')
    path.write_text("".join(parts), encoding="utf-8")


def write_state(folder: Path, count: int) -> None:
    """A state folder that remembers every paint task (a poll each, a short history), as a real restart finds it."""
    sys.path.insert(0, str(ROOT))
    from datetime import UTC, datetime, timedelta

    from tui.model import Change, Phase, RequestInfo, Snapshot, TaskRef
    from tui.store.state import StateStore

    store = StateStore(folder / "state")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(count):
        ref = TaskRef.parse(f"check:bench{i:05d}")
        snap = Snapshot(ref, Phase.SUCCEEDED if i % 3 else Phase.FAILED, 100.0, f"bench message {i}", "2",
                        {"task_status": 2}, at, at, None, RequestInfo("GET", f"http://127.0.0.2/v2/tasks/bench{i:05d}"))
        changes = [Change(ref, Phase.PENDING, Phase.RUNNING, at - timedelta(minutes=9), True, 0.0, "start"),
                   Change(ref, Phase.RUNNING, snap.phase, at, True, 100.0, snap.message)]
        store.record(str(ref), snap, changes)
    store.flush()


def child(mode: str, count: int, folder: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from tui.app import run
    from tui.runtime import Runtime

    wl = folder / "watchlist.toml"
    if mode in ("paint", "restore"):
        # Paused: the figures are about the screen, not about polling 10,000 tasks.
        write_watchlist(wl, [(f"check:bench{i:05d}", f"bench-{i:05d}", True) for i in range(count)])
    elif mode == "idle":
        write_watchlist(wl, [(DWS_DONE, "bench-done", False)])
    elif mode == "running":
        write_watchlist(wl, [(f"check:run{i:05d}", f"bench-run-{i:05d}", False) for i in range(count)])
    rt = Runtime.open(demo=True, watchlist_path=wl, state_dir=folder / "state")
    if mode == "running":
        from tui.sim.script import Ramp  # here: a paint child imports what hcwatch itself does, no more

        for i in range(count):
            rt.simulator.add_task(f"check:run{i:05d}", [
                (0, {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "running"}}),
                (7200, {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}}),
            ])
    return run(rt)


# ----- parent: measuring from outside -------------------------------------------------------------

class Pty:
    """The app in a pseudo-terminal, with everything it writes collected by a reader thread."""

    def __init__(self, mode: str, count: int, size=(120, 40), root: Path = ROOT, pycache: str | None = None,
                 marks: tuple[bytes, ...] = ()) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="hcwatch-bench-")
        if mode == "restore":
            write_state(Path(self.tmp.name), count)
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(root),
                   HCWATCH_BENCH_ROOT=str(root))
        env.pop("NO_COLOR", None)
        if pycache is not None:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pycache
        self.marks: dict[bytes, tuple[float, float]] = {}  # needle -> (wall s, CPU s) when it first appeared
        self._wanted = list(marks)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--child", mode, str(count), self.tmp.name],
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
        )
        os.close(slave)
        self.out = bytearray()
        self.last_byte_at = 0.0
        self.lock = threading.Lock()
        self.changed = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None:
                        return
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.out += data
                self.last_byte_at = time.perf_counter()
                for needle in [n for n in self._wanted if n in self.out[-len(data) - 64:]]:
                    self._wanted.remove(needle)
                    self.marks[needle] = (self.last_byte_at - self.started, self.cpu())
            self.changed.set()

    def wait_for(self, needle: bytes, timeout: float = 60) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            with self.lock:
                if needle in self.out:
                    return self.last_byte_at - self.started
            self.changed.wait(0.01)
            self.changed.clear()
        raise TimeoutError(f"{needle!r} never appeared")

    def quiet(self, seconds: float = 1.0, timeout: float = 60) -> None:
        """Wait until nothing has been written for `seconds`."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if time.perf_counter() - self.last_byte_at >= seconds:
                return
            time.sleep(0.05)

    def cpu(self) -> float:
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, AttributeError):
            return float("nan")  # gone already (or not spawned yet)
        return (int(fields[11]) + int(fields[12])) / TICKS

    def mark(self, needle: bytes, timeout: float = 60) -> tuple[float, float]:
        """(wall s, CPU s) from spawn until `needle` first appeared (passed to the constructor)."""
        deadline = time.perf_counter() + timeout
        while needle not in self.marks:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} never appeared")
            self.changed.wait(0.01)
            self.changed.clear()
        return self.marks[needle]

    def key_latency(self, key: bytes, n: int = 30) -> list[float]:
        times = []
        for _ in range(n):
            self.quiet(0.3)
            with self.lock:
                before = len(self.out)
            self.changed.clear()
            t0 = time.perf_counter()
            os.write(self.master, key)
            while True:
                self.changed.wait(5)
                self.changed.clear()
                with self.lock:
                    if len(self.out) > before:
                        times.append(self.last_byte_at - t0)
                        break
        return times

    def close(self) -> None:
        try:
            os.write(self.master, b"q")
            self.proc.wait(timeout=10)
        except Exception:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)
        self.tmp.cleanup()


def measure_window(app: Pty, seconds: float) -> tuple[float, int]:
    """CPU percent of one core and bytes written over `seconds`."""
    cpu0, bytes0, t0 = app.cpu(), len(app.out), time.perf_counter()
    time.sleep(seconds)
    cpu1, bytes1, t1 = app.cpu(), len(app.out), time.perf_counter()
    return 100 * (cpu1 - cpu0) / (t1 - t0), bytes1 - bytes0


def paint_cases(sizes: list[int], trees: list[Path], runs: int, pycache: str | None) -> None:
    """First paint (and, with saved state, the restored screen) per size, tree and run; medians and ratios."""
    if pycache is not None:
        for tree in trees:  # a warm-up run per tree fills the bytecode cache
            warm = Pty("paint", 10, root=tree, pycache=pycache, marks=(b"bench-00000",))
            try:
                warm.mark(b"bench-00000", timeout=120)
            finally:
                warm.close()
    labels = {tree: ("this tree" if tree == ROOT else str(tree)) for tree in trees}
    for mode in ("paint", "restore"):
        for n in sizes:
            got: dict[Path, list[tuple[float, float, float | None]]] = {tree: [] for tree in trees}
            for _ in range(runs):
                for tree in trees:  # alternating, so the trees see the same minutes of the machine
                    needles = (b"bench-00000", b"(saved)") if mode == "restore" else (b"bench-00000",)
                    app = Pty(mode, n, root=tree, pycache=pycache, marks=needles)
                    try:
                        wall, cpu = app.mark(b"bench-00000")
                        full = app.mark(b"(saved)")[0] if mode == "restore" else None
                        got[tree].append((wall, cpu, full))
                        if mode == "paint" and n == max(sizes) and tree == trees[0] and len(got[tree]) == 1:
                            app.quiet(1.0)
                            lat = sorted(app.key_latency(b"j", 30))
                            print(f"key→repaint (j), {n} rows:  median {statistics.median(lat) * 1000:5.1f} ms, "
                                  f"p90 {lat[int(len(lat) * 0.9) - 1] * 1000:5.1f} ms")
                    finally:
                        app.close()
            target = "0.8" if n <= 1000 else "1.2"
            what = "no saved state" if mode == "paint" else "saved state"
            medians = {}
            for tree in trees:
                walls = [w for w, _, _ in got[tree]]
                cpus = [c for _, c, _ in got[tree]]
                medians[tree] = (statistics.median(walls), statistics.median(cpus))
                line = (f"first paint, {n:>6} tasks, {what:<14} {labels[tree]}: wall "
                        + " / ".join(f"{w:5.2f}" for w in walls) + " s, CPU " + " / ".join(f"{c:5.2f}" for c in cpus)
                        + f" s (target {target} s)")
                if mode == "restore":
                    line += ", saved statuses shown " + " / ".join(f"{f:5.2f}" for _, _, f in got[tree] if f) + " s"
                print(line)
            for tree in trees[1:]:
                (w0, c0), (w1, c1) = medians[trees[0]], medians[tree]
                print(f"    ratio this tree / {labels[tree]} (medians): wall {w0 / w1:4.2f}, CPU {c0 / c1:4.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each CPU window (default 60)")
    parser.add_argument("--sizes", default="1000,10000", help="task counts for first paint")
    parser.add_argument("--running", type=int, default=200, help="running tasks for the polling case")
    parser.add_argument("--runs", type=int, default=1, help="first-paint runs per size and tree (default 1)")
    parser.add_argument("--checkout", action="append", default=[], metavar="DIR",
                        help="also measure first paint with another tree's tui package (e.g. a worktree of main)")
    parser.add_argument("--only", choices=("paint", "idle", "running"), help="just one of the cases")
    parser.add_argument("--cold", action="store_true", help="no bytecode cache for the children")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, count, folder = args.child
        return child(mode, int(count), Path(folder))

    print(f"hcwatch TUI benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f})")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    trees = [ROOT, *(Path(c).resolve() for c in args.checkout)]
    with tempfile.TemporaryDirectory(prefix="hcwatch-bench-pyc-") as pyc:
        if args.only in (None, "paint"):
            paint_cases(sizes, trees, args.runs, None if args.cold else pyc)
    if args.only not in (None, "idle", "running"):
        return 0
    if args.only == "running":
        return running_case(args)
    idle_case(args)
    return 0 if args.only == "idle" else running_case(args)


def idle_case(args: argparse.Namespace) -> None:
    app = Pty("idle", 1)
    try:
        app.wait_for(b"bench-done")
        time.sleep(min(10.0, args.seconds / 4))  # let the first poll and its repaint pass
        cpu, written = measure_window(app, args.seconds)
        print(f"idle, nothing running:      CPU {cpu:5.2f} % of a core (target 0.3 %), "
              f"{written * 60 / args.seconds:8.0f} bytes/min to the terminal")
    finally:
        app.close()


def running_case(args: argparse.Namespace) -> int:
    app = Pty("running", args.running)
    try:
        app.wait_for(b"bench-run-00000")
        time.sleep(12)  # one full interval: every task has been polled once
        cpu, written = measure_window(app, args.seconds)
        print(f"{args.running} running, 10 s polls:   CPU {cpu:5.2f} % of a core (target 2 %), "
              f"{written * 60 / args.seconds:8.0f} bytes/min to the terminal")
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
