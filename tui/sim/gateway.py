"""The simulated API gateway and IAM: token and AK/SK checks, AK lock-out, token issuing."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.clock import Clock
from tui.cloud import signing

SKEW_LIMIT = 15 * 60  # seconds X-Sdk-Date may differ from the gateway's clock
LOCK_AFTER = 5  # consecutive failed AK/SK authentications...
LOCK_FOR = 5 * 60  # ...lock the AK for this long

_BAD = "Incorrect IAM authentication information: "


class AuthFailure(Exception):
    """A request the gateway refuses: status and an APIG-style error body."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg = status, code, msg


@dataclass
class AkSk:
    sk: str
    project_id: str | None = None
    security_token: str | None = None
    failures: int = 0
    locked_until: float = 0.0


@dataclass
class Token:
    expires: float
    project_id: str | None
    project_name: str | None
    user: str


@dataclass
class Identity:
    """Who a request authenticated as (for tests that want to look)."""

    method: str  # "token" | "aksk" | "none"
    subject: str  # user name, AK, or "demo"
    project_id: str | None = None


def iso(epoch: float) -> str:
    """IAM's time format: 2020-01-04T09:05:22.701000Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Gateway:
    clock: Clock
    token_lifetime: float
    demo_token: str
    projects: dict[str, str]
    users: dict[tuple[str, str], str] = field(default_factory=dict)  # (domain, user) → password
    tokens: dict[str, Token] = field(default_factory=dict)
    aksks: dict[str, AkSk] = field(default_factory=dict)
    issued: int = 0  # tokens issued so far: lets tests count IAM calls

    # --- request authentication ---------------------------------------------------------------
    def authenticate(self, method: str, path: str, query: bytes, headers: Mapping[str, str], body: bytes) -> Identity:
        """Check a request's credentials like the gateway; raises AuthFailure."""
        auth = headers.get("authorization", "")
        if auth.startswith(signing.ALGORITHM):
            return self._check_aksk(method, path, query, headers, body, auth)
        token = headers.get("x-auth-token")
        if not token:
            raise AuthFailure(401, "APIG.0301", _BAD + "x-auth-token not found")
        if hmac.compare_digest(token, self.demo_token):
            return Identity("token", "demo")
        known = self.tokens.get(token)
        if known is None:
            raise AuthFailure(401, "APIG.0301", _BAD + "decrypt token fail")
        if self.clock.time() >= known.expires:
            raise AuthFailure(401, "APIG.0301", _BAD + f"token expires, expires_at: {iso(known.expires)}")
        return Identity("token", known.user, known.project_id)

    def _check_aksk(self, method, path, query, headers, body, auth) -> Identity:
        parsed = signing.parse_authorization(auth)
        if parsed is None:
            raise AuthFailure(401, "APIG.0301", _BAD + "verify aksk signature fail")
        ak, names, sig = parsed
        entry = self.aksks.get(ak)
        if entry is None:
            raise AuthFailure(401, "APIG.0301", _BAD + "Get secretKey failed,ak:******,err:ak not exist")
        now = self.clock.time()
        if now < entry.locked_until:
            raise AuthFailure(401, "APIG.0301", _BAD + "AK access failed to reach the limit,forbidden.")
        if entry.locked_until:  # the lock has run out: start counting afresh
            entry.locked_until, entry.failures = 0.0, 0
        try:
            self._verify(entry, method, path, query, headers, body, names, sig, now)
        except AuthFailure:
            entry.failures += 1
            if entry.failures >= LOCK_AFTER:
                entry.locked_until = now + LOCK_FOR
            raise
        entry.failures = 0
        return Identity("aksk", ak, headers.get("x-project-id") or entry.project_id)

    def _verify(self, entry, method, path, query, headers, body, names, sig, now) -> None:
        date = headers.get("x-sdk-date", "")
        try:
            when = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        except ValueError:
            raise AuthFailure(401, "APIG.0301", _BAD + "verify aksk signature fail, invalid X-Sdk-Date") from None
        if abs(when - now) > SKEW_LIMIT:
            raise AuthFailure(
                401, "APIG.0301",
                _BAD + "verify aksk signature fail, request time skewed: "
                "X-Sdk-Date is more than 15 minutes from the server time",
            )
        if "x-sdk-date" not in names or any(n not in headers for n in names):
            raise AuthFailure(401, "APIG.0301", _BAD + "verify aksk signature fail")
        if entry.security_token is not None and not hmac.compare_digest(
            headers.get("x-security-token", ""), entry.security_token
        ):
            raise AuthFailure(401, "APIG.0301", _BAD + "verify aksk signature fail")
        signed = {n: headers[n] for n in names}
        pairs = urllib.parse.parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        canonical, _ = signing.canonical_request(method, path, pairs, signed, body)
        expected = signing.signature(entry.sk, signing.string_to_sign(canonical, date))
        if not hmac.compare_digest(expected, sig):
            raise AuthFailure(401, "APIG.0301", _BAD + "verify aksk signature fail")

    # --- IAM ------------------------------------------------------------------------------------
    def issue_token(self, body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        """POST /v3/auth/tokens (password method): (status, headers, JSON body)."""
        try:
            req = json.loads(body)
            ident = req["auth"]["identity"]
            if "password" not in ident.get("methods", []):
                return _iam_error(400, "Bad Request", "The authentication method is not supported.")
            user = ident["password"]["user"]
            name, password = str(user["name"]), str(user["password"])
            domain = str(user.get("domain", {}).get("name", ""))
            scope = req["auth"].get("scope") or {}
        except (ValueError, KeyError, TypeError, AttributeError):
            return _iam_error(400, "Bad Request", "The request body is invalid.")
        known = self.users.get((domain, name))
        if known is None or not hmac.compare_digest(known.encode(), password.encode()):
            return _iam_error(401, "Unauthorized", "The username or password is wrong.")
        project_id = project_name = None
        if isinstance(scope, dict) and isinstance(scope.get("project"), dict):
            want = scope["project"]
            if "id" in want:
                project_id = str(want["id"])
                project_name = next((n for n, i in self.projects.items() if i == project_id), None)
            else:
                project_name = str(want.get("name", ""))
                project_id = self.projects.get(project_name)
            if project_id is None or project_name is None:
                return _iam_error(400, "Bad Request", "The project in the scope does not exist.")
        now = self.clock.time()
        token = "MIIS" + secrets.token_urlsafe(96)  # real tokens are long opaque strings
        self.tokens[token] = Token(now + self.token_lifetime, project_id, project_name, name)
        self.issued += 1
        out: dict[str, Any] = {
            "token": {
                "expires_at": iso(now + self.token_lifetime),
                "issued_at": iso(now),
                "methods": ["password"],
                "user": {
                    "domain": {"id": _fake_id("domain", domain), "name": domain},
                    "id": _fake_id("user", domain + "/" + name),
                    "name": name,
                    "password_expires_at": "",
                },
            }
        }
        if project_id:
            out["token"]["project"] = {
                "domain": {"id": _fake_id("domain", domain), "name": domain},
                "id": project_id,
                "name": project_name,
            }
        return 201, {"X-Subject-Token": token}, out

    def list_projects(self, query: bytes) -> dict[str, Any]:
        """GET /v3/projects?name=REGION."""
        params = dict(urllib.parse.parse_qsl(query.decode("latin-1")))
        name = params.get("name")
        rows = [
            {"id": pid, "name": pname, "enabled": True, "domain_id": _fake_id("domain", "hcwatch")}
            for pname, pid in self.projects.items()
            if name is None or pname == name
        ]
        return {"projects": rows, "links": {"self": "https://iam.myhuaweicloud.com/v3/projects"}}


def _iam_error(status: int, title: str, message: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    return status, {}, {"error": {"code": status, "message": message, "title": title}}


def _fake_id(kind: str, seed: str) -> str:
    """A stable 32-hex id, so the same user always gets the same id."""
    return hashlib.md5(f"{kind}:{seed}".encode()).hexdigest()
