"""A simulated Huawei Cloud (Check, Build, DWS, IAM) as a plain ASGI app, for --demo, tests and benchmarks.

    clock = FakeClock()
    sim = Simulator(clock, demo=False)               # the instance is the ASGI app; time starts now
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="https://any-host",
                               headers={"X-Auth-Token": Simulator.DEMO_TOKEN})
    sim.add_task("check:abc", [(0, {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "running"}}),
                               (30, {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}})])
    clock.advance(30)                                # the next request sees the next state
    sim.inject("throttle", ref="check:abc", count=1, retry_after=7)
    sim.stats.requests, sim.stats.max_in_flight, sim.stats.by_path, sim.stats.recent
    serve(8000)                                      # foreground, prints where it listens (port 0 works)
    with running(sim) as url: ...                    # uvicorn in a background thread, real 127.0.0.1 socket

Faults (see Simulator.inject): latency, busy, expired, forbidden, not_found, throttle, server, unavailable,
bad_gateway, gateway_timeout, garbage, empty, drop, huge. A `drop` reaches the client as
httpx.RemoteProtocolError("Server disconnected without sending a response.") both in process and over
a socket. Modules: tui/sim/ script, demo, faults, gateway (auth, IAM), routes, stats, app, server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.sim.app import Simulator
    from tui.sim.demo import DEMO_PROJECT_ID, DEMO_REGION, DEMO_TOKEN, DEMO_USER
    from tui.sim.faults import FAULTS, ConnectionDropped, Fault
    from tui.sim.script import Ramp, ScriptedTask
    from tui.sim.server import running, serve
    from tui.sim.stats import Stats

# Loaded when first asked for: the demo's first frame needs only tui.sim.demo's constants, not
# httpx and uvicorn (which app.py and server.py bring in).
_WHERE = {
    "Simulator": "app", "serve": "server", "running": "server", "Ramp": "script", "ScriptedTask": "script",
    "Fault": "faults", "FAULTS": "faults", "ConnectionDropped": "faults", "Stats": "stats",
    "DEMO_TOKEN": "demo", "DEMO_PROJECT_ID": "demo", "DEMO_REGION": "demo", "DEMO_USER": "demo",
}

__all__ = [
    "Simulator", "serve", "running", "Ramp", "ScriptedTask", "Fault", "FAULTS", "ConnectionDropped", "Stats",
    "DEMO_TOKEN", "DEMO_PROJECT_ID", "DEMO_REGION", "DEMO_USER",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'tui.sim' has no attribute {name!r}")
    return getattr(importlib.import_module(f"tui.sim.{where}"), name)
