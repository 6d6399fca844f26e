"""Serving the Simulator over a real socket with uvicorn: `serve` (foreground) and `running` (a thread)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
from typing import Iterator, TextIO

import uvicorn

from tui.sim.app import Simulator
from tui.sim.faults import ConnectionDropped


class _HideDrops(logging.Filter):
    """uvicorn logs every app exception; a simulated dropped connection is not worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _server(sim: Simulator, host: str, port: int) -> uvicorn.Server:
    logging.getLogger("uvicorn.error").addFilter(_HideDrops())
    config = uvicorn.Config(sim, host=host, port=port, log_level="warning", lifespan="on", access_log=False)
    return uvicorn.Server(config)


def _bound_port(server: uvicorn.Server) -> int:
    return server.servers[0].sockets[0].getsockname()[1]


def _banner(sim: Simulator, url: str) -> str:
    lines = [f"hcwatch simulator listening on {url} (X-Auth-Token: {sim.DEMO_TOKEN}); Ctrl+C stops it"]
    refs = sim.demo_refs()
    if refs:
        lines.append(f"  set every endpoint (check, build, dws, iam) to {url}; demo tasks:")
        lines += [f"    {ref}  ({name})" for ref, name in refs]
    return "\n".join(lines)


def serve(port: int = 8000, host: str = "127.0.0.1", *, sim: Simulator | None = None, out: TextIO | None = None) -> None:
    """Run the simulator until interrupted; prints where it listens first (the real port when port=0)."""
    sim = sim or Simulator(demo=True)
    server = _server(sim, host, port)
    out = out or sys.stdout

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():  # e.g. the port is taken: uvicorn has already logged why
                await task
                raise SystemExit(1)
            await asyncio.sleep(0.02)
        print(_banner(sim, f"http://{host}:{_bound_port(server)}"), file=out, flush=True)
        await task

    asyncio.run(main())


@contextlib.contextmanager
def running(sim: Simulator | None = None, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `sim` on a real socket in a background thread; yields the base URL ("http://127.0.0.1:PORT")."""
    sim = sim or Simulator(demo=True)
    server = _server(sim, host, port)
    thread = threading.Thread(target=server.run, name="hcwatch-simulator", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"simulator could not listen on {host}:{port}")
            threading.Event().wait(0.01)
        yield f"http://{host}:{_bound_port(server)}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
