"""A gateway that quotes the credential back: no output shows it, whole or in part (list, watch, JSON, the TUI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpx import HTTPXMock

from tui.app.driving import advance
from tui.cli.main import main

MIN_PART = 8  # as tui.cloud.auth.masking.MIN_PART (a literal, so this file also runs on code without it)

CHECK_URL = "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks/abc123/progress"
IAM_URL = "https://iam.cn-north-4.myhuaweicloud.com/v3/auth/tokens?nocatalog=true"
TOKEN = "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEwggLXBgkqhkiG9w0BBwGgggLIBIICxHsidG9rZW4i"
PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"


def _no_part_of(secret: str, text: str) -> bool:
    return all(secret[i:i + MIN_PART] not in text for i in range(len(secret) - MIN_PART + 1))


@pytest.fixture
def password_profile(tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    """Password auth whose IAM token the Check gateway quotes back, cut to 40 characters."""
    monkeypatch.setenv("HCWATCH_PASSWORD", "correct-horse-battery")
    now = datetime.now(UTC)
    httpx_mock.add_response(url=IAM_URL, method="POST", status_code=201, headers={"X-Subject-Token": TOKEN}, json={
        "token": {"issued_at": now.isoformat(), "expires_at": (now + timedelta(hours=24)).isoformat(),
                  "project": {"id": "p1", "name": "cn-north-4"}}}, is_optional=True, is_reusable=True)
    httpx_mock.add_response(url=CHECK_URL, status_code=400, is_reusable=True, json={
        "error_code": "CC.00000001", "error_msg": f"request with token {TOKEN[:40]} refused"})
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nauth = "password"\nuser = "alice"\ndomain = "acme"\nproject_id = "p1"\n')
    wl = tmp_path / "wl.toml"
    assert main(["add", "check:abc123", "--config", str(cfg), "--watchlist", str(wl)]) == 0
    return ["--config", str(cfg), "--watchlist", str(wl)]


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_list_masks_an_echoed_token_prefix(capsys, password_profile, json_flag):
    capsys.readouterr()
    main(["list", *json_flag, *password_profile])
    out, err = capsys.readouterr()
    assert "refused" in out and "***" in out
    assert _no_part_of(TOKEN, out + err)


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_watch_masks_an_echoed_token_prefix(capsys, password_profile, json_flag):
    capsys.readouterr()
    assert main(["watch", "check:abc123", "--timeout", "1.5", *json_flag, *password_profile]) == 4
    out, err = capsys.readouterr()
    assert "refused" in out and "***" in out
    assert _no_part_of(TOKEN, out + err)


async def test_the_screen_and_the_state_file_mask_an_echoed_token(pilot):
    app = pilot.app
    sim = app.runtime.simulator
    token = sim.DEMO_TOKEN
    sim.inject("server", ref=PAYMENTS, msg=f"upstream said: bad X-Auth-Token {token}, prefix {token[:10]}",
               code="X.500")
    app.main.table.focus()
    app.runtime.refresh(PAYMENTS)
    await advance(pilot, 3)
    status = app.runtime.status(PAYMENTS)
    assert status is not None and status.snapshot is not None and status.snapshot.error is not None
    assert "upstream said" in status.snapshot.error.message
    shown = app.main.table.cell_text(PAYMENTS, "message")
    app.main.show_detail()
    detail = app.main.detail.text.plain
    app.runtime._save_state()
    state = "".join(p.read_text() for p in app.runtime.state.path.parent.iterdir() if p.is_file())
    for text in (status.snapshot.error.message, shown, detail, state):
        assert _no_part_of(token, text), text
