"""A Build log on demand: its tail for the detail pane, or the whole log streamed to a file for $PAGER, capped.

Both are asked only when the user asks (key `L`), never by polling. Every line is sanitised (no control
characters reach the terminal) and bounded; the download stops at MAX_LOG bytes and says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tui.cloud.error_mapping import api_error, error_from_response, network_error
from tui.cloud.services import build_runs
from tui.cloud.services.lookups import result_of
from tui.errors import ApiError
from tui.model import ErrorKind, TaskRef, clean_text

__all__ = ["MAX_LOG", "PAGE", "TAIL_LINES", "download", "tail"]

TAIL_LINES = 40          # lines the detail pane shows
MAX_ANSWER = 2 << 20     # one answer is refused past 2 MiB
MAX_LOG = 8 << 20        # the whole log is cut at 8 MiB
PAGE = 256 << 10         # bytes asked for per page of the full log


async def _get_json(client: httpx.AsyncClient, url: str, auth: httpx.Auth | None, now: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"headers": {"Accept": "application/json"}}
    if auth is not None:
        kwargs["auth"] = auth
    try:
        async with client.stream("GET", url, **kwargs) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER:
                    raise api_error(ErrorKind.BAD_RESPONSE, "log answer larger than 2 MiB, refused")
            error = error_from_response(response.status_code, response.headers, bytes(body), now)
            if error is not None:
                raise ApiError(error)
            try:
                data = json.loads(body)
            except ValueError:
                raise api_error(ErrorKind.BAD_RESPONSE, "the log answer is not JSON",
                                http_status=response.status_code) from None
    except (httpx.TransportError, httpx.TimeoutException) as exc:
        raise ApiError(network_error(exc, httpx.URL(url).host)) from None
    if not isinstance(data, dict):
        raise api_error(ErrorKind.BAD_RESPONSE, "the log answer is not a JSON object")
    return data


def _content(data: dict[str, Any]) -> tuple[str, bool, int | None]:
    """(text, more to come, next offset) of a log answer."""
    result = result_of(data) or {}
    content = result.get("content") if "content" in result else result.get("log")
    if isinstance(content, list):
        content = "\n".join(str(x) for x in content if isinstance(x, (str, int, float)))
    text = content if isinstance(content, str) else ""
    more = result.get("has_more_data") is True
    offset = result.get("offset")
    return text, more, offset if isinstance(offset, int) and not isinstance(offset, bool) else None


def _clean_lines(text: str) -> list[str]:
    # Tabs kept as spaces, every other control character (ESC above all) removed by clean_text.
    return [clean_text(line.replace("\t", "    "), 400) for line in text.splitlines()]


async def tail(client: httpx.AsyncClient, endpoint: str, auth: httpx.Auth | None, ref: TaskRef, build_no: str,
               now: Any, lines: int = TAIL_LINES) -> list[str]:
    """The last `lines` lines of one build's log, sanitised; raises ApiError."""
    data = await _get_json(client, endpoint.rstrip("/") + build_runs.tail_path(ref, build_no, lines), auth, now)
    text, _, _ = _content(data)
    return _clean_lines(text)[-lines:]


async def download(client: httpx.AsyncClient, endpoint: str, auth: httpx.Auth | None, ref: TaskRef, build_no: str,
                   path: Path, now: Any, cap: int = MAX_LOG,
                   mask: Callable[[str], str] | None = None) -> tuple[int, bool]:
    """Stream one build's whole log into `path` page by page; (bytes written, cut at the cap). Raises ApiError.

    `mask` hides any secret the log echoes (tui.cloud.auth.masking), line by line.
    """
    written, offset, cut = 0, 0, False
    with path.open("w", encoding="utf-8") as out:
        for _ in range(cap // 1024 + 1):  # a server that never says "no more" cannot keep us here
            url = endpoint.rstrip("/") + build_runs.log_path(ref, build_no, offset, PAGE)
            text, more, next_offset = _content(await _get_json(client, url, auth, now))
            for line in _clean_lines(text):
                data = (mask(line) if mask is not None else line) + "\n"
                if written + len(data.encode()) > cap:
                    cut = True
                    break
                out.write(data)
                written += len(data.encode())
            if cut or not more or not text:
                break
            offset = next_offset if next_offset is not None and next_offset > offset else offset + len(text.encode())
        if cut:
            out.write(f"\n[hcwatch: log cut at {cap >> 20} MiB]\n")
    return written, cut
