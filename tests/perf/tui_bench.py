"""TUI benchmark (a script, prints figures): first paint, idle CPU and bytes, CPU under polling, key latency.

    python tests/perf/tui_bench.py [--seconds 60] [--sizes 1000,10000] [--running 200]

Each case runs the real app in a pseudo-terminal (a child process of this script) against the
in-process demo simulator, and measures from the outside: wall time from spawn until a task
name appears on the terminal, CPU from /proc/PID/stat, bytes read from the pty, and the time
from writing a key to the first byte of the repaint.
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

ROOT = Path(__file__).resolve().parents[2]
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


def child(mode: str, count: int, folder: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from tui.app import run
    from tui.runtime import Runtime
    from tui.sim.script import Ramp

    wl = folder / "watchlist.toml"
    if mode == "paint":
        # Paused: the figures are about the screen, not about polling 10,000 tasks.
        write_watchlist(wl, [(f"check:bench{i:05d}", f"bench-{i:05d}", True) for i in range(count)])
    elif mode == "idle":
        write_watchlist(wl, [(DWS_DONE, "bench-done", False)])
    elif mode == "running":
        write_watchlist(wl, [(f"check:run{i:05d}", f"bench-run-{i:05d}", False) for i in range(count)])
    rt = Runtime.open(demo=True, watchlist_path=wl, state_dir=folder / "state")
    if mode == "running":
        for i in range(count):
            rt.simulator.add_task(f"check:run{i:05d}", [
                (0, {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "running"}}),
                (7200, {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}}),
            ])
    return run(rt)


# ----- parent: measuring from outside -------------------------------------------------------------

class Pty:
    """The app in a pseudo-terminal, with everything it writes collected by a reader thread."""

    def __init__(self, mode: str, count: int, size=(120, 40)) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="hcwatch-bench-")
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
        env.pop("NO_COLOR", None)
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
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each CPU window (default 60)")
    parser.add_argument("--sizes", default="1000,10000", help="task counts for first paint")
    parser.add_argument("--running", type=int, default=200, help="running tasks for the polling case")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, count, folder = args.child
        return child(mode, int(count), Path(folder))

    print(f"hcwatch TUI benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for n in sizes:
        app = Pty("paint", n)
        try:
            paint = app.wait_for(b"bench-00000")
            print(f"first paint, {n:>6} tasks:        {paint:6.2f} s  (target {'0.8' if n <= 1000 else '2'} s)")
            if n == max(sizes):
                app.quiet(1.0)
                lat = sorted(app.key_latency(b"j", 30))
                print(f"key→repaint (j), {n} rows:  median {statistics.median(lat) * 1000:5.1f} ms, "
                      f"p90 {lat[int(len(lat) * 0.9) - 1] * 1000:5.1f} ms")
        finally:
            app.close()

    app = Pty("idle", 1)
    try:
        app.wait_for(b"bench-done")
        time.sleep(min(10.0, args.seconds / 4))  # let the first poll and its repaint pass
        cpu, written = measure_window(app, args.seconds)
        print(f"idle, nothing running:      CPU {cpu:5.2f} % of a core (target 0.3 %), "
              f"{written * 60 / args.seconds:8.0f} bytes/min to the terminal")
    finally:
        app.close()

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
