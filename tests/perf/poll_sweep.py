"""Benchmark: one poller sweep over N running tasks against the simulator on 127.0.0.1, beside its peers.

    python tests/perf/poll_sweep.py [--tasks 1000] [--concurrency 8] [--rounds 3] [--sdk-tasks 1000] [--no-sdk]

Prints, for one run: the poller's full sweep (wall time, requests/s, CPU per poll, peak RSS), the ceiling
(a bare httpx.AsyncClient loop over the same URLs with the same concurrency) and the ratio to it, and the
official Huawei SDK clients (sequential and 8 threads) with our ratio to each. The simulator runs in a
subprocess (uvicorn), so its CPU is not counted as ours; the SDK runs in another one with HOME set to a
temporary folder, because importing it writes ~/.huaweicloud/application_id.
The rate cap is lifted (rate=0) so the sweep measures the poller, not the politeness setting.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

AK = "AKBENCH00000000000000"
SK = "SKBENCH0000000000000000000000000000000000"
PROJECT = "05f2cff45100d5112f4bc00b794ea08e"


def refs(n: int) -> list[str]:
    """N running tasks, a third of each service."""
    out = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            out.append(f"check:chk{i:06d}")
        elif kind == 1:
            out.append(f"build:bld{i:06d}")
        else:
            out.append(f"dws:{PROJECT}/dws{i:06d}")
    return out


# ----- the simulator subprocess -----------------------------------------------------------


def serve(port: int, n: int, latency: float) -> None:
    from tui.sim import Simulator
    from tui.sim import serve as serve_sim

    sim = Simulator(demo=False)
    sim.add_aksk(AK, SK, PROJECT)
    states = {
        "check": {"task_status": 0, "progress": {"ratio": "42%", "info": "running"}},
        "build": {"result": True},
        "dws": {"status": "RUNNING", "progress": "42%"},
    }
    for ref in refs(n):
        sim.add_task(ref, states[ref.split(":")[0]])
    if latency > 0:
        sim.inject("latency", seconds=latency)  # a network round trip, in real time
    serve_sim(port, sim=sim, out=open(os.devnull, "w"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator(script: str, options: list[str], probe: str) -> tuple[subprocess.Popen, str]:
    """`script --serve PORT options…` in a subprocess, once `probe` answers; (process, base URL)."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, script, "--serve", str(port), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"simulator exited: {proc.stderr.read().decode(errors='replace')[-500:]}")
        try:
            httpx.get(url + probe, timeout=0.5)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("simulator did not start")


def start_server(n: int, latency: float = 0.0) -> tuple[subprocess.Popen, str]:
    return start_simulator(__file__, ["--tasks", str(n), "--latency", str(latency)], "/v3/projects")


# ----- ours and the ceiling ---------------------------------------------------------------


class BenchFetcher:
    """The real fetch path: services.fetch over one shared AsyncClient with the demo token."""

    def __init__(self, client, url: str, auth, clock) -> None:
        self.client, self.url, self.auth, self.clock = client, url, auth, clock
        self.host_name = url.split("//", 1)[1]

    def host(self, task) -> str:
        return self.host_name

    async def fetch(self, task):
        from tui.cloud import services

        return await services.fetch(self.client, task.ref, self.url, self.clock.now(), auth=self.auth)

    async def reauthenticate(self, profile: str) -> bool:
        return False


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


async def run_ours(url: str, n: int, concurrency: int, rounds: int) -> dict:
    import httpx

    from tui.clock import Clock
    from tui.cloud.auth.base import TokenAuth
    from tui.model import TaskRef, WatchedTask
    from tui.poll.poller import Poller, PollSettings
    from tui.sim import DEMO_TOKEN

    tasks = [WatchedTask(TaskRef.parse(r)) for r in refs(n)]
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    results = []
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        clock = Clock()
        fetcher = BenchFetcher(client, url, TokenAuth(DEMO_TOKEN), clock)
        settings = PollSettings(max_in_flight=concurrency, rate=0)
        await Poller(fetcher, settings, clock=clock).sweep(tasks[: min(50, n)])  # warm the connections
        for _ in range(rounds):
            poller = Poller(fetcher, settings, clock=clock)
            cpu0, t0 = time.process_time(), time.perf_counter()
            snaps = await poller.sweep(tasks)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            bad = [s for s in snaps.values() if s.error is not None or s.phase.value != "running"]
            if len(snaps) != n or bad:
                raise SystemExit(f"sweep went wrong: {len(snaps)} snapshots, {len(bad)} bad, e.g. {bad[:1]}")
            results.append((wall, cpu))
    wall = statistics.median(w for w, _ in results)
    cpu = statistics.median(c for _, c in results)
    return {"wall": wall, "rps": n / wall, "cpu_ms_per_poll": cpu / n * 1000, "rss_mb": peak_rss_mb()}


async def run_ceiling(url: str, n: int, concurrency: int, rounds: int) -> dict:
    import httpx

    from tui.cloud.services import request_for
    from tui.model import TaskRef
    from tui.sim import DEMO_TOKEN

    urls = [request_for(TaskRef.parse(r), url).url for r in refs(n)]
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    walls, cpus = [], []
    async with httpx.AsyncClient(limits=limits, timeout=30, headers={"X-Auth-Token": DEMO_TOKEN}) as client:

        async def loop(todo: list[str]) -> None:
            it = iter(todo)

            async def worker() -> None:
                for u in it:
                    r = await client.get(u)
                    if r.status_code != 200:
                        raise SystemExit(f"ceiling got HTTP {r.status_code}")

            await asyncio.gather(*(worker() for _ in range(concurrency)))

        await loop(urls[:50])
        for _ in range(rounds):
            cpu0, t0 = time.process_time(), time.perf_counter()
            await loop(urls)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - cpu0)
    wall = statistics.median(walls)
    return {"wall": wall, "rps": n / wall, "cpu_ms_per_poll": statistics.median(cpus) / n * 1000}


# ----- the official SDK (subprocess) ------------------------------------------------------


def sdk_child(url: str, n: int, threads: int) -> None:
    """Runs with HOME set to a temporary folder; prints one JSON line."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from huaweicloudsdkcodeartsbuild.v3 import CodeArtsBuildClient, ShowJobStatusRequest
    from huaweicloudsdkcodeartscheck.v2 import CodeArtsCheckClient, ShowProgressDetailRequest
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkdws.v2 import DwsClient, ListJobDetailsRequest

    local = threading.local()

    def clients():
        if not hasattr(local, "c"):
            creds = BasicCredentials(AK, SK, PROJECT)
            local.c = {
                "check": CodeArtsCheckClient.new_builder().with_credentials(creds).with_endpoint(url).build(),
                "build": CodeArtsBuildClient.new_builder().with_credentials(creds).with_endpoint(url).build(),
                "dws": DwsClient.new_builder().with_credentials(creds).with_endpoint(url).build(),
            }
        return local.c

    def one(ref: str) -> None:
        c = clients()
        service, rest = ref.split(":", 1)
        if service == "check":
            c["check"].show_progress_detail(ShowProgressDetailRequest(task_id=rest))
        elif service == "build":
            c["build"].show_job_status(ShowJobStatusRequest(job_id=rest))
        else:
            c["dws"].list_job_details(ListJobDetailsRequest(job_id=rest.split("/", 1)[1]))

    todo = refs(n)
    for r in todo[:30]:
        one(r)  # warm up (connection pools, lazy imports)
    t0 = time.perf_counter()
    if threads <= 1:
        for r in todo:
            one(r)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, todo))
    wall = time.perf_counter() - t0
    print(json.dumps({"wall": wall, "rps": n / wall}))


def run_sdk(url: str, n: int, threads: int) -> dict | str:
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home)
        proc = subprocess.run([sys.executable, __file__, "--sdk", url, "--tasks", str(n), "--threads", str(threads)],
                              env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"SDK run failed: {tail[0][:200]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def sdk_available() -> bool:
    code = "import huaweicloudsdkcodeartscheck, huaweicloudsdkcodeartsbuild, huaweicloudsdkdws"
    with tempfile.TemporaryDirectory() as home:
        return subprocess.run([sys.executable, "-c", code], env=dict(os.environ, HOME=home),
                              capture_output=True).returncode == 0


# ----- main -------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sdk-tasks", type=int, default=None, help="tasks for the SDK runs (default: min(tasks, 1000))")
    ap.add_argument("--no-sdk", action="store_true")
    ap.add_argument("--latency", type=float, default=0.0,
                    help="seconds the simulator waits before each answer (a network round trip; default 0: loopback)")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--sdk", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.tasks, args.latency)
        return
    if args.sdk:
        sdk_child(args.sdk, args.tasks, args.threads)
        return

    n = args.tasks
    proc, url = start_server(n, args.latency)
    try:
        ours = asyncio.run(run_ours(url, n, args.concurrency, args.rounds))
        ceiling = asyncio.run(run_ceiling(url, n, args.concurrency, args.rounds))
        sdk: dict[str, dict | str] = {}
        sdk_n = args.sdk_tasks or min(n, 1000)
        if args.no_sdk:
            sdk["note"] = "skipped (--no-sdk)"
        elif not sdk_available():
            sdk["note"] = "official SDK not installed (pip install -e '.[bench]'): SDK peers not measured"
        else:
            sdk["sequential"] = run_sdk(url, sdk_n, 1)
            sdk["8 threads"] = run_sdk(url, sdk_n, 8)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()

    print(f"poll_sweep: {n} running tasks (check/build/dws thirds), simulator on {url} (uvicorn subprocess), "
          f"max_in_flight={args.concurrency}, rate cap lifted, latency {args.latency * 1000:g} ms, "
          f"median of {args.rounds} rounds")
    print(f"  poller sweep : {ours['wall']:.3f} s  {ours['rps']:8.0f} req/s  "
          f"{ours['cpu_ms_per_poll']:.3f} ms CPU/poll  peak RSS {ours['rss_mb']:.1f} MB")
    print(f"  ceiling      : {ceiling['wall']:.3f} s  {ceiling['rps']:8.0f} req/s  "
          f"{ceiling['cpu_ms_per_poll']:.3f} ms CPU/request  (bare httpx.AsyncClient, same concurrency)")
    print(f"  ratio poller/ceiling: {ours['rps'] / ceiling['rps']:.2f}")
    for label, res in sdk.items():
        if isinstance(res, dict):
            print(f"  SDK {label:<10}: {res['wall']:.3f} s  {res['rps']:8.0f} req/s  ({sdk_n} tasks)  "
                  f"poller/SDK = {ours['rps'] / res['rps']:.1f}x")
        else:
            print(f"  SDK {label}: {res}")


if __name__ == "__main__":
    main()
