"""The shared HTTP client: its limits and timeouts, no cookie jar, each task's URL parsed once (not per poll)."""

from __future__ import annotations

from http.cookiejar import CookieJar
from typing import Any

import httpx

# A slow link should show as a network error after a while, not hang a poll slot forever.
HTTP_TIMEOUT = httpx.Timeout(15.0, connect=10.0)
URL_CACHE_MAX = 50_000   # URLs kept parsed (one per watched task, a few per Build job); past it, start over


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: the status APIs authenticate every request with a token or a
    signature and set no cookie worth sending back; parsing every answer's headers for cookies
    cost about a tenth of the client's CPU per poll."""

    def extract_cookies(self, response, request) -> None:  # type: ignore[no-untyped-def]
        return None

    def set_cookie(self, cookie) -> None:  # type: ignore[no-untyped-def]
        return None


class _Unkept(httpx.Cookies):
    """The client's cookies: none, and an answer's Set-Cookie is not even looked at (httpx built two
    urllib compatibility objects per answer to hand to the jar, which then kept nothing)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


class StatusClient(httpx.AsyncClient):
    """httpx's AsyncClient without cookies: nothing read from answers, nothing sent."""

    _unkept = _Unkept(NoCookies())

    @property
    def cookies(self) -> httpx.Cookies:
        return self._unkept

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        return None  # nothing is kept


_urls: dict[str, httpx.URL] = {}


def prepared_url(url: str) -> httpx.URL:
    """`url` parsed once: httpx parses a str URL again on every request (a task's URL never changes)."""
    parsed = _urls.get(url)
    if parsed is None:
        if len(_urls) >= URL_CACHE_MAX:
            _urls.clear()
        parsed = _urls[url] = httpx.URL(url)
    return parsed


def make_client(max_in_flight: int, app: Any = None) -> httpx.AsyncClient:
    """The one client every poll shares; `app`: an ASGI app to talk to in process (the demo's simulator)."""
    limits = httpx.Limits(max_connections=max(8, max_in_flight * 4), max_keepalive_connections=32)
    kwargs: dict[str, Any] = {"timeout": HTTP_TIMEOUT, "headers": {"User-Agent": "hcwatch"}, "limits": limits,
                              "cookies": NoCookies()}
    if app is not None:
        return StatusClient(transport=httpx.ASGITransport(app=app), **kwargs)
    return StatusClient(follow_redirects=False, **kwargs)
