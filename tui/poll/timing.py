"""Exponential backoff with full jitter, bounded by a cap and never earlier than Retry-After."""

from __future__ import annotations

import random

# Even full jitter should not retry a failing endpoint within the same second.
MIN_DELAY = 1.0
# A Retry-After of days is a broken gateway, not advice: honour it, but only up to a day.
RETRY_AFTER_MAX = 24 * 3600.0


def ceiling(failures: int, base: float, cap: float) -> float:
    """The upper bound of the n-th consecutive failure's wait: base·2^(n−1), at most cap."""
    n = max(1, failures)
    return min(cap, base * (2.0 ** min(n - 1, 40)))


def backoff_delay(
    failures: int,
    base: float,
    cap: float,
    rng: random.Random,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait after the n-th consecutive failure (n ≥ 1).

    Full jitter (uniform in [MIN_DELAY, ceiling]) spreads the retries of many tasks that failed
    together; a server's Retry-After is a floor that the jitter never undercuts.
    """
    top = ceiling(failures, base, cap)
    delay = rng.uniform(min(MIN_DELAY, top), top)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX))
    return delay
