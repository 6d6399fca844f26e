"""The shared HTTP client's cheap parts: no cookie jar, and each task's URL parsed once, not per poll."""

from __future__ import annotations

from http.cookiejar import CookieJar

import httpx

URL_CACHE_MAX = 50_000   # URLs kept parsed (one per watched task, a few per Build job); past it, start over


class NoCookies(CookieJar):
    """A cookie jar that keeps nothing: the status APIs authenticate every request with a token or a
    signature and set no cookie worth sending back; parsing every answer's headers for cookies
    cost about a tenth of the client's CPU per poll."""

    def extract_cookies(self, response, request) -> None:  # type: ignore[no-untyped-def]
        return None

    def set_cookie(self, cookie) -> None:  # type: ignore[no-untyped-def]
        return None


_urls: dict[str, httpx.URL] = {}


def prepared_url(url: str) -> httpx.URL:
    """`url` parsed once: httpx parses a str URL again on every request (a task's URL never changes)."""
    parsed = _urls.get(url)
    if parsed is None:
        if len(_urls) >= URL_CACHE_MAX:
            _urls.clear()
        parsed = _urls[url] = httpx.URL(url)
    return parsed
