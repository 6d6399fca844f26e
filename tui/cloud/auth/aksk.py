"""AK/SK request signing (SDK-HMAC-SHA256, as the official SDK), with the project id looked up once."""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import urllib.parse

import httpx

from tui.clock import Clock
from tui.cloud import signing
from tui.cloud.deadline import within
from tui.errors import AuthError
from tui.model import ErrorKind

from .base import Credentials, check_header_value, iam_error_detail, iam_unreachable, mask_key

log = logging.getLogger("hcwatch.auth")

SKEW_LIMIT = 15 * 60  # the gateway refuses an X-Sdk-Date further than this from its own clock

# Left out of the signature: transport headers that proxies may add, drop or rewrite on the way.
_UNSIGNED = frozenset(
    {"authorization", "connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
     "transfer-encoding", "upgrade", "content-length", "accept-encoding"}
)


class AkSkAuth(Credentials):
    """Signs every request with an access key / secret key; a 401 is final (no retry: AK lock-out)."""

    kind = "aksk"
    requires_request_body = True  # the body's SHA-256 is part of the signature

    def __init__(
        self,
        ak: str,
        sk: str,
        security_token: str | None = None,
        project_id: str | None = None,
        *,
        region: str,
        iam_endpoint: str,
        client: httpx.AsyncClient,
        clock: Clock | None = None,
        source: str = "HUAWEICLOUD_SDK_AK/HUAWEICLOUD_SDK_SK",
        deadline: float | None = None,
    ) -> None:
        super().__init__()
        self.deadline = deadline  # seconds the project lookup may take in all (tui.cloud.deadline)
        self._ak = check_header_value(ak, "the access key (AK)")
        self._sk = check_header_value(sk, "the secret key (SK)")
        self._security_token = check_header_value(security_token, "the security token") if security_token else None
        self.project_id = project_id or None
        self.region = region
        self.iam_endpoint = iam_endpoint.rstrip("/")
        self.client = client
        self.clock = clock or Clock()
        self.source = source
        self.clock_skew: float | None = None  # our clock minus the gateway's, seen on the last 401
        self._failure: AuthError | None = None  # a refused lookup is never repeated (5 failures lock the AK)
        self._lock = asyncio.Lock()

    @property
    def masked_ak(self) -> str:
        return mask_key(self._ak)

    def sign(self, request: httpx.Request, project_id: str | None) -> None:
        """Add X-Sdk-Date, Host, Content-Type, X-Project-Id, X-Security-Token, then Authorization."""
        headers = request.headers
        headers.pop("Authorization", None)
        headers["X-Sdk-Date"] = self.clock.now().strftime("%Y%m%dT%H%M%SZ")
        headers["Host"] = request.url.netloc.decode("ascii")  # httpx leaves out default ports, as the SDK does
        if "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        if project_id:
            headers["X-Project-Id"] = project_id
        if self._security_token:
            headers["X-Security-Token"] = self._security_token
        signed = {k: v for k, v in headers.items() if k.lower() not in _UNSIGNED}
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        query = request.url.params.multi_items()
        body = request.content
        headers["Authorization"] = signing.authorization(self._ak, self._sk, request.method, path, query, signed, body)

    async def apply(self, request: httpx.Request) -> None:
        self.check_refusals()
        self.sign(request, await self.project_id_for_region())

    lockout = " (the gateway locks an AK after 5 failures in a row)"

    def material(self) -> tuple[str, ...] | None:
        return ("aksk", self._ak, self._sk, self._security_token or "")

    def refusal_name(self) -> str:
        return f"AK {self.masked_ak} ({self.source})"

    async def project_id_for_region(self) -> str | None:
        """The profile's project id, or the region's from IAM (one signed lookup, cached, shared)."""
        if self.project_id:
            return self.project_id
        async with self._lock:
            if not self.project_id:  # a concurrent first request may have found it meanwhile
                self.project_id = await self._lookup()
        return self.project_id

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.iam_endpoint).netloc or self.iam_endpoint

    async def _lookup(self) -> str:
        if self._failure is not None:
            raise self._failure
        self.check_refusals()
        request = self.client.build_request("GET", f"{self.iam_endpoint}/v3/projects", params={"name": self.region})
        self.sign(request, None)
        log.debug("looking up the project id of region %s at %s", self.region, self.host)
        try:
            async with within(self.deadline):
                response = await self.client.send(request, auth=None)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise iam_unreachable(self.host, exc) from None
        status = response.status_code
        detail = iam_error_detail(response, self.secrets())
        said = f": {detail}" if detail else ""
        if status == 401:
            self.clock_skew = self._skew(response)
            why = self._skew_words() or "wrong AK/SK, expired security token, or this machine's clock is off"
            self._failure = AuthError(f"IAM rejected AK {self.masked_ak}: {why} (HTTP 401{said})", http_status=401)
            self.remember_refusal("the IAM project lookup answered HTTP 401")
        elif status == 403:
            self._failure = AuthError(
                f"AK {self.masked_ak} may not list IAM projects (HTTP 403{said}): set project_id in the profile",
                http_status=403,
            )
        if self._failure is not None:
            raise self._failure
        if status == 429 or status >= 500:
            raise AuthError(
                f"IAM at {self.host} is busy or failing (HTTP {status}{said})", ErrorKind.SERVER, http_status=status
            )
        try:
            projects = json.loads(response.content)["projects"] if 200 <= status < 300 else None
            pid = projects[0]["id"] if projects else None
        except (ValueError, KeyError, TypeError, IndexError):
            pid = projects = None
        if projects == []:
            self._failure = AuthError(
                f"IAM knows no project named {self.region} for AK {self.masked_ak}: set project_id in the profile",
                ErrorKind.CONFIG,
            )
            raise self._failure
        if not isinstance(pid, str) or not pid:
            raise AuthError(
                f"IAM at {self.host} answered the project lookup with HTTP {status} and no project id",
                ErrorKind.BAD_RESPONSE,
                http_status=status,
            )
        return pid

    def describe(self) -> str:
        temporary = " (temporary, with security token)" if self._security_token else ""
        return f"AK/SK {self.masked_ak} from {self.source}{temporary}"

    def observe(self, response: httpx.Response) -> None:
        if response.status_code == 401:
            self.clock_skew = self._skew(response)

    def _skew(self, response: httpx.Response) -> float | None:
        try:
            server = email.utils.parsedate_to_datetime(response.headers.get("Date", "")).timestamp()
        except (TypeError, ValueError, IndexError):
            return None
        return self.clock.time() - server

    def _skew_words(self) -> str | None:
        skew = self.clock_skew
        if skew is None or abs(skew) < SKEW_LIMIT:
            return None
        direction = "ahead of" if skew > 0 else "behind"
        return f"this machine's clock is {abs(skew) / 60:.0f} minutes {direction} the gateway's"

    def rejection_hint(self) -> str:
        skew = self._skew_words()
        if skew:
            return (f"AK {self.masked_ak} was rejected: {skew} (signatures more than 15 minutes off are refused): "
                    "fix the clock")
        return (
            f"AK {self.masked_ak} was rejected: check the AK/SK, the security token, and this machine's clock "
            "(signatures more than 15 minutes off are refused); polling stopped to avoid locking the AK"
        )

    def secrets(self) -> list[str]:
        return [s for s in (self._ak, self._sk, self._security_token) if s]
