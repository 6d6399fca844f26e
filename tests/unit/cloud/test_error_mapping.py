"""Huawei error answers and transport failures → TaskError kinds, codes, messages, Retry-After."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from tui.cloud.error_mapping import error_from_response, network_error, parse_retry_after
from tui.errors import ApiError
from tui.model import ErrorKind, TaskError

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def err(status, payload=None, headers=None, raw: bytes | None = None) -> TaskError | None:
    content = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
    return error_from_response(status, headers or {}, content, NOW)


@pytest.mark.parametrize("status", [200, 201, 204])
def test_success_is_none(status):
    assert err(status, {"task_status": 0}) is None
    assert err(status, raw=b"") is None
    # A 2xx that is not JSON is judged by the service parser, not here.
    assert err(status, raw=b"<html>") is None
    # /v1 Build answers carry an "error": null on success, and a bare "code" may be data.
    assert err(status, {"result": {}, "error": None, "status": "success"}) is None
    assert err(status, {"code": 5, "status": "RUNNING"}) is None
    assert err(status, {"error_code": None, "error_msg": None}) is None


@pytest.mark.parametrize(
    "status, code, kind",
    [
        (400, "CC.00000000", ErrorKind.THROTTLED),
        (500, "CB.00060100", ErrorKind.THROTTLED),
        (409, "DWS.0011", ErrorKind.THROTTLED),
        (400, "CB.00060201", ErrorKind.NOT_FOUND),
        (400, "CC.12345678", ErrorKind.BAD_RESPONSE),
        (401, "CC.00000003", ErrorKind.AUTH),
        (401, "APIG.0301", ErrorKind.AUTH),
        (403, "DWS.0015", ErrorKind.AUTH),
        (404, "DWS.0047", ErrorKind.NOT_FOUND),
        (410, None, ErrorKind.NOT_FOUND),
        (429, None, ErrorKind.THROTTLED),
        (400, "APIG.0308", ErrorKind.THROTTLED),
        (500, "CB.00060211", ErrorKind.THROTTLED),
        (500, None, ErrorKind.SERVER),
        (502, None, ErrorKind.SERVER),
        (503, None, ErrorKind.SERVER),
        (504, None, ErrorKind.SERVER),
        (405, None, ErrorKind.BAD_RESPONSE),
        (302, None, ErrorKind.BAD_RESPONSE),
        (200, "CC.00000000", ErrorKind.THROTTLED),
        (200, "CC.00000003", ErrorKind.AUTH),
        (200, "CC.99999999", ErrorKind.BAD_RESPONSE),
    ],
)
def test_kinds(status, code, kind):
    payload = {"error_code": code, "error_msg": "m"} if code else {"error_msg": "m"}
    e = err(status, payload)
    assert (e.kind, e.code, e.http_status, e.message) == (kind, code, status, "m")


@pytest.mark.parametrize(
    "payload",
    [
        {"error_code": "X.1", "error_msg": "said"},
        {"errorCode": "X.1", "errorMsg": "said"},
        {"code": "X.1", "message": "said"},
        {"errCode": "X.1", "errMsg": "said"},
        {"errCode": "X.1", "msg": "said"},
        {"error": {"error_code": "X.1", "error_msg": "said"}, "status": "fail"},
        {"error": {"errorCode": "X.1", "errorMsg": "said"}},
    ],
)
def test_body_variants(payload):
    e = err(400, payload)
    assert (e.code, e.message) == ("X.1", "said")


@pytest.mark.parametrize(
    "payload",
    [
        {"errCode": "DWS.0001", "externalMessage": "said"},
        {"errCode": "DWS.0001", "externalMessage": "said", "internalMessage": "stack trace"},
        {"errorCode": "DWS.0001", "errorMessage": "said"},
        {"error_code": "DWS.0001", "error_message": "said"},
        {"error": {"code": "DWS.0001", "message": "said"}},
    ],
)
def test_dws_error_bodies_keep_their_message(payload):
    e = err(400, payload)
    assert (e.kind, e.code, e.message) == (ErrorKind.BAD_RESPONSE, "DWS.0001", "said")


@pytest.mark.parametrize(
    "status, payload",
    [
        (400, {"errCode": "DWS.9999", "externalMessage": "The system is busy. Please try again later."}),
        (400, {"errCode": "DWS.9999", "externalMessage": "System busy"}),
        (400, {"error_code": "DWS.0005", "error_msg": "Server busy, try again later"}),
        (409, {"error_code": "DWS.0011", "error_msg": "Another operation is being performed. Please try again later."}),
        (500, {"errCode": "DWS.0005", "externalMessage": "system busy"}),
        (400, {"error_code": "APIG.0399", "error_msg": "over ratelimit,limit:20,time:1 minute"}),
    ],
)
def test_busy_in_any_dws_shape_is_throttled(status, payload):
    e = err(status, payload)
    assert e.kind is ErrorKind.THROTTLED and e.kind.transient
    assert e.message == next(v for k, v in payload.items() if k != "errCode" and k != "error_code")


def test_busy_words_do_not_turn_a_refusal_or_a_missing_task_into_throttling():
    assert err(401, {"error_code": "APIG.0301", "error_msg": "busy token"}).kind is ErrorKind.AUTH
    assert err(404, {"errCode": "DWS.0047", "externalMessage": "busy cluster gone"}).kind is ErrorKind.NOT_FOUND


def test_200_with_nested_error_code_is_an_error():
    e = err(200, {"result": None, "error": {"error_code": "CB.00060201", "error_msg": "invalid id"}, "status": "fail"})
    assert (e.kind, e.code) == (ErrorKind.NOT_FOUND, "CB.00060201")


def test_numeric_code_and_wrong_types():
    assert err(400, {"code": 1001, "message": 42}).code == "1001"
    assert err(400, {"code": 1001, "message": 42}).message == "42"
    e = err(404, {"error_code": ["x"], "error_msg": {"a": 1}})
    assert (e.kind, e.code, e.message) == (ErrorKind.NOT_FOUND, None, "not found")


def test_message_is_cleaned_and_bounded():
    e = err(500, {"error_code": "X", "error_msg": "\x1b]0;pwned\x07" + "y" * 5000})
    assert "\x1b" not in e.message and "\x07" not in e.message
    assert len(e.message) <= 300


@pytest.mark.parametrize("raw", [b"<html><body>502 Bad Gateway</body></html>", b"", b"\x00\xff"])
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_bodies_that_are_not_json(status, raw):
    e = err(status, raw=raw)
    assert e.kind is ErrorKind.SERVER
    assert e.message == f"HTTP {status} from the gateway (not JSON)" or (raw == b"" and e.message)


def test_non_json_4xx_is_bad_response_or_by_status():
    assert err(400, raw=b"<html>nope</html>").kind is ErrorKind.BAD_RESPONSE
    assert err(400, raw=b"<html>nope</html>").message == "HTTP 400 with a body that is not JSON"
    assert err(401, raw=b"Unauthorized").kind is ErrorKind.AUTH
    assert err(404, raw=b"").kind is ErrorKind.NOT_FOUND


def test_request_id_and_retry_after_seconds():
    e = err(429, {"error_code": "APIG.0308", "error_msg": "slow down"}, {"X-Request-Id": "abc-1", "Retry-After": "17"})
    assert (e.request_id, e.retry_after, e.kind) == ("abc-1", 17.0, ErrorKind.THROTTLED)


def test_headers_are_case_insensitive_with_httpx_headers():
    headers = httpx.Headers({"x-request-id": "r-9", "retry-after": "5"})
    e = error_from_response(503, headers, b"", NOW)
    assert (e.request_id, e.retry_after) == ("r-9", 5.0)


def test_retry_after_as_http_date():
    e = err(503, {}, {"Retry-After": "Wed, 01 Jan 2025 12:01:30 GMT"})
    assert e.retry_after == 90.0
    # The server's Date header is the reference when present (no clock skew).
    e = err(503, {}, {"Retry-After": "Wed, 01 Jan 2025 12:01:30 GMT", "Date": "Wed, 01 Jan 2025 12:01:00 GMT"})
    assert e.retry_after == 30.0


@pytest.mark.parametrize(
    "value, expected",
    [("0", 0.0), ("2.5", 2.5), ("-5", 0.0), ("junk", None), ("", None), (None, None), ("nan", None), ("99999999", 86400.0),
     ("Wed, 01 Jan 2025 11:00:00 GMT", 0.0)],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, NOW) == expected


def test_api_error_is_one_line():
    e = ApiError(TaskError(ErrorKind.AUTH, "Authentication information expired.", "CC.00000003", 401))
    assert str(e) == "auth HTTP 401 CC.00000003: Authentication information expired."
    assert e.kind is ErrorKind.AUTH and "\n" not in str(e)


def _timeout(cls, seconds):
    exc = cls("timed out")
    exc.request = httpx.Request("GET", "https://h/x", extensions={"timeout": httpx.Timeout(seconds).as_dict()})
    return exc


@pytest.mark.parametrize(
    "exc, message",
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), "could not resolve the host name"),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS handshake failed"),
        (httpx.ConnectError("something else"), "could not connect"),
        (_timeout(httpx.ReadTimeout, 10), "timed out after 10s"),
        (_timeout(httpx.ConnectTimeout, 2.5), "connecting timed out after 2.5s"),
        (httpx.PoolTimeout("x"), "timed out"),
        (httpx.RemoteProtocolError("peer closed"), "connection dropped by the server"),
        (httpx.ReadError("reset"), "connection dropped by the server"),
    ],
)
def test_network_errors(exc, message):
    e = network_error(exc)
    assert e.kind is ErrorKind.NETWORK and e.message.startswith(message)
    assert e.kind.transient


def test_network_error_names_host_not_secrets():
    exc = httpx.ConnectError("Connection refused for X-Auth-Token: abc")
    e = network_error(exc, "iam.cn-north-4.myhuaweicloud.com")
    assert e.message == "connection refused (iam.cn-north-4.myhuaweicloud.com)"


def test_success_codes_in_a_200_are_not_errors():
    assert err(200, {"error_code": "0", "error_msg": "success"}) is None
    assert err(200, {"errorCode": "OK", "errorMsg": ""}) is None
    assert err(200, {"result": {}, "error": {"error_code": "0"}, "status": "success"}) is None


def test_echoed_tokens_are_blanked_from_messages():
    token = "MIIEXAMPLE" + "a1B2c3-_" * 40
    e = err(401, {"error_code": "APIG.0301", "error_msg": f"token {token} expired"})
    assert token[:80] not in e.message
    assert e.message.startswith("token ") and e.message.endswith(" expired")
