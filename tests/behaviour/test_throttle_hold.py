"""One 429 with a long Retry-After holds its whole host, and the screen says so: rows, header, `R`, `list`."""

from __future__ import annotations

import re
import threading

import httpx
from pytest_httpx import HTTPXMock

from tui.app.driving import advance
from tui.cli.main import main

PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
WEB = "check:a41be6d07c2f4e38b95d1f0c6e7a2b84"        # same host (CodeArts Check)
BUILD = "build:901878212b1a49be9c1a1054c272762a"      # another host


async def test_held_rows_header_and_refresh_say_throttled_until(pilot, toasts):
    app = pilot.app
    app.runtime.simulator.inject("throttle", ref=PAYMENTS, count=1, retry_after=300)
    app.runtime.refresh(PAYMENTS)
    await advance(pilot, 12)  # WEB falls due (every 10 s) while its host is held
    until = app.runtime.throttled_until()
    assert until is not None
    hhmm = f"{until.astimezone():%H:%M}"
    for key in (PAYMENTS, WEB):
        assert f"throttled until {hhmm}" in app.main.table.cell_text(key, "message"), key
    assert "throttled" not in app.main.table.cell_text(BUILD, "message")
    header = app.main.board.header()
    assert header.throttled == until
    top = app.main.query_one("#top")
    assert any(f"throttled until {hhmm}" in v.plain for v in top._variants)
    await pilot.press("R")
    await pilot.pause()
    said = [t.message for t in toasts()]
    assert any("wait for a throttled host until " + hhmm in m for m in said), said


def _throttled_list(tmp_path, monkeypatch, httpx_mock: HTTPXMock) -> tuple[list[str], list[str]]:
    """Three tasks on one host whose every answer is 429 with Retry-After 300; returns (options, requests seen)."""
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "t" * 32)
    cfg = tmp_path / "config.toml"
    cfg.write_text("max_in_flight = 1\n[profiles.default]\nauth = \"token\"\n")
    wl = tmp_path / "wl.toml"
    base = "https://codearts-check.cn-north-4.myhuaweicloud.com/v2/tasks"
    for name in ("aaa", "bbb", "ccc"):
        assert main(["add", f"check:{name}", "--config", str(cfg), "--watchlist", str(wl)]) == 0
    calls: list[str] = []

    def answer(request):
        calls.append(request.url.path)
        return httpx.Response(429, headers={"Retry-After": "300"},
                              json={"error_code": "APIG.0308", "error_msg": "over ratelimit,limit:20,time:1 minute"})

    httpx_mock.add_callback(answer, url=re.compile(rf"{base}/\w+/progress"), is_reusable=True)
    return ["--config", str(cfg), "--watchlist", str(wl)], calls


def _bounded(argv: list[str]) -> list[int]:
    """main(argv) in a thread, given 30 s: code that waits out the 300 s hold fails here, not after minutes."""
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    runner.start()
    runner.join(30)
    return result


def test_list_does_not_wait_out_a_long_hold(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    """The first of three tasks on one host gets 429 Retry-After 300: list prints all three within its bound."""
    options, calls = _throttled_list(tmp_path, monkeypatch, httpx_mock)
    capsys.readouterr()
    assert _bounded(["list", *options]) == [1], "list waited for the throttled host"
    out, err = capsys.readouterr()
    assert len(calls) == 1  # the host is held after the first answer: no more requests
    lines = [line for line in out.splitlines() if line.startswith("check")]
    assert len(lines) == 3 and all("throttled until" in line for line in lines), out
    assert "throttled by the gateway until" in err


def test_watch_says_which_tasks_wait_for_a_throttled_host(capsys, tmp_path, monkeypatch, httpx_mock: HTTPXMock):
    options, calls = _throttled_list(tmp_path, monkeypatch, httpx_mock)
    capsys.readouterr()
    assert _bounded(["watch", "check:aaa", "check:bbb", "--timeout", "2", *options]) == [4]
    out, _ = capsys.readouterr()
    for name in ("aaa", "bbb"):
        assert any(f"  {name}  " in line and "throttled until" in line for line in out.splitlines()), out
