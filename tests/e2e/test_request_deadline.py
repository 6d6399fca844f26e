"""A server that trickles its answer one byte at a time, on a real 127.0.0.1 socket: each request has a
total deadline (config request_timeout), and the row says "timeout" instead of waiting for the backstop."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from tui.app.formatting import message_text
from tui.config.settings import load_config
from tui.model import ErrorKind
from tui.runtime import Runtime

ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"task_status": 0}'


class Trickler:
    """Answers every request correctly, but one byte every `gap` seconds (headers included)."""

    def __init__(self, gap: float) -> None:
        self.gap = gap
        self.server: asyncio.Server | None = None
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await reader.readuntil(b"\r\n\r\n")
            self.requests += 1
            for i in range(len(ANSWER)):
                writer.write(ANSWER[i:i + 1])
                await writer.drain()
                await asyncio.sleep(self.gap)
        writer.close()

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.server.wait_closed(), 2)


def _runtime(tmp_path: Path, port: int, request_timeout: float) -> Runtime:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f"request_timeout = {request_timeout}\n"
        "[profiles.default]\n"
        'auth = "token"\n'
        f'endpoints = {{ check = "http://127.0.0.1:{port}" }}\n'
    )
    return Runtime.open(config_path=cfg, watchlist_path=tmp_path / "wl.toml", state_dir=tmp_path / "state")


async def test_a_trickling_server_is_cut_off_at_the_request_deadline(tmp_path, monkeypatch):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "tok-" + "x" * 30)
    async with Trickler(gap=0.2) as port:  # the answer would take ~18 s; httpx's read timeout (15 s) never trips
        rt = _runtime(tmp_path, port, request_timeout=1)
        task = rt.add("check:abc123")
        try:
            # Bounded here so that code without a request deadline fails in seconds, not at the 120 s backstop.
            result = await asyncio.wait_for(rt.sweep([task]), 10)
        finally:
            await rt.stop()
    snap = result[task.key]
    assert snap.error is not None
    assert (snap.error.kind, snap.error.code) == (ErrorKind.NETWORK, "timeout")
    assert "no complete answer within 1 s" in snap.error.message and "127.0.0.1" in snap.error.message
    assert message_text(snap).plain.startswith("⚠ timeout")


async def test_a_server_that_answers_within_the_deadline_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "tok-" + "x" * 30)
    async with Trickler(gap=0.0) as port:
        rt = _runtime(tmp_path, port, request_timeout=5)
        task = rt.add("check:abc123")
        try:
            result = await asyncio.wait_for(rt.sweep([task]), 10)
        finally:
            await rt.stop()
    assert result[task.key].error is None and result[task.key].phase.value == "running"


def test_request_timeout_defaults_to_30_s_and_is_bounded(tmp_path):
    assert load_config(tmp_path / "none.toml").request_timeout == 30.0
    cfg = tmp_path / "config.toml"
    cfg.write_text("request_timeout = 5\n")
    assert load_config(cfg).request_timeout == 5.0
    cfg.write_text("# a comment\nrequest_timeout = 0.5\n")
    with pytest.raises(Exception, match=r"config.toml:2: request_timeout must be at least 1 seconds"):
        load_config(cfg)
    cfg.write_text("request_timeout = 6000\n")
    with pytest.raises(Exception, match=r"at most 600 seconds, not 6000"):
        load_config(cfg)
