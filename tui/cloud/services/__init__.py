"""The three status APIs: build each request, fetch it with a body cap, parse the answer into a Snapshot."""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx

from tui.cloud.client import URL_CACHE_MAX, prepared_url
from tui.cloud.deadline import within
from tui.cloud.error_mapping import api_error, error_from_response, network_error
from tui.cloud.services import build, check, check_result, dws
from tui.cloud.services.common import flatten
from tui.cloud.services.lookups import Lookup
from tui.errors import ApiError, RefError, UserError, as_task_error
from tui.model import ErrorKind, Phase, RequestInfo, Service, Snapshot, TaskRef, validate_id

# Answers are a few hundred bytes; anything past 1 MiB is refused without being read whole.
MAX_BODY = 1 << 20

_MODULES = {Service.CHECK: check, Service.BUILD: build, Service.DWS: dws}
# Status answers are tiny; gzip is still accepted, and inflated under the cap by _decode.
_HEADERS = {"Accept": "application/json", "Accept-Encoding": "gzip, deflate"}

__all__ = ["MAX_BODY", "request_for", "parse", "fetch", "get_json", "ApiError"]


def _url(endpoint: str, path: str) -> str:
    return endpoint.rstrip("/") + path


@functools.lru_cache(maxsize=URL_CACHE_MAX)  # (an ApiError is not kept: raised again each time)
def request_for(ref: TaskRef, endpoint: str) -> RequestInfo:
    """The GET that fetches ref's status from endpoint (ids percent-encoded); ApiError(config) if incomplete.

    Made once per task: every poll's snapshot holds it, and the poller, the store and the screen may each
    hold a different poll's snapshot of a task (a new one per poll cost ~140 bytes each, and its time).
    """
    if ref.service is Service.DWS and not ref.project_id:
        raise api_error(
            ErrorKind.CONFIG,
            f"{ref} needs a project id: use dws:PROJECT/JOB or set project_id in the profile",
        )
    try:
        # Refs are validated when parsed; checked again because a TaskRef can be built directly.
        validate_id(ref.task_id, f"{ref.service.value} id")
        if ref.project_id is not None:
            validate_id(ref.project_id, "DWS project id")
    except RefError as exc:
        raise api_error(ErrorKind.CONFIG, str(exc)) from None
    return RequestInfo("GET", _url(endpoint, _MODULES[ref.service].path(ref)))


def _too_big(status: int) -> ApiError:
    kind = ErrorKind.SERVER if status >= 500 else ErrorKind.BAD_RESPONSE
    return api_error(kind, f"answer larger than {MAX_BODY // (1 << 20)} MiB, refused", http_status=status)


def _decode_object(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The JSON object of a successful answer; ApiError(bad_response) for anything else."""
    request_id = headers.get("x-request-id") or headers.get("X-Request-Id")
    if len(body) > MAX_BODY:
        raise _too_big(status)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        shown = "the answer is empty" if not body.strip() else "the answer is not JSON"
        raise api_error(ErrorKind.BAD_RESPONSE, shown, http_status=status, request_id=request_id) from None
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a JSON {type(data).__name__}"
        raise api_error(
            ErrorKind.BAD_RESPONSE,
            f"expected a JSON object, got {kind}",
            http_status=status,
            request_id=request_id,
        )
    return data


def parse(ref: TaskRef, status: int, headers: Mapping[str, str], body: bytes, now: datetime) -> Snapshot:
    """The Snapshot an HTTP answer describes (pure); raises ApiError for any error or malformed answer."""
    if len(body) > MAX_BODY:
        raise _too_big(status)
    error = error_from_response(status, headers, body, now)
    if error is not None:
        raise ApiError(error)
    data = _decode_object(status, headers, body)
    phase, progress, message, raw_status = _MODULES[ref.service].interpret(ref, data)
    return Snapshot(
        ref=ref,
        phase=phase,
        progress=progress,
        message=message,
        raw_status=raw_status,
        fields=flatten(data),
        fetched_at=now,
        checked_at=now,
    )


def _decode(encoding: str, raw: bytes, status: int) -> bytes:
    """Undo Content-Encoding ourselves, never inflating past the cap (httpx would inflate a bomb whole)."""
    names = [e.strip().lower() for e in encoding.split(",") if e.strip() and e.strip().lower() != "identity"]
    data = raw
    for name in reversed(names):
        if name not in ("gzip", "x-gzip", "deflate"):
            raise api_error(ErrorKind.BAD_RESPONSE, f"unsupported Content-Encoding {name[:20]!r}", http_status=status)
        # gzip; deflate as RFC 1950 (zlib) first, then the raw RFC 1951 stream some servers send.
        choices = [16 + zlib.MAX_WBITS] if name != "deflate" else [zlib.MAX_WBITS, -zlib.MAX_WBITS]
        for wbits in choices:
            inflater = zlib.decompressobj(wbits)
            try:
                out = inflater.decompress(data, MAX_BODY + 1)
                break
            except zlib.error:
                continue
        else:
            raise api_error(ErrorKind.BAD_RESPONSE, "answer could not be decompressed", http_status=status)
        if len(out) > MAX_BODY or inflater.unconsumed_tail:
            raise _too_big(status)
        data = out
    return data


async def _get(
    client: httpx.AsyncClient, url: str | httpx.URL, auth: httpx.Auth | None, deadline: float | None = None
) -> tuple[int, httpx.Headers, bytes]:
    """GET url within `deadline` s in all, reading at most MAX_BODY bytes; transport failures: ApiError(network)."""
    kwargs: dict[str, Any] = {"headers": _HEADERS}
    if auth is not None:  # None means "whatever the client has", not "no auth"
        kwargs["auth"] = auth
    try:
        async with within(deadline), client.stream("GET", url, **kwargs) as response:
            length = response.headers.get("content-length", "")
            if length.strip().isdigit() and int(length) > MAX_BODY:
                raise _too_big(response.status_code)
            buffer = bytearray()
            async for chunk in response.aiter_raw():
                buffer += chunk
                if len(buffer) > MAX_BODY:
                    raise _too_big(response.status_code)
            body = _decode(response.headers.get("content-encoding", ""), bytes(buffer), response.status_code)
            return response.status_code, response.headers, body
    except httpx.DecodingError:  # only if a transport decoded for us and failed
        raise api_error(ErrorKind.BAD_RESPONSE, "answer could not be decoded") from None
    except (httpx.TransportError, httpx.TimeoutException) as exc:
        raise ApiError(network_error(exc, httpx.URL(url).host)) from None
    except UserError as exc:  # raised by a credentials flow while signing the request
        raise ApiError(as_task_error(exc, ErrorKind.AUTH)) from None


async def fetch(
    client: httpx.AsyncClient,
    ref: TaskRef,
    endpoint: str,
    now: datetime,
    auth: httpx.Auth | None = None,
    outcomes: build.OutcomeCache | None = None,
    deadline: float | None = None,
    project_id: str | None = None,
) -> Snapshot:
    """Fetch and parse ref's status; raises ApiError (with .request set) on any failure.

    `outcomes` is the caller's memory of the lookups beyond the status (tui.cloud.services.lookups): a
    Build job's last outcome, records and failure analysis, a Check run's defects. Without one only an idle
    Build job's last outcome is looked up (afresh every time). `deadline`: seconds each request may take
    in all (tui.cloud.deadline); None: only the client's own timeouts. `project_id` is the profile's, for
    the Check calls that need one. DWS answers carry their own start, duration and failure: no extra request.
    """
    request = request_for(ref, endpoint)
    try:
        # The status URL is the same every poll: parsed once (Build's lookups vary, and are not kept).
        status, headers, body = await _get(client, prepared_url(request.url), auth, deadline)
        snapshot = replace(parse(ref, status, headers, body, now), request=request)
    except ApiError as exc:
        exc.request = request
        raise

    async def get_json(path: str) -> dict[str, Any]:
        status, headers, body = await _get(client, _url(endpoint, path), auth, deadline)
        error = error_from_response(status, headers, body, now)
        if error is not None:
            raise ApiError(error)
        return _decode_object(status, headers, body)

    if ref.service is Service.DWS:
        if snapshot.phase is None:
            return snapshot
        started, outcome = dws.facts(snapshot.phase, snapshot.fields, now)
        message = outcome.summary() if outcome is not None else snapshot.message
        return replace(snapshot, started_at=started, outcome=outcome, message=message)
    if ref.service is Service.BUILD:
        if snapshot.phase is Phase.IDLE:
            if outcomes is not None:
                build.new_run(outcomes, endpoint, ref)
            return await build.enrich(snapshot, endpoint, get_json, now, outcomes)
        if snapshot.phase is Phase.RUNNING and outcomes is not None:
            return await build.enrich_running(snapshot, endpoint, get_json, now, outcomes)
        return snapshot
    if outcomes is not None:
        return await check_result.enrich(snapshot, Lookup.here(get_json, now, endpoint, outcomes), project_id)
    return snapshot


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    now: datetime,
    auth: httpx.Auth | None = None,
    params: Mapping[str, str | int] | None = None,
) -> dict[str, Any]:
    """GET one more JSON object (names, lists) with the status calls' caps and error mapping; ApiError on failure."""
    if params:
        url = str(httpx.URL(url, params=dict(params)))
    status, headers, body = await _get(client, url, auth)
    error = error_from_response(status, headers, body, now)
    if error is not None:
        raise ApiError(error)
    return _decode_object(status, headers, body)
