"""Credentials: static token, IAM password tokens, AK/SK signing, discovery order, and no secret ever shown."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tui.clock import FakeClock
from tui.cloud import signing
from tui.cloud.auth import NOTHING_FOUND, AkSkAuth, PasswordAuth, TokenAuth, credentials_for, redact
from tui.cloud.auth.discovery import KeyPair
from tui.config.settings import Profile
from tui.errors import AuthError
from tui.model import ErrorKind

IAM = "https://iam.example.com"
TOKEN_URL = f"{IAM}/v3/auth/tokens?nocatalog=true"
CHECK_URL = "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/2b31ed520xxxxxxebedb6e57xxxxxxxx/progress"
AK = "AKEXAMPLE0000000000"
SK = "SKEXAMPLE0000000000000000000000000000000"
PROJECT = "05f2cff45100d5112f4bc00b794ea08e"
PASSWORD = "s3cret-Pa55word%"
JAN_2025 = datetime(2025, 1, 1, tzinfo=UTC).timestamp()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_body(clock: FakeClock, lifetime: float = 86400) -> dict:
    now = clock.time()
    return {"token": {"issued_at": iso(now), "expires_at": iso(now + lifetime), "project": {"id": PROJECT, "name": "cn-north-4"}}}


def expected_password_body(scope: dict) -> dict:
    user = {"name": "alice", "password": PASSWORD, "domain": {"name": "acme"}}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": {"project": scope}}}


async def authed(auth, url: str = CHECK_URL, method: str = "GET", content: bytes = b"") -> httpx.Request:
    """Run one request through the auth flow and return the request as it would be sent."""
    request = httpx.Request(method, url, content=content)
    return await auth.async_auth_flow(request).__anext__()


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def password_auth(client, clock, **kw) -> PasswordAuth:
    kw.setdefault("password", PASSWORD)
    kw.setdefault("project_name", "cn-north-4")
    return PasswordAuth(client, IAM, "alice", "acme", clock=clock, **kw)


def add_token(httpx_mock, clock, token="tok-1", lifetime=86400, status=201):
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=status, headers={"X-Subject-Token": token}, json=token_body(clock, lifetime)
    )


# --- static token ---------------------------------------------------------------------------------------------


async def test_token_auth_sets_header_and_cannot_refresh() -> None:
    auth = TokenAuth("tok-abc")
    request = await authed(auth)
    assert request.headers["X-Auth-Token"] == "tok-abc"
    assert await auth.refresh() is False
    assert auth.describe() == "token from HCWATCH_AUTH_TOKEN"
    assert auth.secrets() == ["tok-abc"]


@pytest.mark.parametrize("bad", ["", "  ", "tok\nInjected: 1", "töken"])
def test_token_auth_refuses_unsendable_values_without_echoing(bad: str) -> None:
    with pytest.raises(AuthError) as info:
        TokenAuth(bad)
    assert "HCWATCH_AUTH_TOKEN" in str(info.value)
    assert (bad.strip() or "@@") not in str(info.value)


async def test_token_auth_through_a_client(httpx_mock, client) -> None:
    httpx_mock.add_response(url=CHECK_URL, match_headers={"X-Auth-Token": "tok-abc"}, json={})
    response = await client.get(CHECK_URL, auth=TokenAuth("tok-abc"))
    assert response.status_code == 200


# --- IAM password tokens ------------------------------------------------------------------------------------


async def test_password_acquires_token_with_exact_request(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock)
    auth = password_auth(client, clock)
    request = await authed(auth)
    assert request.headers["X-Auth-Token"] == "tok-1"
    [sent] = httpx_mock.get_requests()
    assert sent.method == "POST"
    assert str(sent.url) == TOKEN_URL
    assert sent.headers["Content-Type"] == "application/json;charset=utf8"
    assert "X-Auth-Token" not in sent.headers and "Authorization" not in sent.headers
    assert json.loads(sent.content) == expected_password_body({"name": "cn-north-4"})
    assert auth.project_id == PROJECT  # learnt from the token answer
    assert auth.describe() == "IAM password token for user alice@acme (expires 00:00 UTC)"


async def test_password_scoped_by_project_id(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock)
    await authed(password_auth(client, clock, project_name=None, project_id="p-123"))
    assert json.loads(httpx_mock.get_requests()[0].content) == expected_password_body({"id": "p-123"})


async def test_password_token_reused_then_renewed_five_minutes_ahead(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-1")
    auth = password_auth(client, clock)
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-1"
    clock.advance(86400 - 300 - 1)  # just before the renewal point: still the same token, no IAM call
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-1"
    assert len(httpx_mock.get_requests()) == 1
    clock.advance(2)
    add_token(httpx_mock, clock, "tok-2")
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-2"
    assert len(httpx_mock.get_requests()) == 2
    assert {"tok-1", "tok-2", PASSWORD} <= set(auth.secrets())  # the old token may sit in earlier output


async def test_short_lived_tokens_renew_at_half_life(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-1", lifetime=60)
    auth = password_auth(client, clock)
    await authed(auth)
    await authed(auth)  # a 60 s token is not "always about to expire"
    assert len(httpx_mock.get_requests()) == 1
    clock.advance(31)
    add_token(httpx_mock, clock, "tok-2", lifetime=60)
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-2"


async def test_password_lifetime_trusts_iam_not_local_clock(httpx_mock, client, clock) -> None:
    skewed = FakeClock(clock.time() - 7200)  # IAM's clock is two hours behind ours
    httpx_mock.add_response(url=TOKEN_URL, status_code=201, headers={"X-Subject-Token": "t"}, json=token_body(skewed))
    auth = password_auth(client, clock)
    await authed(auth)
    assert auth.expires_at == datetime.fromtimestamp(clock.time() + 86400, UTC)


async def test_refresh_after_401_gets_a_new_token(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-1")
    auth = password_auth(client, clock)
    await authed(auth)
    clock.advance(600)
    add_token(httpx_mock, clock, "tok-2")
    assert await auth.refresh() is True
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-2"
    assert len(httpx_mock.get_requests()) == 2


async def test_concurrent_requests_share_one_iam_call(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-1")
    auth = password_auth(client, clock)
    requests = await asyncio.gather(*(authed(auth) for _ in range(25)))
    assert {r.headers["X-Auth-Token"] for r in requests} == {"tok-1"}
    assert len(httpx_mock.get_requests()) == 1


async def test_concurrent_refreshes_share_one_iam_call(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-1")
    auth = password_auth(client, clock)
    await authed(auth)
    clock.advance(600)
    add_token(httpx_mock, clock, "tok-2")
    assert await asyncio.gather(*(auth.refresh() for _ in range(8))) == [True] * 8
    assert len(httpx_mock.get_requests()) == 2
    # A burst of 401s from requests that carried the old token: the new token is young, no more IAM calls.
    assert [await auth.refresh() for _ in range(3)] == [True] * 3
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    "status,words",
    [(401, "wrong password or unknown user"), (403, "account locked or access forbidden"), (400, "rejected the token request")],
)
async def test_iam_refusals_are_one_clear_line_and_never_retried(httpx_mock, client, clock, status, words) -> None:
    httpx_mock.add_response(
        url=TOKEN_URL, status_code=status, json={"error": {"code": status, "message": f"nope {PASSWORD}", "title": "x"}}
    )
    auth = password_auth(client, clock)
    for _ in range(3):
        with pytest.raises(AuthError) as info:
            await authed(auth)
        message = str(info.value)
        assert words in message and "alice@acme" in message and "\n" not in message
        assert PASSWORD not in message and "***" in message  # IAM's own text, redacted
        assert f"(HTTP {status}: nope ***)" in message
    with pytest.raises(AuthError):
        await auth.refresh()
    assert len(httpx_mock.get_requests()) == 1  # a refusal is final: IAM locks users too
    assert info.value.transient is False and info.value.error.kind in (ErrorKind.AUTH, ErrorKind.CONFIG)


async def test_iam_unreachable_names_the_host_and_is_transient(httpx_mock, client, clock) -> None:
    httpx_mock.add_exception(httpx.ConnectError("connection refused"))
    auth = password_auth(client, clock)
    with pytest.raises(AuthError) as info:
        await authed(auth)
    assert str(info.value) == "IAM unreachable at iam.example.com (ConnectError)"
    assert info.value.transient and info.value.error.kind is ErrorKind.NETWORK
    add_token(httpx_mock, clock)  # not sticky: the next poll tries again
    assert (await authed(auth)).headers["X-Auth-Token"] == "tok-1"


@pytest.mark.parametrize(
    "response",
    [
        {"status_code": 201, "json": {"token": {"expires_at": "2026-01-02T00:00:00Z"}}},  # no X-Subject-Token
        {"status_code": 201, "headers": {"X-Subject-Token": "t"}, "text": "<html>proxy</html>"},
        {"status_code": 201, "headers": {"X-Subject-Token": "t"}, "json": {"token": {"expires_at": "tomorrow"}}},
        {"status_code": 201, "headers": {"X-Subject-Token": "t"}, "json": ["token"]},
        {"status_code": 302, "headers": {"Location": "/login"}},
    ],
)
async def test_iam_garbage_is_a_bad_response(httpx_mock, client, clock, response) -> None:
    httpx_mock.add_response(url=TOKEN_URL, **response)
    with pytest.raises(AuthError) as info:
        await authed(password_auth(client, clock))
    assert "without a usable token" in str(info.value)
    assert info.value.error.kind is ErrorKind.BAD_RESPONSE


async def test_iam_busy_is_transient(httpx_mock, client, clock) -> None:
    httpx_mock.add_response(url=TOKEN_URL, status_code=503, text="")
    with pytest.raises(AuthError) as info:
        await authed(password_auth(client, clock))
    assert info.value.error.kind is ErrorKind.SERVER and "HTTP 503" in str(info.value)


async def test_prompt_is_called_once_lazily_even_when_wrong(httpx_mock, client, clock) -> None:
    asked: list[str] = []

    async def prompt(question: str) -> str:
        asked.append(question)
        await asyncio.sleep(0)
        return PASSWORD

    profile = Profile(name="p", user="alice", domain="acme", auth="password")
    auth = credentials_for(profile, client=client, iam_endpoint=IAM, env={}, clock=clock, prompt=prompt)
    assert asked == []  # lazily: nothing asked until a request needs a token
    add_token(httpx_mock, clock)
    await asyncio.gather(*(authed(auth) for _ in range(5)))
    assert asked == ["IAM password for alice@acme"]
    assert json.loads(httpx_mock.get_requests()[0].content) == expected_password_body({"name": "cn-north-4"})
    assert PASSWORD in auth.secrets()


async def test_cancelled_prompt_is_not_asked_again(client, clock) -> None:
    asked = []

    async def prompt(question: str) -> str:
        asked.append(question)
        return ""

    auth = password_auth(client, clock, password=None, prompt=prompt)
    for _ in range(2):
        with pytest.raises(AuthError, match="no password entered for IAM user alice@acme"):
            await authed(auth)
    assert len(asked) == 1


# --- AK/SK signing -------------------------------------------------------------------------------------------


def aksk(client, clock=None, **kw) -> AkSkAuth:
    kw.setdefault("project_id", PROJECT)
    return AkSkAuth(AK, SK, region="cn-north-4", iam_endpoint=IAM, client=client, clock=clock or FakeClock(JAN_2025), **kw)


def verify(request: httpx.Request, sk: str = SK) -> bool:
    """Check a signed request the way the gateway does: recompute over the headers it names."""
    ak, names, sig = signing.parse_authorization(request.headers["Authorization"])
    headers = {n: request.headers[n] for n in names}
    path = request.url.raw_path.split(b"?")[0].decode()
    expected = signing.authorization(ak, sk, request.method, path, request.url.params.multi_items(), headers, request.content)
    return expected.rsplit("=", 1)[1] == sig


async def test_aksk_matches_the_sdk_vector(client) -> None:
    request = await authed(aksk(client))
    assert request.headers["X-Sdk-Date"] == "20250101T000000Z"
    assert request.headers["Host"] == "codearts-check.cn-north-4.myhuaweicloud.com"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Project-Id"] == PROJECT
    assert request.headers["Authorization"] == (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
        "Signature=6c5b94ecd925001a570d8b4dd4f2d5052112e02f203142c6c1166bedaab96aac"
    )


async def test_aksk_signs_a_query_string_like_the_sdk(client) -> None:
    url = "https://cloudbuild-ext.cn-north-4.myhuaweicloud.com/v3/jobs/901878212b1a49be9c1a1054c272762a/history"
    request = await authed(aksk(client), url + "?offset=0&limit=10&interval=30")
    assert request.headers["Authorization"].endswith(
        "Signature=a34283cc0d631b675bbfb82baf031d98440e535826d4661f67153072cdf6fb1f"
    )


async def test_aksk_port_body_security_token_and_client_headers(client) -> None:
    auth = aksk(client, security_token="sts-token-xyz")
    request = client.build_request("POST", "http://127.0.0.1:8443/v1/x?a=1", content=b'{"k": 1}')
    request = await auth.async_auth_flow(request).__anext__()
    assert request.headers["Host"] == "127.0.0.1:8443"
    assert request.headers["X-Security-Token"] == "sts-token-xyz"
    _, names, _ = signing.parse_authorization(request.headers["Authorization"])
    assert "x-security-token" in names and "host" in names
    assert "accept-encoding" not in names and "connection" not in names  # proxies may rewrite those
    assert verify(request) and not verify(request, sk=SK[:-1] + "1")


async def test_aksk_date_follows_the_clock(client) -> None:
    clock = FakeClock(JAN_2025)
    auth = aksk(client, clock)
    clock.advance(3661)
    assert (await authed(auth)).headers["X-Sdk-Date"] == "20250101T010101Z"
    assert await auth.refresh() is False  # a 401 means a wrong key: never retried


async def test_project_id_looked_up_once_for_concurrent_requests(httpx_mock, client) -> None:
    httpx_mock.add_response(
        method="GET", url=f"{IAM}/v3/projects?name=cn-north-4", json={"projects": [{"id": "p-found", "name": "cn-north-4"}]}
    )
    auth = aksk(client, project_id=None)
    requests = await asyncio.gather(*(authed(auth) for _ in range(20)))
    assert {r.headers["X-Project-Id"] for r in requests} == {"p-found"}
    [lookup] = httpx_mock.get_requests()
    assert "X-Project-Id" not in lookup.headers and verify(lookup)
    assert await auth.project_id_for_region() == "p-found"
    assert len(httpx_mock.get_requests()) == 1


async def test_project_lookup_refusal_is_final(httpx_mock, client) -> None:
    httpx_mock.add_response(url=f"{IAM}/v3/projects?name=cn-north-4", status_code=401, json={"error_code": "APIG.0301"})
    auth = aksk(client, project_id=None)
    for _ in range(3):
        with pytest.raises(AuthError, match=r"IAM rejected AK AKEX…0000"):
            await authed(auth)
    assert len(httpx_mock.get_requests()) == 1  # never a second signature try: 5 failures lock the AK


async def test_project_lookup_empty_or_garbage(httpx_mock, client) -> None:
    httpx_mock.add_response(url=f"{IAM}/v3/projects?name=cn-north-4", json={"projects": []})
    with pytest.raises(AuthError, match="no project named cn-north-4.*set project_id"):
        await authed(aksk(client, project_id=None))
    httpx_mock.add_response(url=f"{IAM}/v3/projects?name=cn-north-4", text="<html>")
    with pytest.raises(AuthError) as info:
        await authed(aksk(client, project_id=None))
    assert info.value.error.kind is ErrorKind.BAD_RESPONSE


# --- discovery -----------------------------------------------------------------------------------------------


def discover(client, env, tmp_path: Path, profile: Profile | None = None, **kw):
    env = {"HOME": str(tmp_path), **env}
    return credentials_for(profile or Profile(name="default"), client=client, iam_endpoint=IAM, env=env, clock=FakeClock(), **kw)


def write_credentials(tmp_path: Path, mode: int = 0o600, text: str | None = None) -> Path:
    path = tmp_path / ".huaweicloud" / "credentials"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text if text is not None else f"[basic]\nak = FILEAK0000000000\nsk = {SK}\nproject_id = p-file\n")
    path.chmod(mode)
    return path


SDK_ENV = {"HUAWEICLOUD_SDK_AK": AK, "HUAWEICLOUD_SDK_SK": SK}


def test_discovery_order(client, tmp_path) -> None:
    write_credentials(tmp_path)
    user = Profile(name="default", user="alice", domain="acme")
    both = {"HCWATCH_AUTH_TOKEN": "tok", **SDK_ENV, "HCWATCH_PASSWORD": PASSWORD}
    assert isinstance(discover(client, both, tmp_path, user), TokenAuth)
    env_keys = discover(client, {**SDK_ENV, "HCWATCH_PASSWORD": PASSWORD}, tmp_path, user)
    assert isinstance(env_keys, AkSkAuth) and env_keys.source == "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK"
    from_file = discover(client, {"HCWATCH_PASSWORD": PASSWORD}, tmp_path, user)
    assert isinstance(from_file, AkSkAuth) and from_file.describe() == "AK/SK FILE…0000 from ~/.huaweicloud/credentials"
    assert from_file.project_id == "p-file" and from_file.warnings == []
    (tmp_path / ".huaweicloud" / "credentials").unlink()
    assert isinstance(discover(client, {"HCWATCH_PASSWORD": PASSWORD}, tmp_path, user), PasswordAuth)
    with pytest.raises(AuthError) as info:
        discover(client, {}, tmp_path)
    assert str(info.value) == NOTHING_FOUND
    for name in ("HCWATCH_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HCWATCH_PASSWORD"):
        assert name in NOTHING_FOUND


def test_aksk_env_extras_and_profile_project(client, tmp_path) -> None:
    env = {**SDK_ENV, "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sts", "HUAWEICLOUD_SDK_PROJECT_ID": "p-env"}
    creds = discover(client, env, tmp_path)
    assert creds.project_id == "p-env" and "sts" in creds.secrets()
    assert "temporary" in creds.describe()
    assert discover(client, env, tmp_path, Profile(name="x", project_id="p-profile")).project_id == "p-profile"


def test_credentials_file_moved_by_env(client, tmp_path) -> None:
    other = tmp_path / "elsewhere.ini"
    other.write_text(f"[basic]\nak = {AK}\nsk = {SK}\nsecurity_token = sts\n")
    other.chmod(0o600)
    creds = discover(client, {"HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(other)}, tmp_path)
    assert isinstance(creds, AkSkAuth) and creds.source == "~/elsewhere.ini" and "sts" in creds.secrets()


@pytest.mark.skipif(os.name != "posix", reason="file modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_readable_credentials_file_warns(client, tmp_path, mode) -> None:
    write_credentials(tmp_path, mode)
    creds = discover(client, {}, tmp_path)
    assert creds.warnings == [
        f"~/.huaweicloud/credentials can be read by other users (mode {mode:o}): run chmod 600 ~/.huaweicloud/credentials"
    ]


def test_broken_credentials_file_never_echoes_its_content(client, tmp_path) -> None:
    write_credentials(tmp_path, text=f"sk = {SK}\n[basic\n")
    with pytest.raises(AuthError) as info:
        discover(client, {}, tmp_path)
    assert SK not in str(info.value) and "~/.huaweicloud/credentials:1: not a valid" in str(info.value)


def test_incomplete_file_is_skipped_in_discovery(client, tmp_path) -> None:
    write_credentials(tmp_path, text="[basic]\nak = only-ak\n")
    with pytest.raises(AuthError, match="no credentials found"):
        discover(client, {}, tmp_path)


@pytest.mark.parametrize(
    "profile,env,expected",
    [
        (Profile(name="p", auth="token"), SDK_ENV, "profile 'p' uses auth = \"token\" but HCWATCH_AUTH_TOKEN is not set"),
        (
            Profile(name="p", auth="aksk"),
            {"HCWATCH_AUTH_TOKEN": "t"},
            "profile 'p' uses auth = \"aksk\" but HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK are not set "
            "and ~/.huaweicloud/credentials has no [basic] ak and sk",
        ),
        (
            Profile(name="p", auth="password", domain="acme"),
            {"HCWATCH_PASSWORD": "x"},
            "profile 'p' uses auth = \"password\" but has no user = ... (the IAM user and account name)",
        ),
        (
            Profile(name="p", auth="password"),
            {},
            "profile 'p' uses auth = \"password\" but has no user = ... and domain = ... (the IAM user and account name)",
        ),
        (Profile(name="p", auth="password", user="alice", domain="acme"), {}, "no password for IAM user alice@acme: set HCWATCH_PASSWORD"),
        (Profile(name="p"), {"HUAWEICLOUD_SDK_AK": AK}, "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"),
        (Profile(name="p", auth="kerberos"), {}, "profile 'p': auth = 'kerberos' is not one of \"token\", \"password\", \"aksk\""),
    ],
)
def test_explicit_method_names_what_is_missing(client, tmp_path, profile, env, expected) -> None:
    with pytest.raises(AuthError) as info:
        discover(client, env, tmp_path, profile)
    assert str(info.value) == expected


def test_explicit_method_beats_discovery(client, tmp_path) -> None:
    env = {"HCWATCH_AUTH_TOKEN": "tok", **SDK_ENV, "HCWATCH_PASSWORD": PASSWORD}
    assert isinstance(discover(client, env, tmp_path, Profile(name="p", auth="aksk")), AkSkAuth)
    pw = discover(client, env, tmp_path, Profile(name="p", auth="password", user="alice", domain="acme", project_id="p1"))
    assert isinstance(pw, PasswordAuth) and pw.project_id == "p1" and pw.project_name is None


# --- secrets never shown -------------------------------------------------------------------------------------


async def test_no_secret_in_repr_str_describe_or_errors(httpx_mock, client, clock) -> None:
    add_token(httpx_mock, clock, "tok-SECRET-1")
    pw = password_auth(client, clock)
    await authed(pw)
    objects = [
        TokenAuth("tok-SECRET-0"),
        pw,
        aksk(client, security_token="sts-SECRET-2"),
        KeyPair(AK, SK, "sts-SECRET-2", None, "env"),
    ]
    secrets = ["tok-SECRET-0", "tok-SECRET-1", PASSWORD, SK, "sts-SECRET-2", AK]
    for obj in objects:
        for text in (repr(obj), str(obj), getattr(obj, "describe", lambda: "")()):
            assert not any(s in text for s in secrets), text
    assert set(pw.secrets()) == {PASSWORD, "tok-SECRET-1"}
    assert set(objects[2].secrets()) == {AK, SK, "sts-SECRET-2"}


async def test_no_secret_in_logs(httpx_mock, client, clock, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    add_token(httpx_mock, clock, "tok-SECRET-9")
    httpx_mock.add_response(url=f"{IAM}/v3/projects?name=cn-north-4", json={"projects": [{"id": "p"}]})
    httpx_mock.add_response(url=CHECK_URL, json={})
    await client.get(CHECK_URL, auth=password_auth(client, clock))
    await authed(aksk(client, project_id=None, security_token="sts-SECRET-2"))
    assert caplog.records  # something was logged: the test is not vacuous
    for secret in ("tok-SECRET-9", PASSWORD, SK, "sts-SECRET-2"):
        assert secret not in caplog.text


def test_redact_covers_encoded_forms() -> None:
    secret = 'p"a ss/%w'
    text = f"plain {secret} json {json.dumps(secret)} url {urllib.parse.quote(secret, safe='')} plus {urllib.parse.quote_plus(secret, safe='')}"
    cleaned = redact(text, [secret, None, ""])
    assert secret not in cleaned and "a ss" not in cleaned and "%2Fw" not in cleaned
    assert cleaned.count("***") == 4
    assert redact("abc", []) == "abc"


def test_auth_error_is_one_line_task_error() -> None:
    err = AuthError("IAM refused\nuser x", http_status=401)
    assert str(err) == "IAM refused user x"
    assert err.error.kind is ErrorKind.AUTH and err.error.http_status == 401 and not err.transient


async def test_aksk_401_with_skewed_clock_says_so(httpx_mock, client) -> None:
    clock = FakeClock(JAN_2025)
    gateway_date = email.utils.format_datetime(datetime.fromtimestamp(JAN_2025 - 20 * 60, UTC), usegmt=True)
    httpx_mock.add_response(url=CHECK_URL, status_code=401, headers={"Date": gateway_date}, json={"error_code": "APIG.0301"})
    auth = aksk(client, clock)
    response = await client.get(CHECK_URL, auth=auth)
    assert response.status_code == 401 and len(httpx_mock.get_requests()) == 1  # not retried
    assert "clock is 20 minutes ahead of the gateway's" in auth.rejection_hint()
    assert "15 minutes" in aksk(client, clock).rejection_hint() and "clock" in aksk(client, clock).rejection_hint()


async def test_aksk_lookup_401_with_skew(httpx_mock, client) -> None:
    clock = FakeClock(JAN_2025)
    date = email.utils.format_datetime(datetime.fromtimestamp(JAN_2025 + 3600, UTC), usegmt=True)
    httpx_mock.add_response(url=f"{IAM}/v3/projects?name=cn-north-4", status_code=401, headers={"Date": date})
    with pytest.raises(AuthError, match="clock is 60 minutes behind the gateway's"):
        await authed(aksk(client, clock, project_id=None))


# --- against the simulator over a real 127.0.0.1 socket ------------------------------------------------------

from tui.cloud import services  # noqa: E402
from tui.model import Service, TaskRef  # noqa: E402
from tui.sim import Simulator, running  # noqa: E402


@pytest.fixture
def sim_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sim(sim_clock):
    simulator = Simulator(sim_clock, demo=True, token_lifetime=600)
    simulator.add_aksk(AK, SK)
    simulator.add_user("alice", PASSWORD, "acme")
    return simulator


@pytest.fixture
def sim_url(sim):
    with running(sim) as url:
        yield url


@pytest.fixture
async def socket_client():
    async with httpx.AsyncClient(trust_env=False, timeout=10) as c:  # no proxy from the environment
        yield c


def demo_urls(sim: Simulator, base: str) -> dict[Service, str]:
    """One status URL per service, built the way the poller builds them."""
    urls: dict[Service, str] = {}
    for text, _ in sim.demo_refs():
        ref = TaskRef.parse(text, Simulator.DEMO_PROJECT_ID)
        urls.setdefault(ref.service, services.request_for(ref, base).url)
    return urls


async def test_sim_accepts_signed_requests_for_every_service(sim, sim_url, sim_clock, socket_client) -> None:
    auth = AkSkAuth(AK, SK, region="cn-north-4", iam_endpoint=sim_url, client=socket_client, clock=sim_clock)
    urls = demo_urls(sim, sim_url)
    assert set(urls) == set(Service)
    for url in [*urls.values(), urls[Service.CHECK] + "?limit=10&offset=0&name=a%20b"]:
        response = await socket_client.get(url, auth=auth)
        assert response.status_code == 200, (url, response.text)
        assert response.request.headers["X-Project-Id"] == Simulator.DEMO_PROJECT_ID  # looked up from the region
    assert sim.stats.count("/v3/projects") == 1


async def test_sim_rejects_a_wrong_sk_once_and_we_do_not_retry(sim, sim_url, sim_clock, socket_client) -> None:
    auth = AkSkAuth(
        AK, SK[:-1] + "1", project_id=Simulator.DEMO_PROJECT_ID, region="cn-north-4", iam_endpoint=sim_url,
        client=socket_client, clock=sim_clock,
    )
    url = demo_urls(sim, sim_url)[Service.BUILD]
    response = await socket_client.get(url, auth=auth)
    assert response.status_code == 401 and "APIG.0301" in response.text
    assert await auth.refresh() is False
    assert sim.gateway.aksks[AK].failures == 1 and not sim.ak_locked(AK)


async def test_sim_rejects_a_skewed_clock_and_we_say_so(socket_client) -> None:
    # uvicorn stamps Date from the real clock, so this simulator's clock starts at real time.
    sim_clock = FakeClock(time.time())
    sim = Simulator(sim_clock, demo=True)
    sim.add_aksk(AK, SK)
    ahead = FakeClock(sim_clock.time() + 30 * 60)
    with running(sim) as url:
        auth = AkSkAuth(
            AK, SK, project_id=Simulator.DEMO_PROJECT_ID, region="cn-north-4", iam_endpoint=url,
            client=socket_client, clock=ahead,
        )
        response = await socket_client.get(demo_urls(sim, url)[Service.CHECK], auth=auth)
    assert response.status_code == 401 and "skewed" in response.text
    assert "this machine's clock is 30 minutes ahead of the gateway's" in auth.rejection_hint()


async def test_sim_password_token_issued_renewed_and_expired(sim, sim_url, sim_clock, socket_client) -> None:
    auth = PasswordAuth(socket_client, sim_url, "alice", "acme", PASSWORD, project_name="cn-north-4", clock=sim_clock)
    url = demo_urls(sim, sim_url)[Service.CHECK]
    responses = await asyncio.gather(*(socket_client.get(url, auth=auth) for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    assert sim.tokens_issued == 1  # ten concurrent requests, one IAM call
    assert auth.project_id == Simulator.DEMO_PROJECT_ID
    sim_clock.advance(600 - 300 + 1)  # inside the renewal window of a 10-minute token
    assert (await socket_client.get(url, auth=auth)).status_code == 200
    assert sim.tokens_issued == 2


async def test_sim_expired_token_gets_one_refresh(sim, sim_url, sim_clock, socket_client) -> None:
    ours = FakeClock(sim_clock.time())  # our clock stands still: the token looks fresh to us...
    auth = PasswordAuth(socket_client, sim_url, "alice", "acme", PASSWORD, project_name="cn-north-4", clock=ours)
    url = demo_urls(sim, sim_url)[Service.DWS]
    assert (await socket_client.get(url, auth=auth)).status_code == 200
    sim_clock.advance(601)  # ...but it has expired on the simulator's clock
    expired = await socket_client.get(url, auth=auth)
    assert expired.status_code == 401 and "token expires" in expired.text
    ours.advance(60)
    assert await auth.refresh() is True
    assert (await socket_client.get(url, auth=auth)).status_code == 200
    assert sim.tokens_issued == 2


async def test_sim_wrong_password_is_refused_once(sim, sim_url, sim_clock, socket_client) -> None:
    auth = PasswordAuth(socket_client, sim_url, "alice", "acme", "wrong", project_name="cn-north-4", clock=sim_clock)
    url = demo_urls(sim, sim_url)[Service.CHECK]
    for _ in range(2):
        with pytest.raises(AuthError, match="IAM refused user alice@acme: wrong password or unknown user"):
            await socket_client.get(url, auth=auth)
    assert sim.tokens_issued == 0
