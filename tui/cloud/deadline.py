"""A total deadline per HTTP request: connect, send, headers and the whole body together.

httpx's own timeouts bound each step (a connect, one read): a server that trickles one byte every few
seconds never trips them and holds a poll slot until the poller's backstop. Every request hcwatch makes
(status calls, Build's extra lookups, IAM token and project lookups) runs inside `within(request_timeout)`.
It is done at the call sites rather than as a wrapping transport: a custom transport would switch off
httpx's HTTPS_PROXY/NO_PROXY support.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tui.errors import TIMEOUT_CODE  # noqa: F401  (defined beside TaskError, where the screen reads it)

DEFAULT = 30.0  # seconds; config.toml's request_timeout


class RequestDeadline(httpx.TimeoutException):
    """No complete answer within the request deadline (a stalled link, a server that trickles bytes)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


@asynccontextmanager
async def within(seconds: float | None) -> AsyncIterator[None]:
    """Run the block (one request, read to the end) within `seconds`, else raise RequestDeadline; None: no limit."""
    if seconds is None:
        yield
        return
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise RequestDeadline(seconds) from None
