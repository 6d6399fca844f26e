"""CPU per poll over a real socket (a script, prints figures): the TUI, headless `watch`, and bare httpx, in one run.

    python tests/perf/socket_bench.py [--tasks 1000] [--interval 20] [--seconds 60] [--changing 0.1] [--side-by-side [--windows 5]]

A simulator runs in a uvicorn subprocess on 127.0.0.1 (its CPU is not ours) and counts the
requests it answers. Against it, one after the other and for the same window:
  - bare httpx: a plain httpx.AsyncClient that sends the same requests at the same cadence
    (every task once per interval, spread over it, the same max_in_flight): the floor;
  - `hcwatch watch`: the poller, cloud and state path without a screen;
  - the TUI: the real app in a pseudo-terminal (120x40), with everything it draws.
Each figure is the process's CPU (user+system, /proc) over the window divided by the requests
the simulator answered for it in that window, and the ratio to the floor of the same run.
`--side-by-side` runs them all at once instead, each against its own simulator, over the same
`--windows` windows, and prints each window's ratios and their median: on a shared machine one
process's CPU per request moves by a fifth between windows, alike for all of them in one window.
`--changing`: the share of tasks whose progress moves (about every other poll; the rest say the same).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "perf"))

from poll_sweep import PROJECT, refs, start_simulator  # noqa: E402
from tui_bench import TICKS, Pty  # noqa: E402

MAX_IN_FLIGHT = 8
RAMP = 1800.0


# ----- the simulator subprocess, counting what it answers -----------------------------------


def serve(port: int, n: int, changing: float) -> None:
    import uvicorn

    from tui.sim import Simulator
    from tui.sim.script import Ramp

    sim = Simulator(demo=False)
    moving = int(n * changing)
    for i, ref in enumerate(refs(n)):
        service = ref.split(":")[0]
        ratio = Ramp(0, 99) if i < moving else "42%"  # 0..99 % over RAMP seconds: a change every other poll
        state = {
            "check": {"task_status": 0, "progress": {"ratio": ratio, "info": "running"}},
            "build": {"result": True},
            "dws": {"status": "RUNNING", "progress": ratio},
        }[service]
        sim.add_task(ref, [(0, state), (RAMP, state)])
    count = 0

    async def app(scope, receive, send):
        nonlocal count
        if scope["type"] == "http" and scope["path"] == "/__count":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": str(count).encode()})
            return
        if scope["type"] == "http":
            count += 1
        await sim(scope, receive, send)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False, lifespan="on")


def start_server(n: int, changing: float) -> tuple[subprocess.Popen, str]:
    return start_simulator(__file__, ["--tasks", str(n), "--changing", str(changing)], "/__count")


def served(url: str) -> int:
    import httpx

    return int(httpx.get(url + "/__count", timeout=5).text)


def cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


# ----- the floor: bare httpx at the same cadence ------------------------------------------------


def floor_child(url: str, n: int, interval: float) -> None:
    """Runs until killed: every task's URL once per interval, spread evenly, MAX_IN_FLIGHT at a time."""
    import httpx

    from tui.cloud.services import request_for
    from tui.model import TaskRef
    from tui.sim import DEMO_TOKEN

    urls = [request_for(TaskRef.parse(r), url).url for r in refs(n)]

    async def main() -> None:
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT * 2, max_keepalive_connections=MAX_IN_FLIGHT * 2)
        async with httpx.AsyncClient(limits=limits, timeout=30, headers={"X-Auth-Token": DEMO_TOKEN}) as client:
            loop = asyncio.get_running_loop()
            start, step = loop.time(), interval / n
            counter = iter(range(10**9))

            async def worker() -> None:
                # Each request waits for its turn (task i at start + i * step), never queued up in a
                # backlog: when the server is slower than the cadence the floor just runs behind.
                for i in counter:
                    await asyncio.sleep(max(0.0, start + i * step - loop.time()))
                    await client.get(urls[i % n])

            await asyncio.gather(*(worker() for _ in range(MAX_IN_FLIGHT)))

    asyncio.run(main())


# ----- the app: config, watch list, environment ------------------------------------------------


def setup(folder: Path, url: str, n: int, interval: float) -> dict[str, str]:
    from tui.sim import DEMO_TOKEN

    (folder / "config.toml").write_text(
        # A rate of twice the cadence, as a user would set it: the first polls are spread over
        # n/rate seconds as the floor's are, not sent in one burst that windows then catch or miss.
        f"interval = {interval:g}\nrate = {2 * n / interval:g}\nmax_in_flight = {MAX_IN_FLIGHT}\n"
        "[profiles.default]\nregion = \"cn-north-4\"\n"
        f"project_id = \"{PROJECT}\"\n[profiles.default.endpoints]\n"
        f"check = \"{url}\"\nbuild = \"{url}\"\ndws = \"{url}\"\niam = \"{url}\"\n", encoding="utf-8")
    parts = ["version = 1\n"]
    for i, ref in enumerate(refs(n)):
        parts.append(f'\n[[task]]\nref = "{ref}"\nname = "sock-{i:05d}"\nprofile = "default"\npaused = false\n')
    (folder / "watchlist.toml").write_text("".join(parts), encoding="utf-8")
    home = folder / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HCWATCH_", "HUAWEICLOUD_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".state"),
               HCWATCH_CONFIG=str(folder / "config.toml"), HCWATCH_WATCHLIST=str(folder / "watchlist.toml"),
               HCWATCH_AUTH_TOKEN=DEMO_TOKEN, PYTHONPATH=str(ROOT))
    return env


def window(url: str, pid: int, seconds: float) -> tuple[float, int]:
    """CPU seconds of `pid` and requests the simulator answered over `seconds`."""
    c0, r0 = cpu_of(pid), served(url)
    time.sleep(seconds)
    return cpu_of(pid) - c0, served(url) - r0


class TuiPty(Pty):
    """tui_bench's pty, running `python -m tui` with our environment instead of its child mode."""

    def __init__(self, env: dict[str, str], size=(120, 40), cwd: str = str(ROOT)) -> None:  # noqa: D107
        import fcntl
        import struct
        import termios
        import threading

        self.tmp = tempfile.TemporaryDirectory(prefix="hcwatch-sock-")
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = dict(env, TERM="xterm-256color", COLORTERM="truecolor")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "tui"], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, start_new_session=True, close_fds=True, cwd=cwd)
        os.close(slave)
        self.marks: dict[bytes, tuple[float, float]] = {}  # tui_bench's Pty reads these too
        self._wanted: list[bytes] = []
        self.out = bytearray()
        self.last_byte_at = 0.0
        self.lock = threading.Lock()
        self.changed = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM) if proc.pid == os.getpgid(proc.pid) else proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Subject:
    """One process measured against its own simulator: the floor, `watch` or the TUI (of a checkout)."""

    def __init__(self, which: str, url: str, env: dict[str, str], n: int, interval: float) -> None:
        # "tui:/path/to/checkout" runs another checkout's code (e.g. main, for a before/after).
        kind, _, code = which.partition(":")
        code_env = dict(env, PYTHONPATH=code or str(ROOT))
        label = f" ({Path(code).name})" if code else ""
        self.url, self.app, self.proc = url, None, None
        if kind == "floor":
            self.name = "bare httpx (floor)"
            self.proc = subprocess.Popen([sys.executable, __file__, "--floor", url, "--tasks", str(n),
                                          "--interval", str(interval)], env=env)
        elif kind == "watch":
            self.name = "hcwatch watch" + label
            self.proc = subprocess.Popen([sys.executable, "-m", "tui", "watch", *refs(n)], env=code_env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=code or str(ROOT))
        elif kind == "tui":
            self.name = "TUI" + label
            self.app = TuiPty(code_env, cwd=code or str(ROOT))
        else:
            raise SystemExit(f"socket_bench: unknown subject {which!r} (floor, watch, tui)")

    @property
    def pid(self) -> int:
        return self.app.proc.pid if self.app is not None else self.proc.pid

    def ready(self) -> None:
        if self.app is not None:
            try:
                self.app.wait_for(b"sock-00000", timeout=120)
            except TimeoutError:
                raise SystemExit(f"the TUI never drew a task: {bytes(self.app.out[-800:])!r}") from None

    def sample(self) -> tuple[float, int]:
        return cpu_of(self.pid), served(self.url)

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
        if self.proc is not None:
            stop(self.proc)


def figure(name: str, cpu: float, requests: int, seconds: float) -> dict:
    return {"name": name, "cpu": cpu, "requests": requests,
            "ms_per_request": 1000 * cpu / max(1, requests), "rps": requests / seconds}


def one_after_another(args: argparse.Namespace, n: int, warm: float) -> list[dict]:
    """Each subject alone, in turn, for one window, against one simulator."""
    server, url = start_server(n, args.changing)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="hcwatch-sock-") as tmp:
            env = setup(Path(tmp), url, n, args.interval)
            for which in args.only.split(","):
                subject = Subject(which, url, env, n, args.interval)
                try:
                    subject.ready()
                    time.sleep(warm)
                    cpu, requests = window(url, subject.pid, args.seconds)
                    results.append(figure(subject.name, cpu, requests, args.seconds))
                finally:
                    subject.close()
    finally:
        stop(server)
    return results


def side_by_side(args: argparse.Namespace, n: int, warm: float) -> list[list[dict]]:
    """Every subject at once, each against its own simulator, over the same windows: the machine's
    other load then falls on all of them alike, so a window's ratios hold even when its absolute
    figures move by a fifth from one window to the next."""
    servers, subjects, tmps = [], [], []
    rounds: list[list[dict]] = []
    try:
        for which in args.only.split(","):
            server, url = start_server(n, args.changing)
            servers.append(server)
            tmps.append(tempfile.TemporaryDirectory(prefix="hcwatch-sock-"))
            subjects.append(Subject(which, url, setup(Path(tmps[-1].name), url, n, args.interval), n, args.interval))
        for subject in subjects:
            subject.ready()
        time.sleep(warm)
        for _ in range(args.windows):
            before = [s.sample() for s in subjects]
            time.sleep(args.seconds)
            after = [s.sample() for s in subjects]
            rounds.append([figure(s.name, a[0] - b[0], a[1] - b[1], args.seconds)
                           for s, b, a in zip(subjects, before, after, strict=True)])
    finally:
        for subject in subjects:
            subject.close()
        for server in servers:
            stop(server)
        for tmp in tmps:
            tmp.cleanup()
    return rounds


def report(results: list[dict], seconds: float) -> None:
    floor = next((r for r in results if r["name"].startswith("bare")), None)
    for r in results:
        ratio = f"  {r['ms_per_request'] / floor['ms_per_request']:.2f}x floor" if floor else ""
        print(f"  {r['name']:<22} {r['ms_per_request']:6.3f} ms CPU/request  {r['rps']:6.1f} req/s  "
              f"CPU {100 * r['cpu'] / seconds:5.1f} % of a core{ratio}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=20.0,
                    help="poll interval (default 20: 50 req/s, which the simulator keeps up with here)")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of each window (default 60)")
    ap.add_argument("--changing", type=float, default=0.1, help="share of tasks whose progress moves (default 0.1)")
    ap.add_argument("--only", default="floor,watch,tui",
                    help="which to run, in order (default floor,watch,tui); tui:PATH or watch:PATH runs that checkout")
    ap.add_argument("--side-by-side", action="store_true",
                    help="run them all at once, each against its own simulator, over the same windows")
    ap.add_argument("--windows", type=int, default=5, help="windows with --side-by-side (default 5; median shown)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--floor", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.tasks, args.changing)
        return 0
    if args.floor:
        floor_child(args.floor, args.tasks, args.interval)
        return 0

    n = args.tasks
    warm = args.interval + 5  # one full interval: every task polled once, the first paint done
    how = "side by side, each with its own simulator" if args.side_by_side else "one after another"
    print(f"socket_bench: {n} running tasks every {args.interval:g} s ({n / args.interval:.0f} req/s wanted), "
          f"{args.changing:.0%} changing, max_in_flight {MAX_IN_FLIGHT}, windows of {args.seconds:g} s, {how} "
          "(simulator: uvicorn subprocess on 127.0.0.1)", flush=True)
    if not args.side_by_side:
        results = one_after_another(args, n, warm)
        report(results, args.seconds)
        print(json.dumps(results))
        return 0
    rounds = side_by_side(args, n, warm)
    for i, results in enumerate(rounds, 1):
        print(f" window {i}:")
        report(results, args.seconds)
    floor = [r for r in rounds[0] if r["name"].startswith("bare")]
    if floor:
        print(" median ratio to the floor of the same window:")
        for j, r in enumerate(rounds[0]):
            ratios = sorted(w[j]["ms_per_request"] / next(x for x in w if x["name"].startswith("bare"))["ms_per_request"]
                            for w in rounds)
            print(f"  {r['name']:<22} {statistics.median(ratios):.2f}x  (windows: "
                  f"{', '.join(f'{x:.2f}' for x in ratios)})")
    print(json.dumps(rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
