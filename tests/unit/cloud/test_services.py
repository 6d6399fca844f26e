"""The three status APIs over mocked HTTP: status tables, odd bodies, errors, the body cap, Build outcomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from pytest_httpx import HTTPXMock, IteratorStream

from tui.cloud import services
from tui.cloud.services import build as build_service
from tui.errors import ApiError
from tui.model import ErrorKind, Phase, Service, TaskRef

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
CHECK_HOST = "https://codearts-check.cn-north-4.myhuaweicloud.com"
BUILD_HOST = "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com"
DWS_HOST = "https://dws.cn-north-4.myhuaweicloud.com"
TOKEN = "secret-token-do-not-show"

CHECK = TaskRef.parse("check:2b31ed520aaaaaaebedb6e57bbbbbbbb")
BUILD = TaskRef.parse("build:901878212b1a49be9c1a1054c272762a")
DWS = TaskRef.parse("dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001")

CHECK_URL = f"{CHECK_HOST}/v2/tasks/2b31ed520aaaaaaebedb6e57bbbbbbbb/progress"
BUILD_URL = f"{BUILD_HOST}/v3/jobs/901878212b1a49be9c1a1054c272762a/status"
RUNNING_STATUS_URL = f"{BUILD_HOST}/v1/job/901878212b1a49be9c1a1054c272762a/running-status"
DWS_URL = f"{DWS_HOST}/v1.0/05f2cff45100d5112f4bc00b794ea08e/job/2c9080e8845b207101845b245e1e0001"

TARGETS = {"check": (CHECK, CHECK_HOST, CHECK_URL), "build": (BUILD, BUILD_HOST, BUILD_URL), "dws": (DWS, DWS_HOST, DWS_URL)}


class TokenAuth(httpx.Auth):
    """Stand-in for tui.cloud.auth.TokenAuth: adds X-Auth-Token."""

    def auth_flow(self, request):
        request.headers["X-Auth-Token"] = TOKEN
        yield request


@pytest.fixture
def outcomes() -> build_service.OutcomeCache:
    """What a Cloud remembers of Build outcome lookups: one per test, as one per Cloud.

    The lookups beyond the last outcome (records, analysis, log) are marked unavailable here, so these
    tests see exactly the status and outcome calls; tests/unit/cloud/test_lookups.py covers the rest.
    """
    cache = build_service.OutcomeCache()
    for api in ("build.records", "build.analysis", "build.log", "check.summary", "check.log"):
        for profile in (None, "work", "home", "default"):
            cache.unavailable.add((profile, BUILD_HOST, api))
            cache.unavailable.add((profile, CHECK_HOST, api))
    return cache


@pytest.fixture
async def client():
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def parsed(ref, obj, status=200, headers=None):
    return services.parse(ref, status, headers or {}, body(obj) if not isinstance(obj, bytes) else obj, NOW)


def api_failure(ref, raw: bytes, status=200, headers=None) -> ApiError:
    with pytest.raises(ApiError) as info:
        services.parse(ref, status, headers or {}, raw, NOW)
    return info.value


# --- the status table: each documented status value of the three APIs and the phase it means ------


@pytest.mark.parametrize(
    "answer, phase, progress, message, raw",
    [
        ({"task_status": 0, "progress": {"ratio": "50%", "info": "Executing"}}, Phase.RUNNING, 50.0, "Executing", "0"),
        ({"task_status": 1, "progress": None}, Phase.FAILED, None, "check failed", "1"),
        ({"task_status": 2, "progress": {"ratio": "100%", "info": "success"}}, Phase.SUCCEEDED, 100.0, "success", "2"),
        ({"task_status": 3}, Phase.STOPPED, None, "check stopped", "3"),
        ({"task_status": None, "progress": None}, Phase.PENDING, None, "never checked", None),
        ({"task_status": None, "progress": {"ratio": None, "info": None}}, Phase.PENDING, None, "never checked", None),
        # Wrongly typed: the status as a string, the ratio as a number, progress as a bare string.
        ({"task_status": "0", "progress": {"ratio": 42, "info": "running"}}, Phase.RUNNING, 42.0, "running", "0"),
        ({"task_status": 2.0, "progress": "100%"}, Phase.SUCCEEDED, 100.0, "check succeeded", "2.0"),
        ({"task_status": 0, "progress": ["50%"]}, Phase.RUNNING, None, "checking", "0"),
        ({"task_status": 0, "progress": {"ratio": "lots", "info": 7}}, Phase.RUNNING, None, "7", "0"),
        # Unknown values keep the raw text; a boolean is not a status code.
        ({"task_status": 9}, Phase.UNKNOWN, None, "unrecognised task_status 9", "9"),
        ({"task_status": "checking"}, Phase.UNKNOWN, None, "unrecognised task_status checking", "checking"),
        ({"task_status": True}, Phase.UNKNOWN, None, "unrecognised task_status true", "true"),
        ({"unexpected": 1}, Phase.UNKNOWN, None, "no task_status in the answer", None),
    ],
)
def test_check_status_table(answer, phase, progress, message, raw):
    snap = parsed(CHECK, answer)
    assert (snap.phase, snap.progress, snap.message, snap.raw_status) == (phase, progress, message, raw)
    assert snap.fetched_at == NOW and snap.error is None


@pytest.mark.parametrize(
    "answer, phase, raw",
    [
        ({"result": True}, Phase.RUNNING, "true"),
        ({"result": False}, Phase.IDLE, "false"),
        ({"result": "true"}, Phase.RUNNING, "true"),
        ({"result": "FALSE"}, Phase.IDLE, "FALSE"),
        ({"result": None}, Phase.UNKNOWN, None),
        ({"result": 1}, Phase.UNKNOWN, "1"),
        ({"result": {"nested": True}}, Phase.UNKNOWN, "dict"),
        ({}, Phase.UNKNOWN, None),
    ],
)
def test_build_status_table(answer, phase, raw):
    snap = parsed(BUILD, answer)
    assert (snap.phase, snap.raw_status) == (phase, raw)
    assert snap.message


@pytest.mark.parametrize(
    "status, phase",
    [
        ("INIT", Phase.PENDING),
        ("WAITING", Phase.PENDING),
        ("DELAY_SCHEDULED", Phase.PENDING),
        ("RUNNING", Phase.RUNNING),
        ("SUCCESS", Phase.SUCCEEDED),
        ("FAIL", Phase.FAILED),
        ("ERROR", Phase.FAILED),
        ("STOP", Phase.STOPPED),
        ("running", Phase.RUNNING),
        ("PAUSED", Phase.UNKNOWN),
        (7, Phase.UNKNOWN),
        (None, Phase.UNKNOWN),
    ],
)
def test_dws_status_table(status, phase):
    snap = parsed(DWS, {"status": status, "progress": "9%", "job_name": "resize"})
    assert snap.phase == phase
    assert snap.raw_status == (None if status is None else str(status))
    assert snap.progress == 9.0
    if phase is Phase.UNKNOWN:
        assert (str(status) if status is not None else "no status") in snap.message


def test_dws_documented_example():
    example = {
        "status": "FAIL",
        "progress": "9%",
        "job_id": "2c9080e88459fa44018459fbeb600001",
        "job_name": "ecfClusterElbCreateJob",
        "begin_time": "2022-11-09T20:25:00",
        "end_time": "2022-11-09T20:30:00",
        "failed_code": "CreateELBTask-fail:DWS.0114",
        "failed_detail": "DWS.0114:ELB private IP is not configured.",
    }
    snap = parsed(DWS, example)
    assert snap.phase is Phase.FAILED
    assert snap.progress == 9.0
    assert snap.message == "DWS.0114:ELB private IP is not configured."
    assert snap.raw_status == "FAIL"
    assert snap.fields == example  # every field the API returned


def test_dws_failure_falls_back_to_failed_code_then_a_word():
    assert parsed(DWS, {"status": "FAIL", "failed_code": "X.1", "failed_detail": ""}).message == "X.1"
    assert parsed(DWS, {"status": "ERROR", "failed_detail": None}).message == "job failed"
    assert parsed(DWS, {"status": "RUNNING", "job_name": 5}).message == "5"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("9%", 9.0),
        ("100%", 100.0),
        ("0%", 0.0),
        ("50.5%", 50.5),
        (" 9 % ", 9.0),
        ("42", 42.0),
        (42, 42.0),
        (12.5, 12.5),
        ("150%", 100.0),
        ("-3%", 0.0),
        (None, None),
        ("", None),
        ("%", None),
        ("nine%", None),
        ("9%%", None),
        ("NaN", None),
        ("inf%", None),
        (True, None),
        ([9], None),
        ({"ratio": 9}, None),
    ],
)
def test_progress_values(value, expected):
    assert parsed(DWS, {"status": "RUNNING", "progress": value}).progress == expected


def test_fields_are_flattened_and_cleaned():
    snap = parsed(
        CHECK,
        {"task_status": 0, "progress": {"ratio": "5%", "info": "a\x1b[31mred\x07"}, "extra": [1, {"b": None}]},
    )
    assert snap.fields["progress.ratio"] == "5%"
    assert "\x1b" not in snap.fields["progress.info"] and "\x07" not in snap.fields["progress.info"]
    assert "\x1b" not in snap.message
    assert snap.fields["extra[0]"] == 1 and snap.fields["extra[1].b"] is None


def test_a_body_with_thousands_of_fields_is_bounded():
    snap = parsed(DWS, {"status": "RUNNING", **{f"k{i}": i for i in range(5000)}})
    assert snap.phase is Phase.RUNNING
    assert len(snap.fields) <= 200


@pytest.mark.parametrize("raw", [b"", b"not json", b"{\"status\": ", b"[]", b"[1, 2]", b"\"RUNNING\"", b"42", b"null", b"\xff\xfe"])
@pytest.mark.parametrize("ref", [CHECK, BUILD, DWS], ids=str)
def test_bodies_that_are_not_an_object_are_bad_responses(ref, raw):
    err = api_failure(ref, raw).error
    assert err.kind is ErrorKind.BAD_RESPONSE
    assert err.http_status == 200
    assert err.message


# --- errors per service -----------------------------------------------------------------------

STATUS_KINDS = [
    (400, "CC.00000000", ErrorKind.THROTTLED),
    (400, "SVC.0001", ErrorKind.BAD_RESPONSE),
    (400, "CB.00060201", ErrorKind.NOT_FOUND),
    (401, "APIG.0301", ErrorKind.AUTH),
    (403, "DWS.0015", ErrorKind.AUTH),
    (404, "DWS.0047", ErrorKind.NOT_FOUND),
    (429, "APIG.0308", ErrorKind.THROTTLED),
    (500, "CB.00060211", ErrorKind.THROTTLED),
    (500, "CB.00060100", ErrorKind.THROTTLED),
    (500, "SVC.5000", ErrorKind.SERVER),
    (502, "APIG.0201", ErrorKind.SERVER),
    (503, "SVC.5030", ErrorKind.SERVER),
    (504, "APIG.0202", ErrorKind.SERVER),
]


@pytest.mark.parametrize("service", ["check", "build", "dws"])
@pytest.mark.parametrize("status, code, kind", STATUS_KINDS)
async def test_every_status_code_per_service(httpx_mock: HTTPXMock, client, service, status, code, kind):
    ref, host, url = TARGETS[service]
    httpx_mock.add_response(
        url=url,
        status_code=status,
        json={"error_code": code, "error_msg": "what \x1b[2Jthe server said"},
        headers={"X-Request-Id": "req-123"},
    )
    with pytest.raises(ApiError) as info:
        await services.fetch(client, ref, host, NOW, auth=TokenAuth())
    err = info.value.error
    assert (err.kind, err.code, err.http_status, err.request_id) == (kind, code, status, "req-123")
    assert err.message == "what [2Jthe server said"
    assert info.value.request.url == url
    assert TOKEN not in str(info.value) and TOKEN not in json.dumps(err.to_json())


@pytest.mark.parametrize(
    "payload",
    [
        {"error_code": "DWS.0047", "error_msg": "gone"},
        {"errorCode": "DWS.0047", "errorMsg": "gone"},
        {"code": "DWS.0047", "message": "gone"},
        {"errCode": "DWS.0047", "errMsg": "gone"},
        {"error": {"error_code": "DWS.0047", "error_msg": "gone"}, "status": "fail", "result": None},
        {"error": {"code": "DWS.0047", "message": "gone"}},
    ],
)
def test_error_body_variants(payload):
    err = api_failure(DWS, body(payload), status=404).error
    assert (err.kind, err.code, err.message) == (ErrorKind.NOT_FOUND, "DWS.0047", "gone")


@pytest.mark.parametrize(
    "status, payload, kind, message",
    [
        (400, {"errCode": "DWS.0001", "externalMessage": "Incorrect parameter."}, ErrorKind.BAD_RESPONSE,
         "Incorrect parameter."),
        (400, {"errCode": "DWS.9999", "externalMessage": "The system is busy. Please try again later."},
         ErrorKind.THROTTLED, "The system is busy. Please try again later."),
    ],
)
def test_dws_errcode_external_message_bodies(status, payload, kind, message):
    err = api_failure(DWS, body(payload), status=status).error
    assert (err.kind, err.message) == (kind, message)


def test_200_carrying_error_code_is_an_error():
    err = api_failure(CHECK, body({"error_code": "CC.00000000", "error_msg": "Network busy. Try again later."})).error
    assert (err.kind, err.code, err.http_status) == (ErrorKind.THROTTLED, "CC.00000000", 200)
    assert err.message == "Network busy. Try again later."
    err = api_failure(CHECK, body({"error_code": "CC.00000003", "error_msg": "Authentication information expired."}))
    assert err.error.kind is ErrorKind.AUTH


async def test_gateway_html_502(httpx_mock: HTTPXMock, client):
    httpx_mock.add_response(url=BUILD_URL, status_code=502, html="<html><body>Bad Gateway</body></html>")
    with pytest.raises(ApiError) as info:
        await services.fetch(client, BUILD, BUILD_HOST, NOW)
    assert info.value.error.kind is ErrorKind.SERVER
    assert info.value.error.message == "HTTP 502 from the gateway (not JSON)"


async def test_throttle_keeps_retry_after(httpx_mock: HTTPXMock, client):
    httpx_mock.add_response(url=CHECK_URL, status_code=429, headers={"Retry-After": "30"}, text="")
    with pytest.raises(ApiError) as info:
        await services.fetch(client, CHECK, CHECK_HOST, NOW)
    assert info.value.error.kind is ErrorKind.THROTTLED
    assert info.value.error.retry_after == 30.0


# --- the request sent --------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["check", "build", "dws"])
async def test_exact_request_sent(httpx_mock: HTTPXMock, client, service):
    ref, host, url = TARGETS[service]
    answer = {"check": {"task_status": 0}, "build": {"result": True}, "dws": {"status": "RUNNING"}}[service]
    httpx_mock.add_response(json=answer)
    snap = await services.fetch(client, ref, host + "/", NOW, auth=TokenAuth())
    request = httpx_mock.get_request()
    assert request.method == "GET"
    assert str(request.url) == url
    assert request.headers["X-Auth-Token"] == TOKEN
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
    assert request.content == b""
    assert snap.phase is Phase.RUNNING
    assert (snap.request.method, snap.request.url) == ("GET", url)
    assert TOKEN not in repr(snap)


def test_request_for_joins_without_double_slashes():
    assert services.request_for(CHECK, CHECK_HOST + "//").url == CHECK_URL
    assert services.request_for(DWS, "http://127.0.0.1:8080").url.startswith("http://127.0.0.1:8080/v1.0/")


@pytest.mark.parametrize("hostile", ["../../v3/auth", "a/b", "x?y=1", "x#frag", "a%2Fb", "a b", "é", "..", ""])
async def test_hostile_ids_never_reach_a_url(httpx_mock: HTTPXMock, client, hostile):
    for ref in (TaskRef(Service.CHECK, hostile), TaskRef(Service.DWS, "job1", hostile), TaskRef(Service.DWS, hostile, "p1")):
        with pytest.raises(ApiError) as info:
            await services.fetch(client, ref, CHECK_HOST, NOW)
        assert info.value.error.kind is ErrorKind.CONFIG
    assert httpx_mock.get_requests() == []


async def test_dws_without_project_is_a_config_error(httpx_mock: HTTPXMock, client):
    with pytest.raises(ApiError) as info:
        await services.fetch(client, TaskRef.parse("dws:job1"), DWS_HOST, NOW)
    assert info.value.error.kind is ErrorKind.CONFIG
    assert "project" in info.value.error.message
    assert httpx_mock.get_requests() == []


# --- the 1 MiB cap -----------------------------------------------------------------------------


async def test_two_mib_body_is_refused_without_reading_it_whole(httpx_mock: HTTPXMock, client):
    chunk = b" " * 65536
    sent = []

    def chunks():
        yield b'{"status": "RUNNING", "pad": "'
        for _ in range(32):  # 2 MiB in all
            sent.append(1)
            yield chunk
        yield b'"}'

    httpx_mock.add_response(url=DWS_URL, stream=IteratorStream(chunks()))
    with pytest.raises(ApiError) as info:
        await services.fetch(client, DWS, DWS_HOST, NOW)
    assert info.value.error.kind is ErrorKind.BAD_RESPONSE
    assert "1 MiB" in info.value.error.message
    assert len(sent) <= 17  # stopped just past the cap, not at the end


async def test_content_length_over_the_cap_is_refused_up_front(httpx_mock: HTTPXMock, client):
    def never():
        raise AssertionError("body must not be read")
        yield b""  # pragma: no cover

    httpx_mock.add_response(url=CHECK_URL, headers={"Content-Length": str(2 << 20)}, stream=IteratorStream(never()))
    with pytest.raises(ApiError) as info:
        await services.fetch(client, CHECK, CHECK_HOST, NOW)
    assert "1 MiB" in info.value.error.message


def test_parse_refuses_an_oversized_body():
    err = api_failure(DWS, b'{"status": "RUNNING", "x": "' + b"a" * (services.MAX_BODY) + b'"}').error
    assert err.kind is ErrorKind.BAD_RESPONSE


async def test_a_body_just_under_the_cap_is_fine(httpx_mock: HTTPXMock, client):
    pad = "a" * (services.MAX_BODY - 100)
    httpx_mock.add_response(url=DWS_URL, json={"status": "SUCCESS", "pad": pad})
    snap = await services.fetch(client, DWS, DWS_HOST, NOW)
    assert snap.phase is Phase.SUCCEEDED


# --- network failures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc, message",
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connection refused"),
        (httpx.ReadTimeout("read timed out"), "timed out after 10s"),
        (httpx.ConnectTimeout("timed out"), "connecting timed out after 10s"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), "connection dropped"),
        (httpx.ConnectError("[Errno -2] Name or service not known"), "could not resolve"),
    ],
)
async def test_network_failures(httpx_mock: HTTPXMock, client, exc, message):
    httpx_mock.add_exception(exc, url=CHECK_URL)
    with pytest.raises(ApiError) as info:
        await services.fetch(client, CHECK, CHECK_HOST, NOW, auth=TokenAuth())
    err = info.value.error
    assert err.kind is ErrorKind.NETWORK
    assert err.message.startswith(message)
    assert "codearts-check.cn-north-4.myhuaweicloud.com" in err.message
    assert TOKEN not in err.message


# --- Build: the last outcome -------------------------------------------------------------------


def _running_status(no="9", status="Finished", is_running=False):
    return {
        "result": {"last_job_id": "x", "last_build_no": no, "last_build_status": status, "is_running": is_running},
        "error": None,
        "status": "success",
    }


def _build_info(result, building=False):
    return {"result": {"building": building, "build_result": result, "region": "cn-north-4"}, "error": None, "status": "success"}


def _build_info_url(no="9"):
    return f"{BUILD_HOST}/v1/job/901878212b1a49be9c1a1054c272762a/{no}/build-info"


@pytest.mark.parametrize(
    "result, phase, message",
    [
        ("SUCCESS", Phase.SUCCEEDED, "last build #9 succeeded"),
        ("FAILURE", Phase.FAILED, "last build #9 failed"),
        ("ABORTED", Phase.STOPPED, "last build #9 stopped"),
    ],
)
async def test_build_outcome_enrichment(httpx_mock: HTTPXMock, client, outcomes, result, phase, message):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False})
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status())
    httpx_mock.add_response(url=_build_info_url(), json=_build_info(result))
    snap = await services.fetch(client, BUILD, BUILD_HOST, NOW, auth=TokenAuth(), outcomes=outcomes)
    assert (snap.phase, snap.message, snap.raw_status) == (phase, message, "false")
    assert snap.fields["build_info.build_result"] == result
    assert all(r.headers["X-Auth-Token"] == TOKEN for r in httpx_mock.get_requests())


async def test_build_outcome_is_cached_per_build_number(httpx_mock: HTTPXMock, client, outcomes):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status(), is_reusable=True)
    httpx_mock.add_response(url=_build_info_url(), json=_build_info("FAILURE"))
    for _ in range(3):
        snap = await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)
        assert snap.phase is Phase.FAILED
    assert len(httpx_mock.get_requests(url=_build_info_url())) == 1


async def test_new_build_number_fetches_a_new_outcome(httpx_mock: HTTPXMock, client, outcomes):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status("9"))
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status("10"))
    httpx_mock.add_response(url=_build_info_url("9"), json=_build_info("FAILURE"))
    httpx_mock.add_response(url=_build_info_url("10"), json=_build_info("SUCCESS"))
    assert (await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)).phase is Phase.FAILED
    assert (await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)).message == "last build #10 succeeded"


@pytest.mark.parametrize(
    "running_status, build_info",
    [
        ((500, {"error_code": "CB.00060100", "error_msg": "busy"}), None),
        ((200, {"result": None, "error": {"error_code": "CB.1", "error_msg": "x"}, "status": "fail"}), None),
        ((200, b"<html>"), None),
        ((200, _running_status(no="../../v3/auth")), None),
        ((200, _running_status(no=None)), None),
        ((200, _running_status(status="InQueue")), None),
        ((200, _running_status()), (404, {"error_code": "CB.404", "error_msg": "no"})),
        ((200, _running_status()), (200, _build_info("UNSTABLE"))),
        ((200, _running_status()), (200, _build_info(None))),
        ((200, _running_status()), (200, _build_info("SUCCESS", building=True))),
        ((200, _running_status()), (200, [1])),
    ],
)
async def test_build_outcome_unclear_stays_idle(httpx_mock: HTTPXMock, client, outcomes, running_status, build_info):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False})
    status, payload = running_status
    httpx_mock.add_response(url=RUNNING_STATUS_URL, status_code=status, content=payload if isinstance(payload, bytes) else body(payload))
    if build_info:
        httpx_mock.add_response(url=_build_info_url(), status_code=build_info[0], content=body(build_info[1]))
    snap = await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)
    assert snap.phase is Phase.IDLE and snap.error is None
    assert snap.message.startswith("not running")
    for request in httpx_mock.get_requests():
        assert "/../" not in request.url.raw_path.decode() and "auth" not in request.url.path


async def test_build_outcome_network_failure_stays_idle(httpx_mock: HTTPXMock, client, outcomes):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False})
    httpx_mock.add_exception(httpx.ConnectError("Connection refused"), url=RUNNING_STATUS_URL)
    snap = await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)
    assert snap.phase is Phase.IDLE


async def test_running_build_is_not_enriched(httpx_mock: HTTPXMock, client, outcomes):
    httpx_mock.add_response(url=BUILD_URL, json={"result": True})
    snap = await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)
    assert snap.phase is Phase.RUNNING
    assert len(httpx_mock.get_requests()) == 1


async def test_outcome_lookup_pauses_after_a_lasting_refusal(httpx_mock: HTTPXMock, client, outcomes):
    from datetime import timedelta

    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, status_code=404, json={"error_code": "APIG.0101", "error_msg": "no such API"})
    for minutes in (0, 1, 5):
        snap = await services.fetch(client, BUILD, BUILD_HOST, NOW + timedelta(minutes=minutes), outcomes=outcomes)
        assert snap.phase is Phase.IDLE and snap.error is None
    assert len(httpx_mock.get_requests(url=RUNNING_STATUS_URL)) == 1
    # Later it is tried again, and a clear answer is used.
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status())
    httpx_mock.add_response(url=_build_info_url(), json=_build_info("SUCCESS"))
    snap = await services.fetch(client, BUILD, BUILD_HOST, NOW + timedelta(minutes=11), outcomes=outcomes)
    assert snap.phase is Phase.SUCCEEDED


async def test_outcome_lookup_retries_after_a_transient_failure(httpx_mock: HTTPXMock, client, outcomes):
    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, status_code=503, text="")
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status())
    httpx_mock.add_response(url=_build_info_url(), json=_build_info("FAILURE"))
    assert (await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)).phase is Phase.IDLE
    assert (await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)).phase is Phase.FAILED


async def test_a_compressed_body_is_capped_after_decoding(httpx_mock: HTTPXMock, client):
    import gzip

    bomb = gzip.compress(b'{"status": "RUNNING", "pad": "' + b" " * (4 << 20) + b'"}')
    assert len(bomb) < 100_000
    httpx_mock.add_response(url=DWS_URL, headers={"Content-Encoding": "gzip"}, content=bomb)
    with pytest.raises(ApiError) as info:
        await services.fetch(client, DWS, DWS_HOST, NOW)
    assert "1 MiB" in info.value.error.message


async def test_garbage_answer_over_http(httpx_mock: HTTPXMock, client):
    httpx_mock.add_response(url=CHECK_URL, text="{'task_status': 0", headers={"X-Request-Id": "r1"})
    with pytest.raises(ApiError) as info:
        await services.fetch(client, CHECK, CHECK_HOST, NOW)
    err = info.value.error
    assert (err.kind, err.message, err.request_id) == (ErrorKind.BAD_RESPONSE, "the answer is not JSON", "r1")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate", "identity", ""])
async def test_compressed_answers_are_read(httpx_mock: HTTPXMock, client, encoding):
    import gzip
    import zlib

    raw = body({"status": "SUCCESS", "progress": "100%"})
    def raw_deflate(data):
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush()

    content = {"gzip": gzip.compress, "deflate": zlib.compress, "raw-deflate": raw_deflate}.get(encoding, lambda b: b)(raw)
    header = "deflate" if encoding == "raw-deflate" else encoding
    stream = IteratorStream([content])
    httpx_mock.add_response(url=DWS_URL, headers={"Content-Encoding": header} if header else {}, stream=stream)
    snap = await services.fetch(client, DWS, DWS_HOST, NOW)
    assert (snap.phase, snap.progress) == (Phase.SUCCEEDED, 100.0)


@pytest.mark.parametrize("encoding, content", [("br", b"\x00"), ("gzip", b"not gzip at all")])
async def test_undecodable_answers_are_bad_responses(httpx_mock: HTTPXMock, client, encoding, content):
    stream = IteratorStream([content])  # a stream, so the mock does not decode it up front
    httpx_mock.add_response(url=DWS_URL, headers={"Content-Encoding": encoding}, stream=stream)
    with pytest.raises(ApiError) as info:
        await services.fetch(client, DWS, DWS_HOST, NOW)
    assert info.value.error.kind is ErrorKind.BAD_RESPONSE


async def test_build_caches_are_kept_per_profile(httpx_mock: HTTPXMock, client, outcomes):
    """A refusal (or an outcome) seen with one profile's credentials is never used for another's."""
    import asyncio

    from tui.poll.rate_limit import RequestScope, enter_scope

    async def as_profile(profile: str):
        async def run():
            enter_scope(RequestScope(profile=profile))  # what a poller worker sets
            return await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=outcomes)

        return await asyncio.create_task(run())  # its own context: nothing leaks into this test

    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, status_code=403, json={"error_code": "CB.403", "error_msg": "denied"})
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status())
    httpx_mock.add_response(url=_build_info_url(), json=_build_info("SUCCESS"))
    assert (await as_profile("work")).phase is Phase.IDLE  # refused: work skips the lookup for a while
    assert (await as_profile("home")).phase is Phase.SUCCEEDED  # home is not held to work's refusal
    assert (await as_profile("work")).phase is Phase.IDLE  # nor does work see home's outcome
    assert len(httpx_mock.get_requests(url=RUNNING_STATUS_URL)) == 2
    assert len(httpx_mock.get_requests(url=_build_info_url())) == 1


async def test_build_caches_are_not_shared_between_cloud_clients(httpx_mock: HTTPXMock, client, outcomes):
    """Each Cloud has its own OutcomeCache: an outcome one remembers is looked up afresh by another."""
    httpx_mock.add_response(url=BUILD_URL, json={"result": False}, is_reusable=True)
    httpx_mock.add_response(url=RUNNING_STATUS_URL, json=_running_status(), is_reusable=True)
    httpx_mock.add_response(url=_build_info_url(), json=_build_info("SUCCESS"), is_reusable=True)
    fresh = build_service.OutcomeCache()
    fresh.unavailable.update(outcomes.unavailable)  # only the last-outcome calls, as in the other tests
    for cache in (outcomes, outcomes, fresh):
        assert (await services.fetch(client, BUILD, BUILD_HOST, NOW, outcomes=cache)).phase is Phase.SUCCEEDED
    assert len(httpx_mock.get_requests(url=_build_info_url())) == 2


def test_each_cloud_owns_its_outcome_cache():
    """Two Cloud objects never share outcome lookups; forgetting credentials clears only that Cloud's."""
    from tui.clock import FakeClock
    from tui.cloud.fetcher import Cloud
    from tui.config.settings import Settings

    one, two = Cloud(Settings(), FakeClock(), []), Cloud(Settings(), FakeClock(), [])
    assert one.build_outcomes is not two.build_outcomes
    one.build_outcomes.outcomes[("default", BUILD_HOST, BUILD.task_id, "9")] = (Phase.SUCCEEDED, {})
    two.build_outcomes.skip_until[("default", BUILD_HOST, BUILD.task_id)] = NOW
    one.forget("default")
    assert not one.build_outcomes.outcomes and two.build_outcomes.skip_until


def test_a_task_s_request_is_made_once_and_a_bad_one_is_refused_every_time() -> None:
    """Every poll's snapshot holds the request: one object per task, not one per poll kept by each holder."""
    once = services.request_for(TaskRef.parse("build:job-once"), "https://h.example")
    assert services.request_for(TaskRef.parse("build:job-once"), "https://h.example") is once
    assert services.request_for(TaskRef.parse("build:job-once"), "https://other.example").url.startswith(
        "https://other.example/")
    incomplete = TaskRef(Service.DWS, "job1", None)  # (parse refuses it; a TaskRef can be built directly)
    for _ in range(2):
        with pytest.raises(ApiError):
            services.request_for(incomplete, "https://h.example")
