"""Serving the Simulator over a real socket with uvicorn: `serve` (foreground) and `running` (a thread)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

import uvicorn

from tui.errors import UserError
from tui.sim import demo as demo_data
from tui.sim.app import Simulator
from tui.sim.faults import ConnectionDropped


class _HideDrops(logging.Filter):
    """uvicorn logs every app exception; a simulated dropped connection is not worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def _server(sim: Simulator, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(sim, host=host, port=port, log_level="warning", lifespan="on", access_log=False,
                            date_header=False)  # the simulator sends Date from its own clock
    log = logging.getLogger("uvicorn.error")  # after Config: it (re)configures uvicorn's logging
    if not any(isinstance(f, _HideDrops) for f in log.filters):
        log.addFilter(_HideDrops())
    return uvicorn.Server(config)


def _listen(host: str, port: int) -> socket.socket:
    """Bind first, so a taken port is one clear line rather than uvicorn's log and exit."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _url(host: str, sock: socket.socket) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{sock.getsockname()[1]}"


def _banner(sim: Simulator, url: str) -> str:
    lines = [f"hcwatch simulator listening on {url} (X-Auth-Token: {sim.DEMO_TOKEN}); Ctrl+C stops it"]
    refs = sim.demo_refs()
    if refs:
        # Made-up credentials of the simulated account (not secrets): one per way of signing in.
        user, password, domain = demo_data.DEMO_USER
        ak, sk = demo_data.DEMO_AKSK
        lines += [
            f"  set every endpoint (check, build, dws, iam) to {url} and project_id = \"{sim.DEMO_PROJECT_ID}\"",
            "  sign in with any of these (the README's 'Try each way of signing in' shows the config):",
            f"    token:     HCWATCH_AUTH_TOKEN={sim.DEMO_TOKEN}",
            f"    password:  user = \"{user}\", domain = \"{domain}\" in the profile, HCWATCH_PASSWORD={password}",
            f"    AK/SK:     HUAWEICLOUD_SDK_AK={ak} HUAWEICLOUD_SDK_SK={sk}",
            "  demo tasks:",
        ]
        lines += [f"    {ref}  ({name})" for ref, name in refs]
    return "\n".join(lines)


def serve(port: int = 8000, host: str = "127.0.0.1", *, sim: Simulator | None = None,
          out: TextIO | None = None) -> None:
    """Run the simulator until interrupted; prints where it listens first (the real port when port=0)."""
    sock = _listen(host, port)
    sim = sim or Simulator(demo=True)
    server = _server(sim, host, port)
    out = out or sys.stdout

    async def main() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                await task
                raise UserError(f"the simulator could not start on {host}:{port}")
            await asyncio.sleep(0.02)
        print(_banner(sim, _url(host, sock)), file=out, flush=True)
        await task

    asyncio.run(main())


@contextlib.contextmanager
def running(sim: Simulator | None = None, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `sim` on a real socket in a background thread; yields the base URL ("http://127.0.0.1:PORT")."""
    sock = _listen(host, port)
    sim = sim or Simulator(demo=True)
    server = _server(sim, host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="hcwatch-simulator", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise UserError(f"the simulator could not start on {host}:{port}")
            threading.Event().wait(0.01)
        yield _url(host, sock)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
