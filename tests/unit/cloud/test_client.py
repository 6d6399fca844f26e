"""The shared HTTP client: no cookies kept or sent, each status URL parsed once."""

from __future__ import annotations

import httpx
from pytest_httpx import HTTPXMock

from tui.cloud.client import make_client, prepared_url


async def test_a_set_cookie_is_neither_kept_nor_sent_back(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url="https://check.example/a", headers={"Set-Cookie": "session=s3cr3t; Path=/"}, json={})
    httpx_mock.add_response(url="https://check.example/b", json={})
    async with make_client(4) as client:
        await client.get("https://check.example/a")
        await client.get("https://check.example/b")
        assert not list(client.cookies.jar)
    second = httpx_mock.get_requests()[1]
    assert "cookie" not in second.headers


def test_a_status_url_is_parsed_once() -> None:
    url = "https://check.example/v2/tasks/abc/progress"
    assert prepared_url(url) is prepared_url(url)
    assert prepared_url(url) == httpx.URL(url)
