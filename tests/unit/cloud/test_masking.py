"""Credentials echoed by a server are masked where network text enters (the Cloud), whole or in part."""

from __future__ import annotations

import json
import secrets
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpx import HTTPXMock

from tui.cloud.auth.masking import MIN_PART, REDACTED, SecretMask, redact
from tui.errors import ApiError
from tui.model import ErrorKind
from tui.runtime import Runtime

CHECK_URL = "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/abc123/progress"
IAM_URL = "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLXBgkqhkiG9w0BBwGgggLIBIICxHsidG9rZW4i"


def test_a_whole_secret_and_its_encodings_are_masked():
    secret = "tok+en/with=odd&chars-0123456789"
    mask = SecretMask([secret])
    for form in (secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret, safe=""),
                 json.dumps(secret)[1:-1]):
        assert mask(f"bad token {form}!") == f"bad token {REDACTED}!"


@pytest.mark.parametrize("part", [TOKEN[:40], TOKEN[:MIN_PART], TOKEN[10:30], TOKEN[-12:]])
def test_a_long_part_of_a_long_secret_is_masked(part):
    mask = SecretMask([TOKEN])
    masked = mask(f"X-Auth-Token {part}… is invalid")
    assert part not in masked and masked == f"X-Auth-Token {REDACTED}… is invalid"


def test_short_runs_and_short_secrets_only_whole():
    mask = SecretMask([TOKEN, "pw12"])
    assert mask(f"near {TOKEN[:MIN_PART - 1]} miss") == f"near {TOKEN[:MIN_PART - 1]} miss"
    assert mask("pw123 and pw12") == f"{REDACTED}3 and {REDACTED}"
    # Ordinary words, ids and codes are left alone.
    text = "CC.00000003 Authentication information expired for task 2b31ed520aaaaaaaebedb6e57bbbbbbb"
    assert mask(text) == text


def test_two_parts_in_one_text_are_both_masked():
    mask = SecretMask([TOKEN])
    text = f"a {TOKEN[:20]} b {TOKEN[50:70]} c"
    assert mask(text) == f"a {REDACTED} b {REDACTED} c"


def test_redact_uses_the_same_rule():
    assert redact(f"x {TOKEN[:40]}", [TOKEN]) == f"x {REDACTED}"


def test_random_secrets_do_not_mask_ordinary_text():
    text = "The throttling threshold has been reached: policy user over ratelimit, limit:20, time:1 minute"
    for _ in range(50):
        assert SecretMask([secrets.token_urlsafe(40), secrets.token_hex(20)])(text) == text


# ----- the one place: everything a fetch brings back, whatever output shows it ---------------------------


def _runtime(tmp_path, auth: str = "token") -> Runtime:
    cfg = tmp_path / "config.toml"
    extra = 'user = "alice"\ndomain = "acme"\n' if auth == "password" else ""
    cfg.write_text(f'[profiles.default]\nauth = "{auth}"\nproject_id = "p1"\n{extra}')
    rt = Runtime.open(config_path=cfg, watchlist_path=tmp_path / "wl.toml", state_dir=tmp_path / "state")
    rt.add("check:abc123")
    return rt


async def _sweep(rt: Runtime):
    try:
        return (await rt.sweep())["check:abc123"]
    finally:
        await rt.stop()


@pytest.mark.parametrize("echo", [lambda t: t, lambda t: t[:40], lambda t: urllib.parse.quote(t, safe="")])
async def test_a_token_quoted_back_is_masked_in_the_snapshot_and_the_state_file(tmp_path, monkeypatch,
                                                                               httpx_mock: HTTPXMock, echo):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", TOKEN)
    httpx_mock.add_response(url=CHECK_URL, status_code=400, json={
        "error_code": "APIG.0101", "error_msg": f"bad header X-Auth-Token: {echo(TOKEN)}"})
    rt = _runtime(tmp_path)
    snap = await _sweep(rt)
    assert snap.error is not None and snap.error.kind is ErrorKind.BAD_RESPONSE
    # (A whole 100-character token is already blanked as an opaque run: "[…]".)
    assert snap.error.message in (f"bad header X-Auth-Token: {REDACTED}", "bad header X-Auth-Token: […]")
    state = "".join(p.read_text() for p in (tmp_path / "state").iterdir())
    assert "X-Auth-Token" in state and TOKEN[:MIN_PART] not in state


async def test_an_iam_token_prefix_quoted_back_is_masked_with_password_auth(tmp_path, monkeypatch,
                                                                           httpx_mock: HTTPXMock):
    monkeypatch.setenv("HCWATCH_PASSWORD", "correct-horse-battery")
    now = datetime.now(UTC)
    httpx_mock.add_response(url=IAM_URL, method="POST", status_code=201, headers={"X-Subject-Token": TOKEN}, json={
        "token": {"issued_at": now.isoformat(), "expires_at": (now + timedelta(hours=24)).isoformat(),
                  "project": {"id": "p1", "name": "cn-north-4"}}})
    httpx_mock.add_response(url=CHECK_URL, status_code=400, json={
        "error_code": "CC.00000001", "error_msg": f"token {TOKEN[:40]} not valid here", "detail": TOKEN[:40]})
    rt = _runtime(tmp_path, auth="password")
    snap = await _sweep(rt)
    assert snap.error is not None and snap.error.message == f"token {REDACTED} not valid here"
    assert TOKEN[:MIN_PART] not in json.dumps(snap.to_json())


async def test_a_token_in_a_successful_answer_is_masked_in_message_and_fields(tmp_path, monkeypatch,
                                                                            httpx_mock: HTTPXMock):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", TOKEN)
    httpx_mock.add_response(url=CHECK_URL, json={
        "task_status": 0, "progress": {"ratio": "5%", "info": f"Executing as {TOKEN[:30]}"}})
    snap = await _sweep(_runtime(tmp_path))
    assert snap.error is None
    assert TOKEN[:MIN_PART] not in snap.message and TOKEN[:MIN_PART] not in json.dumps(snap.fields)


async def test_cloud_fetch_masks_the_api_error_it_raises(tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", TOKEN)
    httpx_mock.add_response(url=CHECK_URL, status_code=500, json={"error_code": "X", "error_msg": TOKEN[5:45]})
    rt = _runtime(tmp_path)
    import httpx

    async with httpx.AsyncClient() as client:
        rt.cloud.client = client
        with pytest.raises(ApiError) as info:
            await rt.cloud.fetch(rt.tasks()[0])
    assert info.value.error.message == REDACTED and TOKEN[5:13] not in str(info.value)
