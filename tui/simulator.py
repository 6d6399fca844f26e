"""A simulated Huawei Cloud (Check, Build, DWS, IAM) as a plain ASGI app, for --demo, tests and benchmarks.

    sim = Simulator(FakeClock(), demo=True)          # the instance is the ASGI app
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="https://sim")
    sim.add_task("check:abc", [(0, {"task_status": 0, "progress": {"ratio": Ramp(0, 100), "info": "running"}}),
                               (30, {"task_status": 2, "progress": {"ratio": "100%", "info": "success"}})])
    sim.inject("throttle", ref="check:abc", count=1, retry_after=7)
    serve(8000)  /  with running(sim) as url: ...   # real sockets, via uvicorn

The modules live in tui/sim/: script (task scripts), demo (the demo set), faults, gateway (auth, IAM),
stats, app (routing), server (uvicorn).
"""

from tui.sim.app import Simulator
from tui.sim.demo import DEMO_PROJECT_ID, DEMO_REGION, DEMO_TOKEN, DEMO_USER
from tui.sim.faults import FAULTS, ConnectionDropped, Fault
from tui.sim.script import Ramp, ScriptedTask
from tui.sim.server import running, serve
from tui.sim.stats import Stats

__all__ = [
    "Simulator", "serve", "running", "Ramp", "ScriptedTask", "Fault", "FAULTS", "ConnectionDropped", "Stats",
    "DEMO_TOKEN", "DEMO_PROJECT_ID", "DEMO_REGION", "DEMO_USER",
]
