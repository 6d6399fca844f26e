"""The credentials seam: the Credentials base (an httpx.Auth), static tokens, redaction."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from tui.cloud.deadline import TIMEOUT_CODE, RequestDeadline
from tui.errors import AuthError
from tui.model import ErrorKind, plain_text

from .masking import REDACTED, SecretMask, redact
from .refusals import Refusals, refused_line

__all__ = ["REDACTED", "Credentials", "Prompt", "SecretMask", "TokenAuth", "check_header_value", "format_expiry",
           "iam_error_detail", "iam_unreachable", "mask_key", "redact"]

# The TUI passes a masked dialog, the CLI getpass: question in, password out ("" or None = cancelled).
Prompt = Callable[[str], Awaitable["str | None"]]


def mask_key(key: str) -> str:
    """An access key shown as its first and last four characters: AKEX…0000."""
    return f"{key[:4]}…{key[-4:]}" if len(key) >= 12 else "…"


def check_header_value(value: str, what: str) -> str:
    """A secret that will travel in a header: stripped, printable ASCII only (else httpx would echo it)."""
    value = value.strip()
    if not value or any(not (" " <= ch <= "~") for ch in value):
        raise AuthError(f"{what} is empty or holds characters that cannot be sent in an HTTP header")
    return value


def iam_error_detail(response: httpx.Response, secrets: Iterable[str | None] = ()) -> str:
    """What IAM said in an error body ("CODE: message"), cleaned, bounded and redacted; "" if nothing."""
    try:
        body = json.loads(response.content[: 1 << 16])
    except (ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(body, dict):
        return ""
    nested = body.get("error")
    inner: dict[str, Any] = nested if isinstance(nested, dict) else body
    code = inner.get("error_code") or inner.get("errorCode") or inner.get("code") or ""
    if isinstance(code, int) or str(code).isdigit():
        code = ""  # Keystone-style bodies repeat the HTTP status as "code": already said
    msg = inner.get("error_msg") or inner.get("errorMsg") or inner.get("message") or ""
    text = plain_text(f"{code}: {msg}" if code and msg else (msg or code), limit=160)
    return redact(text, secrets)


def iam_unreachable(host: str, exc: Exception) -> AuthError:
    """A transport failure talking to IAM, as a transient (network) AuthError that names the host."""
    if isinstance(exc, RequestDeadline):
        return AuthError(f"IAM at {host} timed out: {exc}", ErrorKind.NETWORK, code=TIMEOUT_CODE)
    return AuthError(f"IAM unreachable at {host} ({type(exc).__name__})", ErrorKind.NETWORK)


def format_expiry(moment: datetime) -> str:
    return moment.strftime("%H:%M UTC")


class Credentials(httpx.Auth):
    """Adds credentials to each request (async only); `refresh()` after a 401; no secret in repr/str."""

    kind = "none"

    def __init__(self) -> None:
        self.warnings: list[str] = []
        # The refusal memory across runs (set by the Cloud; None: none), and the line shown when it refused.
        self.refusals: Refusals | None = None
        self.refused: str | None = None
        self._refusals_checked = False

    # ----- remembered rejections (tui.cloud.auth.refusals) ---------------------------------------

    def material(self) -> tuple[str, ...] | None:
        """What identifies these credentials to the refusal memory (only its fingerprint is kept); None: unknown yet."""
        return None

    def refusal_name(self) -> str:
        """What a refusal line calls these credentials (no secret)."""
        return self.describe()

    lockout = ""  # what repeated failures would do, for the refusal line

    def check_refusals(self) -> None:
        """Before sending: raise AuthError if this install saw these very credentials rejected (any process)."""
        if self._refusals_checked or self.refusals is None:
            return
        material = self.material()
        if material is None:
            return
        seen = self.refusals.seen(material)
        if seen is None:
            self._refusals_checked = True
            return
        self.refused = refused_line(seen, self.refusal_name(), self.lockout)
        raise AuthError(self.refused)

    def remember_refusal(self, why: str) -> None:
        """The cloud rejected these credentials: no hcwatch process sends them again until they change."""
        material = self.material()
        if self.refusals is not None and material is not None:
            self.refusals.add(material, self.refusal_name(), why, datetime.now(UTC))

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self.requires_request_body:
            await request.aread()
        await self.apply(request)
        response = yield request  # no retry here: a 401 goes back to the poller, which decides (AK lock-out)
        self.observe(response)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("hcwatch credentials work with httpx.AsyncClient only")

    async def apply(self, request: httpx.Request) -> None:
        """Put the credentials on the request (headers). Raises AuthError."""
        raise NotImplementedError

    def observe(self, response: httpx.Response) -> None:
        """See the answer to a request these credentials signed (e.g. to explain a 401)."""

    async def refresh(self) -> bool:
        """Force fresh credentials after a 401; False when there is nothing to refresh."""
        return False

    async def project_id_for_region(self) -> str | None:
        """The project id these credentials know or can find for the profile's region, else None."""
        return None

    def describe(self) -> str:
        raise NotImplementedError

    def rejection_hint(self) -> str:
        """One line for the user when the cloud answered 401 even after any refresh."""
        return "credentials rejected"

    def secrets(self) -> list[str]:
        """Every secret value held, for redact() on anything printed."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"

    __str__ = __repr__


class TokenAuth(Credentials):
    """A fixed token sent as X-Auth-Token (HCWATCH_AUTH_TOKEN): nothing to refresh."""

    kind = "token"

    def __init__(self, token: str, source: str = "HCWATCH_AUTH_TOKEN") -> None:
        super().__init__()
        self.source = source
        self._token = check_header_value(token, source)

    async def apply(self, request: httpx.Request) -> None:
        self.check_refusals()
        request.headers["X-Auth-Token"] = self._token

    def material(self) -> tuple[str, ...] | None:
        return ("token", self._token)

    def refusal_name(self) -> str:
        return f"the token from {self.source}"

    def describe(self) -> str:
        return f"token from {self.source}"

    def rejection_hint(self) -> str:
        return f"the token from {self.source} was rejected (expired, revoked, or for another region): set a new one"

    def secrets(self) -> list[str]:
        return [self._token]
