"""Huawei Cloud error answers and network failures turned into typed TaskErrors."""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from tui.cloud.deadline import TIMEOUT_CODE, RequestDeadline
from tui.errors import ApiError
from tui.model import ErrorKind, TaskError, plain_text

# Server-supplied text is shown in a table cell and a detail pane: keep it short.
MSG_LIMIT = 300
# A Retry-After of days is a broken gateway, not advice; the poller caps backoff anyway.
RETRY_AFTER_CAP = 24 * 3600.0

# Documented codes whose meaning does not follow from the HTTP status alone (APIG. is the API gateway in
# front of all three services, CC. CodeArts Check, CB. CodeArts Build): e.g. "network busy" comes as a
# 400 or 500 but means try again later, and Build's invalid job id is a 400 that means no such job.
THROTTLED_CODES = {"APIG.0308", "CB.00060211"}  # throttled, too many requests
# "Network busy, try again later": the service asks us to slow down, so it is throttling (backoff, and a
# Retry-After holds the host), not a broken answer. DWS.0011 is DWS's "another operation is under way,
# try again later" (HTTP 409).
BUSY_CODES = {"CC.00000000", "CB.00060100", "DWS.0011"}
# Services that send no known code still say so in words (a DWS 400 "system busy"): read those too.
_BUSY_RE = re.compile(r"\bbusy\b|try again later|too many requests|over ?rate ?limit|throttl", re.IGNORECASE)
NOT_FOUND_CODES = {"CB.00060201"}  # Build: invalid task id, i.e. no such job
AUTH_CODES = {"APIG.0301", "CC.00000003"}  # bad or expired token or signature

# Key pairs seen in Huawei error bodies, most common first: error_code/error_msg (most APIs),
# errorCode/errorMsg and code/message (what the official SDK also reads), errCode/externalMessage (DWS;
# its internalMessage is for Huawei's staff and is not shown), errCode/errMsg, and the nested
# {"error": {...}} of the /v1 Build APIs and some gateways.
_CODE_KEYS = ("error_code", "errorCode", "errCode", "code")
_MSG_KEYS = ("error_msg", "errorMsg", "errMsg", "externalMessage", "errorMessage", "error_message", "message", "msg",
             "error_description")
# On a 2xx answer only an explicit error code makes it an error (a bare "code" could be data).
_SUCCESS_CODE_KEYS = ("error_code", "errorCode", "errCode")

_DEFAULT_MESSAGES = {
    ErrorKind.AUTH: "not authorised",
    ErrorKind.NOT_FOUND: "not found",
    ErrorKind.THROTTLED: "too many requests, slowing down",
    ErrorKind.SERVER: "server error, will retry",
    ErrorKind.BAD_RESPONSE: "unexpected answer from the server",
}


def api_error(kind: ErrorKind, message: str, **extra: Any) -> ApiError:
    """Shorthand for raising an ApiError built from a kind and a message."""
    return ApiError(TaskError(kind, message, **extra))


# A long opaque run in a server message is most likely a token or signature being echoed back.
_OPAQUE_RE = re.compile(r"[A-Za-z0-9+/=_.%-]{80,}")
# Some APIs put a "no error" code in successful answers.
_SUCCESS_CODES = {"0", "00000000", "ok", "success", "none"}


def _text(value: Any, limit: int = MSG_LIMIT) -> str | None:
    """A server value as safe, bounded text (echoed tokens blanked); None for null or empty."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = plain_text(_OPAQUE_RE.sub("[…]", plain_text(value, 20_000)), limit)
    return text or None


def error_fields(data: Any, *, success: bool = False) -> tuple[str | None, str | None]:
    """(code, message) from an error body of any known shape, or (None, None)."""
    if not isinstance(data, dict):
        return None, None
    keys = _SUCCESS_CODE_KEYS if success else _CODE_KEYS
    code = next((c for c in (_text(data.get(k), 80) for k in keys) if c), None)
    msg = next((m for m in (_text(data.get(k)) for k in _MSG_KEYS) if m), None)
    if code is None:
        # The /v1 Build APIs (and some gateways) wrap it: {"error": {...}, "status": "fail"}.
        inner = data.get("error")
        if isinstance(inner, dict):
            icode, imsg = error_fields(inner)
            if icode or not success:
                code, msg = icode, imsg or msg
        elif not success and isinstance(inner, str):
            msg = msg or _text(inner)
    if success and (code is None or code.lower() in _SUCCESS_CODES):
        return None, None
    return code, msg


def parse_retry_after(value: str | None, reference: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        ref = reference or datetime.now(UTC)
        seconds = (when - ref).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _reference_time(headers: Mapping[str, str], now: datetime | None) -> datetime | None:
    """The server's own Date header, so a Retry-After date is read without clock skew."""
    date = headers.get("date") or headers.get("Date")
    if date:
        try:
            parsed = email.utils.parsedate_to_datetime(date)
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            pass
    return now


def _kind_for(status: int, code: str | None, msg: str | None = None) -> ErrorKind:
    """The error kind from the HTTP status, the Huawei error code and, for "busy", the message."""
    if code in THROTTLED_CODES or code in BUSY_CODES or status == 429:
        return ErrorKind.THROTTLED
    if code in AUTH_CODES or status in (401, 403, 407):
        return ErrorKind.AUTH
    if code in NOT_FOUND_CODES or status in (404, 410):
        return ErrorKind.NOT_FOUND
    if msg is not None and status not in (404, 410) and _BUSY_RE.search(msg):
        return ErrorKind.THROTTLED
    if status >= 500 or status == 408:
        return ErrorKind.SERVER
    return ErrorKind.BAD_RESPONSE


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> TaskError | None:
    """The TaskError an HTTP answer carries, or None for a success (2xx without an error code).

    A 2xx body that is not JSON is not judged here: the service parser calls it bad_response.
    """
    try:
        data = json.loads(body) if body else None
        is_json = True
    except (ValueError, UnicodeDecodeError):
        data, is_json = None, False
    ok = 200 <= status < 300
    code, msg = error_fields(data, success=ok)
    if ok and code is None:
        return None
    kind = _kind_for(status, code, msg)
    request_id = _text(_header(headers, "X-Request-Id"), 100)
    retry_after = parse_retry_after(_header(headers, "Retry-After"), _reference_time(headers, now))
    if msg is None:
        if not is_json and status >= 500:
            msg = f"HTTP {status} from the gateway (not JSON)"
        elif not is_json and body.strip():
            msg = f"HTTP {status} with a body that is not JSON"
        else:
            msg = _DEFAULT_MESSAGES.get(kind, "request failed")
    if ok:
        # The status said success but the body says otherwise (Check does this).
        msg = msg or "error in a successful answer"
    return TaskError(kind, msg, code, status, request_id, retry_after)


def _timeout_seconds(exc: httpx.TimeoutException) -> float | None:
    """The timeout that expired, from the request's extensions, when httpx tells us."""
    try:
        timeouts = exc.request.extensions.get("timeout") or {}
    except RuntimeError:  # exception raised without a request attached
        return None
    key = {
        httpx.ConnectTimeout: "connect",
        httpx.ReadTimeout: "read",
        httpx.WriteTimeout: "write",
        httpx.PoolTimeout: "pool",
    }.get(type(exc))
    value = timeouts.get(key) if key else None
    return value if isinstance(value, (int, float)) else None


def network_error(exc: BaseException, host: str | None = None) -> TaskError:
    """A short human TaskError for a transport failure; never echoes headers or tokens."""
    where = f" ({host})" if host else ""
    detail = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        # code "timeout": the row says "timeout" rather than the vaguer "network".
        if isinstance(exc, RequestDeadline):
            return TaskError(ErrorKind.NETWORK, f"timed out: {exc}{where}", code=TIMEOUT_CODE)
        seconds = _timeout_seconds(exc)
        what = "connecting timed out" if isinstance(exc, httpx.ConnectTimeout) else "timed out"
        msg = f"{what} after {seconds:g}s" if seconds is not None else what
        return TaskError(ErrorKind.NETWORK, msg + where, code=TIMEOUT_CODE)
    elif isinstance(exc, httpx.ConnectError):
        if "refused" in detail:
            msg = "connection refused"
        elif any(s in detail for s in ("name or service", "nodename", "getaddrinfo", "name resolution", "no address")):
            msg = "could not resolve the host name"
        elif "certificate" in detail or "ssl" in detail or "tls" in detail:
            msg = "TLS handshake failed (certificate not trusted?)"
        elif "unreachable" in detail:
            msg = "network unreachable"
        else:
            msg = "could not connect"
    elif isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        msg = "connection dropped by the server"
    elif isinstance(exc, httpx.ProxyError):
        msg = "proxy error"
    elif isinstance(exc, httpx.WriteError):
        msg = "connection lost while sending"
    else:
        msg = f"network error ({type(exc).__name__})"
    return TaskError(ErrorKind.NETWORK, msg + where)
