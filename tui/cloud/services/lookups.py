"""Extra requests beyond the status call (outcomes, history, logs): paid from the rate limit, remembered per run.

Rules: each extra request takes a token from the poller's per-host rate limit; what a finished run
answered is kept (OutcomeCache.memo) so it is asked once per run, never per poll; an API the gateway
does not publish in a region (404 `APIGW.0101`/`APIG.0101`) is marked unavailable for that profile and
endpoint and never asked again (until the credentials change); a 403 (e.g. a deleted history) is kept as
"nothing to show" for that run; any other failure waits RETRY_AFTER before the same lookup is tried again.
A lookup never raises: the status the poll fetched is shown whatever happens here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.errors import ApiError
from tui.model import ErrorKind, Phase
from tui.poll.rate_limit import current_scope, pay_for_extra_request

GetJson = Callable[[str], Awaitable[dict[str, Any]]]

# Each memory holds at most this many entries (the oldest used goes first).
CACHE_SIZE = 4096
RETRY_AFTER = timedelta(minutes=5)
# Gateway codes for "this API is not published here" (seen live as APIGW.0101; the older gateway says APIG.0101).
UNAVAILABLE_CODES = ("APIGW.0101", "APIG.0101")
_MISSING = object()


class OutcomeCache:
    """What the lookups remember, for one cloud client (tui.cloud.fetcher.Cloud owns one).

    Keyed by profile too: what one profile's credentials may read is never shown to another (nor a
    refusal of one held against another). The profile comes from the poller's request scope.
    `outcomes`/`skip_until` are Build's last-outcome lookup (tui.cloud.services.build); `memo` holds
    any lookup's answer for one run; `unavailable` the (profile, endpoint, api) the gateway refused.
    """

    __slots__ = ("outcomes", "skip_until", "memo", "retry_at", "unavailable", "latest")

    def __init__(self) -> None:
        self.outcomes: OrderedDict[tuple[str | None, str, str, str], tuple[Phase, dict[str, Any]]] = OrderedDict()
        self.skip_until: OrderedDict[tuple[str | None, str, str], datetime] = OrderedDict()
        self.memo: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.retry_at: OrderedDict[tuple[Any, ...], datetime] = OrderedDict()
        self.unavailable: set[tuple[str | None, str, str]] = set()
        # A job's builds are numbered: only its latest build's answers are ever asked for again, so an older
        # build's are dropped when a newer one is remembered (else 4,096 old builds' runs stayed in memory).
        self.latest: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def clear(self) -> None:
        """Forget everything (credentials changed: what was refused may be allowed now)."""
        self.outcomes.clear()
        self.skip_until.clear()
        self.memo.clear()
        self.retry_at.clear()
        self.unavailable.clear()
        self.latest.clear()

    def forget_run(self, *key: Any) -> None:
        """Drop what one run's lookups remembered (a new run began)."""
        self.memo.pop(key, None)
        self.retry_at.pop(key, None)

    def supersede(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """key names the newest run of the job key[:-1]: the older run's key (now to be forgotten), or None."""
        slot = key[:-1]
        older = self.latest.pop(slot, None)
        self.latest[slot] = key
        while len(self.latest) > CACHE_SIZE:
            del self.latest[next(iter(self.latest))]  # the job least recently heard of
        return None if older == key else older


def _bounded(store: OrderedDict, key: Any, value: Any) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > CACHE_SIZE:
        store.popitem(last=False)


@dataclass
class Lookup:
    """One poll's means of asking more: the JSON getter, the time, whose request it is, and the memory."""

    get_json: GetJson
    now: datetime
    endpoint: str
    cache: OutcomeCache
    profile: str | None = None

    @classmethod
    def here(cls, get_json: GetJson, now: datetime, endpoint: str, cache: OutcomeCache) -> Lookup:
        scope = current_scope()
        return cls(get_json, now, endpoint, cache, scope.profile if scope is not None else None)

    def available(self, api: str) -> bool:
        return (self.profile, self.endpoint, api) not in self.cache.unavailable

    async def ask(self, api: str, path: str) -> dict[str, Any] | None:
        """GET path (one extra request, paid for) as a JSON object; None on any failure, recorded per the rules."""
        if not self.available(api):
            return None
        try:
            await pay_for_extra_request()
            return await self.get_json(path)
        except ApiError as exc:
            err = exc.error
            if err.http_status == 404 and (err.code or "").upper() in UNAVAILABLE_CODES:
                self.cache.unavailable.add((self.profile, self.endpoint, api))
            elif err.kind is ErrorKind.AUTH and err.http_status == 403:
                raise Refused(err.message) from None
            return None

    async def once(self, key: tuple[Any, ...], compute: Callable[[], Awaitable[Any]], *, numbered: bool = False) -> Any:
        """compute() for one run, remembered under key; after a failed attempt (None) not again for RETRY_AFTER.

        numbered: key's last item is a run number that only goes up (a build's); asking for a new one
        forgets what the job's previous run remembered.
        """
        full = (self.profile, self.endpoint, *key)
        if numbered and (older := self.cache.supersede(full)) is not None:
            self.cache.forget_run(*older)
        memo = self.cache.memo
        hit = memo.get(full, _MISSING)
        if hit is not _MISSING:
            memo.move_to_end(full)
            return hit
        until = self.cache.retry_at.get(full)
        if until is not None and self.now < until:
            return None
        try:
            value = await compute()
        except Refused:
            value = False  # refused for good (403): remembered as "nothing to show"
        if value is None:
            _bounded(self.cache.retry_at, full, self.now + RETRY_AFTER)
            return None
        self.cache.retry_at.pop(full, None)
        _bounded(memo, full, value)
        return value

    def forget(self, *key: Any) -> None:
        self.cache.forget_run(self.profile, self.endpoint, *key)


class Refused(Exception):
    """A lookup answered 403: this run's extra data may not be read (a deleted history, missing rights)."""


def result_of(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The `result` object of a /v1 or /v3 Build answer when it says success; None when it is unclear."""
    if data is None:
        return None
    status = data.get("status")
    if isinstance(status, str) and status.strip().lower() != "success":
        return None
    result = data.get("result")
    return result if isinstance(result, dict) else None
