"""IAM password tokens: one POST /v3/auth/tokens shared by all waiting requests, renewed before expiry."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import httpx

from tui.clock import Clock
from tui.cloud.deadline import within
from tui.errors import AuthError
from tui.model import ErrorKind

from .base import Credentials, Prompt, check_header_value, format_expiry, iam_error_detail, iam_unreachable

log = logging.getLogger("hcwatch.auth")

REFRESH_AHEAD = 300.0  # renew 5 minutes before expires_at, as the notes advise
# 401s from requests sent with the old token arrive in a burst; a token this young is the fresh one already.
REFRESH_COALESCE = 10.0


def _parse_time(value: Any) -> float | None:
    """IAM's "2020-01-04T09:05:22.701000Z" as epoch seconds; None if it is not a time."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class PasswordAuth(Credentials):
    """A project-scoped IAM token from user + account (domain) + password, kept in memory only."""

    kind = "password"

    def __init__(
        self,
        client: httpx.AsyncClient,
        iam_endpoint: str,
        user: str,
        domain: str,
        password: str | None = None,
        project_name: str | None = None,
        project_id: str | None = None,
        clock: Clock | None = None,
        *,
        prompt: Prompt | None = None,
        source: str = "HCWATCH_PASSWORD",
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.deadline = deadline  # seconds one token request may take in all (tui.cloud.deadline)
        if not (project_name or project_id):
            raise AuthError(f"password auth for {user}@{domain} needs a region or a project_id to scope the token")
        self.client = client
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.user = user
        self.domain = domain
        self.project_name = project_name
        self.project_id = project_id
        self.clock = clock or Clock()
        self.source = source if password else "prompt"
        self._password = password or None
        self._prompt = prompt
        self._prompted = False
        self._token: str | None = None
        self._old_tokens: collections.deque[str] = collections.deque(maxlen=4)  # may still sit in earlier output
        self._expires_at: float | None = None  # local wall clock
        self._renew_at = 0.0
        self._acquired_mono = 0.0
        self._failure: AuthError | None = None  # a refusal: never asked again (IAM locks users too)
        self._lock = asyncio.Lock()

    @property
    def who(self) -> str:
        return f"{self.user}@{self.domain}"

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.iam_endpoint).netloc or self.iam_endpoint

    @property
    def expires_at(self) -> datetime | None:
        return None if self._expires_at is None else datetime.fromtimestamp(self._expires_at, UTC)

    def _fresh(self) -> bool:
        return self._token is not None and self.clock.time() < self._renew_at

    async def apply(self, request: httpx.Request) -> None:
        request.headers["X-Auth-Token"] = await self.token()

    async def token(self) -> str:
        """A valid token: the cached one, or one new IAM call shared by every concurrent caller."""
        if not self._fresh():
            async with self._lock:
                if not self._fresh():  # another caller may have renewed it while we waited
                    await self._acquire()
        assert self._token is not None
        return self._token

    async def refresh(self) -> bool:
        """A new token after a 401; a burst of refreshes (one per rejected request) shares one IAM call."""
        async with self._lock:
            if self._token is None or self.clock.monotonic() - self._acquired_mono >= REFRESH_COALESCE:
                await self._acquire()
        return True

    async def project_id_for_region(self) -> str | None:
        if self.project_id is None:
            await self.token()  # the token answer names its project
        return self.project_id

    async def _password_value(self) -> str:
        if self._password is None:
            if self._prompt is None or self._prompted:
                raise AuthError(f"no password for IAM user {self.who}: set HCWATCH_PASSWORD")
            self._prompted = True  # asked at most once, even if the answer is wrong or empty
            answer = await self._prompt(f"IAM password for {self.who}")
            if not answer:
                self._failure = AuthError(f"no password entered for IAM user {self.who}")
                raise self._failure
            self._password = answer
        return self._password

    def _body(self, password: str) -> bytes:
        scope = {"id": self.project_id} if self.project_id else {"name": self.project_name}
        user = {"name": self.user, "password": password, "domain": {"name": self.domain}}
        auth = {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": {"project": scope}}
        return json.dumps({"auth": auth}).encode()

    async def _acquire(self) -> None:
        if self._failure is not None:
            raise self._failure
        password = await self._password_value()
        self.check_refusals()  # a password IAM refused before (in any run) is not sent again
        body = self._body(password)
        log.debug("requesting an IAM token for %s from %s", self.who, self.host)
        try:
            async with within(self.deadline):
                response = await self.client.post(
                    f"{self.iam_endpoint}/v3/auth/tokens",
                    params={"nocatalog": "true"},
                    content=body,
                    headers={"Content-Type": "application/json;charset=utf8"},
                    auth=None,  # type: ignore[arg-type]  # None: no credentials at all (not the client's default)
                )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise iam_unreachable(self.host, exc) from None
        self._accept(response)

    def _accept(self, response: httpx.Response) -> None:
        status = response.status_code
        detail = iam_error_detail(response, self.secrets())
        said = f": {detail}" if detail else ""
        if status == 401:
            self._failure = AuthError(
                f"IAM refused user {self.who}: wrong password or unknown user (HTTP 401{said})", http_status=401
            )
        elif status == 403:
            self._failure = AuthError(
                f"IAM refused user {self.who}: account locked or access forbidden (HTTP 403{said})", http_status=403
            )
        elif status in (400, 404):
            scope = f"project id {self.project_id}" if self.project_id else f"project {self.project_name}"
            self._failure = AuthError(
                f"IAM at {self.host} rejected the token request for {self.who} in {scope} (HTTP {status}{said})",
                ErrorKind.CONFIG,
                http_status=status,
            )
        if self._failure is not None:
            if status in (401, 403):
                self.remember_refusal(f"IAM answered HTTP {status}")
            raise self._failure
        if status == 429 or status >= 500:
            raise AuthError(
                f"IAM at {self.host} is busy or failing (HTTP {status}{said})", ErrorKind.SERVER, http_status=status
            )
        self._take_token(response)

    def _take_token(self, response: httpx.Response) -> None:
        garbage = AuthError(
            f"IAM at {self.host} answered HTTP {response.status_code} without a usable token",
            ErrorKind.BAD_RESPONSE,
            http_status=response.status_code,
        )
        if not 200 <= response.status_code < 300:
            raise garbage
        try:
            token = check_header_value(response.headers.get("X-Subject-Token", ""), "IAM token")
            data = json.loads(response.content)["token"]
        except (AuthError, ValueError, KeyError, TypeError):
            raise garbage from None
        expires = _parse_time(data.get("expires_at")) if isinstance(data, dict) else None
        if expires is None:
            raise garbage
        now = self.clock.time()
        issued = _parse_time(data.get("issued_at"))
        # Trust IAM's lifetime rather than its clock: a skewed local clock must not expire tokens early or late.
        lifetime = expires - issued if issued is not None and issued < expires else expires - now
        if lifetime <= 0:
            raise garbage
        project = data.get("project")
        if isinstance(project, dict) and isinstance(project.get("id"), str) and self.project_id is None:
            self.project_id = project["id"]
        if self._token:
            self._old_tokens.append(self._token)
        self._token = token
        self._expires_at = now + lifetime
        # Short-lived tokens (tests, the simulator) renew at half-life instead of never being fresh.
        self._renew_at = self._expires_at - min(REFRESH_AHEAD, lifetime / 2)
        self._acquired_mono = self.clock.monotonic()
        log.debug("IAM token for %s valid until %s", self.who,
                  format_expiry(datetime.fromtimestamp(self._expires_at, UTC)))

    lockout = " (IAM locks a user after repeated failures)"

    def material(self) -> tuple[str, ...] | None:
        if self._password is None:
            return None
        return ("password", self.iam_endpoint, self.domain, self.user, self._password)

    def refusal_name(self) -> str:
        return f"the password of IAM user {self.who}"

    def describe(self) -> str:
        if self._token is None or self.expires_at is None:
            state = "not yet requested"
        else:
            state = f"expires {format_expiry(self.expires_at)}"
        return f"IAM password token for user {self.who} ({state})"

    def rejection_hint(self) -> str:
        return f"a fresh IAM token for {self.who} was rejected too: check the user's permissions for this project"

    def secrets(self) -> list[str]:
        return [s for s in (self._password, self._token, *self._old_tokens) if s]
