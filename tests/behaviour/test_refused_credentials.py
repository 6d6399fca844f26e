"""A rejected credential is remembered across runs (a fingerprint in the state folder) and never sent again
until it changes or the user asks (--retry-auth, the palette): six cron runs cannot lock an AK."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tui.cli.main import main

CHECK = re.compile(r"https://codearts-check\.cn-north-4\.myhuaweicloud\.com/v2/tasks/\w+/progress")
IAM_TOKENS = "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
IAM_PROJECTS = re.compile(r"https://iam\.cn-north-4\.myhuaweicloud\.com/v3/projects.*")
AK = "AKWRONG00000000000001"
SK = "SKWRONG0000000000000000000000000000000001"
TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLXBgkqhkiG9w0BBwGgggLIBIICxHsidG9rZW4i"
PASSWORD = "correct-horse-battery"


def _setup(tmp_path, auth: str, project: bool = True, extra: str = "") -> list[str]:
    cfg = tmp_path / "config.toml"
    lines = ["[profiles.default]", f'auth = "{auth}"']
    if project:
        lines.append('project_id = "05f2cff45100d5112f4bc00b794ea08e"')
    cfg.write_text("\n".join(lines) + "\n" + extra)
    wl = tmp_path / "wl.toml"
    options = ["--config", str(cfg), "--watchlist", str(wl)]
    assert main(["add", "check:abc123", *options]) == 0
    return options


def _refuse(httpx_mock: HTTPXMock, url, method: str = "GET", status: int = 401) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json={"error_code": "APIG.0301", "error_msg": "Incorrect IAM authentication"})

    httpx_mock.add_callback(answer, url=url, method=method, is_reusable=True, is_optional=True)
    return seen


def _state_file(tmp_path) -> str:
    files = list((tmp_path / "home").rglob("rejected-credentials.json"))
    assert len(files) == 1, files
    assert not files[0].stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    return files[0].read_text()


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("HCWATCH_STATE_DIR", str(tmp_path / "home" / "state"))


def test_six_runs_with_a_wrong_sk_send_it_once(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    options = _setup(tmp_path, "aksk")
    seen = _refuse(httpx_mock, CHECK)
    capsys.readouterr()
    codes = [main(["list", *options]) for _ in range(6)]
    assert codes == [5] * 6
    assert len(seen) == 1, "a rejected AK/SK was sent again by a later run"
    err = capsys.readouterr().err
    last = [line for line in err.splitlines() if "profile default" in line][-1]
    assert "AKWR…0001" in last and "does not send it again" in last and "--retry-auth" in last
    saved = _state_file(tmp_path)
    assert AK not in saved and SK not in saved and SK[:12] not in saved and "AKWR…0001" in saved
    # The user fixed nothing but asks: one more attempt, then remembered again.
    main(["list", "--retry-auth", *options])
    main(["list", *options])
    assert len(seen) == 2
    # A changed key is a different credential: it is sent.
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK[:-1] + "2")
    main(["list", *options])
    assert len(seen) == 3


def test_a_wrong_token_is_sent_once_across_runs(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", TOKEN)
    options = _setup(tmp_path, "token")
    seen = _refuse(httpx_mock, CHECK)
    for _ in range(3):
        main(["list", "--json", *options])
    assert len(seen) == 1
    out, err = capsys.readouterr()
    assert "the token from HCWATCH_AUTH_TOKEN was rejected on" in err
    assert TOKEN[:8] not in _state_file(tmp_path) + out + err


def test_a_refused_iam_project_lookup_is_not_repeated(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", AK)
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", SK)
    options = _setup(tmp_path, "aksk", project=False)
    lookups = _refuse(httpx_mock, IAM_PROJECTS)
    for _ in range(4):
        assert main(["list", *options]) == 5
    assert len(lookups) == 1
    assert "does not send it again" in capsys.readouterr().err


def test_a_password_iam_refused_is_not_sent_again(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    monkeypatch.setenv("HCWATCH_PASSWORD", PASSWORD)
    options = _setup(tmp_path, "password", extra='user = "alice"\ndomain = "acme"\n')
    posts = _refuse(httpx_mock, IAM_TOKENS, method="POST")
    for _ in range(3):
        assert main(["list", *options]) == 5
    assert len(posts) == 1
    err = capsys.readouterr().err
    assert "the password of IAM user alice@acme was rejected on" in err and "--retry-auth" in err
    assert PASSWORD not in _state_file(tmp_path)
    # Another password is another credential.
    monkeypatch.setenv("HCWATCH_PASSWORD", PASSWORD + "!")
    main(["list", *options])
    assert len(posts) == 2


def test_a_token_a_service_rejects_does_not_mark_the_password(tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    """IAM accepted the password; only the token made from it was refused: the password is tried next run."""
    monkeypatch.setenv("HCWATCH_PASSWORD", PASSWORD)
    options = _setup(tmp_path, "password", extra='user = "alice"\ndomain = "acme"\n')
    now = datetime.now(UTC)
    posts: list[httpx.Request] = []

    def issue(request: httpx.Request) -> httpx.Response:
        posts.append(request)
        return httpx.Response(201, headers={"X-Subject-Token": TOKEN + str(len(posts))}, json={"token": {
            "issued_at": now.isoformat(), "expires_at": (now + timedelta(hours=24)).isoformat(),
            "project": {"id": "p1", "name": "cn-north-4"}}})

    httpx_mock.add_callback(issue, url=IAM_TOKENS, method="POST", is_reusable=True)
    _refuse(httpx_mock, CHECK)
    main(["list", *options])
    first = len(posts)
    main(["list", *options])
    assert first >= 1 and len(posts) > first


async def test_the_palette_retry_forgets_the_refusal(pilot):
    app = pilot.app
    rt = app.runtime
    from tui.app.driving import advance

    rt.simulator.inject("expired", ref="check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59", count=1)
    rt.refresh("check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59")
    await advance(pilot, 3)
    assert "default" in rt.auth_problems
    saved = json.loads((rt.state.dir / "rejected-credentials.json").read_text())
    assert len(saved["rejected"]) == 1
    app.main.action_retry_auth()
    await advance(pilot, 12)
    assert "default" not in rt.auth_problems
    saved = json.loads((rt.state.dir / "rejected-credentials.json").read_text())
    assert saved["rejected"] == {}
