"""A token bucket on an injected time line (at most `rate` requests/s), and paying for a poll's extra requests."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

# Float sums of small advances (0.05 + 0.05 + …) land a hair under a whole token, and the scheduler
# wakes a microsecond early on purpose: count 0.9999 of a token as whole (microseconds early, harmless).
_EPS = 1e-4


def unlimited(rate: float | None) -> bool:
    """A rate of 0, a negative one, None or infinity means "no rate cap" (used by the benchmark)."""
    return rate is None or not (rate > 0) or math.isinf(rate)


class TokenBucket:
    """Tokens refill continuously at `rate`/s up to `burst`; each request takes one.

    Time is passed in (monotonic seconds) rather than read, so a FakeClock drives it in tests.
    burst=1 (the default) keeps requests at least 1/rate apart: no window of one second ever
    holds more than rate+1 of them.
    """

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float | None, burst: float = 1.0) -> None:
        self.rate = None if rate is None or unlimited(rate) else float(rate)
        self.burst = max(1.0, float(burst))
        self.tokens = self.burst
        self.stamp: float | None = None

    def _fill(self, now: float, rate: float) -> None:
        if self.stamp is None:
            self.stamp = now
        elif now > self.stamp:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * rate)
            self.stamp = now

    def delay(self, now: float) -> float:
        """Seconds until a token is available (0.0 when one is available now)."""
        rate = self.rate
        if rate is None:
            return 0.0
        self._fill(now, rate)
        if self.tokens >= 1.0 - _EPS:
            return 0.0
        return (1.0 - self.tokens) / rate

    def take(self, now: float) -> None:
        """Spend one token (call after delay(now) returned 0)."""
        rate = self.rate
        if rate is None:
            return
        self._fill(now, rate)
        self.tokens = max(0.0, self.tokens - 1.0) if self.tokens >= 1.0 - _EPS else self.tokens - 1.0


# ----- follow-up requests -----------------------------------------------------------------------
# One poll may need more than one HTTP request (an idle Build job: status, running-status, build-info).
# The poller takes one token per poll; a fetcher that makes more requests pays for each extra one here.
# The poller's workers set the scope (a context variable, so the fetcher protocol and the layers between
# poller and services stay as they are); outside the poller nothing is set and nothing is charged.


class RequestScope:
    """Whom the current poll is for (profile) and how an extra request is paid (awaits a token)."""

    __slots__ = ("profile", "spend")

    def __init__(self, spend: Callable[[], Awaitable[None]] | None = None, profile: str | None = None) -> None:
        self.spend = spend
        self.profile = profile


_SCOPE: ContextVar[RequestScope | None] = ContextVar("hcwatch_request_scope", default=None)


def enter_scope(scope: RequestScope) -> None:
    """Set the scope for the rest of the current asyncio task (a poller worker)."""
    _SCOPE.set(scope)


def current_scope() -> RequestScope | None:
    return _SCOPE.get()


async def pay_for_extra_request() -> None:
    """Wait for, and take, a rate-limit token for one more request of the current poll (no-op outside)."""
    scope = _SCOPE.get()
    if scope is not None and scope.spend is not None:
        await scope.spend()
