"""Which credentials a profile uses: its `auth` setting, or the first found in a documented order."""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tui.clock import Clock
from tui.errors import AuthError

from .aksk import AkSkAuth
from .base import Credentials, Prompt, TokenAuth
from .password import PasswordAuth

ENV_TOKEN = "HCWATCH_AUTH_TOKEN"
ENV_PASSWORD = "HCWATCH_PASSWORD"
ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
ENV_CREDENTIALS_FILE = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"

METHODS = ("token", "password", "aksk")

NOTHING_FOUND = (
    f"no credentials found: set {ENV_TOKEN}, or {ENV_AK} and {ENV_SK} (or write them to ~/.huaweicloud/credentials), "
    f'or set user and domain in the profile with auth = "password" and {ENV_PASSWORD}'
)


@dataclass
class KeyPair:
    """AK/SK (+ optional security token and project id) and where they came from."""

    ak: str
    sk: str
    security_token: str | None
    project_id: str | None
    source: str

    def __repr__(self) -> str:  # the dataclass default would print the SK
        return f"KeyPair(source={self.source!r})"


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value and value.strip() else None


def credentials_file(env: Mapping[str, str]) -> tuple[Path, str]:
    """The SDK credentials file path and how to name it to the user (~ for the home directory)."""
    named = _get(env, ENV_CREDENTIALS_FILE)
    home = Path(env.get("HOME") or Path.home())
    path = Path(named).expanduser() if named else home / ".huaweicloud" / "credentials"
    try:
        shown = "~/" + path.relative_to(home).as_posix()
    except ValueError:
        shown = str(path)
    return path, shown


def read_credentials_file(env: Mapping[str, str], warnings: list[str]) -> KeyPair | None:
    """The [basic] ak/sk of the SDK credentials file; None if absent or incomplete. Warns if others can read it."""
    path, shown = credentials_file(env)
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)  # an SK may hold '%'
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=shown)
    except OSError as exc:
        raise AuthError(f"{shown}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    except (configparser.Error, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        # Never echo the parser's message: it quotes the offending line, which may hold the SK.
        raise AuthError(f"{shown}{f':{line}' if line else ''}: not a valid credentials (INI) file") from None
    if not parser.has_section("basic"):
        return None
    basic = parser["basic"]
    ak, sk = (basic.get("ak") or "").strip(), (basic.get("sk") or "").strip()
    if not (ak and sk):
        return None
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        mode = stat.S_IMODE(path.stat().st_mode)
        warnings.append(f"{shown} can be read by other users (mode {mode:o}): run chmod 600 {shown}")
    return KeyPair(
        ak,
        sk,
        (basic.get("security_token") or "").strip() or None,
        (basic.get("project_id") or "").strip() or None,
        shown,
    )


def _env_keypair(env: Mapping[str, str]) -> KeyPair | None:
    ak, sk = _get(env, ENV_AK), _get(env, ENV_SK)
    if ak and not sk:
        raise AuthError(f"{ENV_AK} is set but {ENV_SK} is not")
    if sk and not ak:
        raise AuthError(f"{ENV_SK} is set but {ENV_AK} is not")
    if not ak or not sk:
        return None
    return KeyPair(ak, sk, _get(env, ENV_SECURITY_TOKEN), _get(env, ENV_PROJECT_ID), f"{ENV_AK}/{ENV_SK}")


def credentials_for(
    profile: Any,
    *,
    client: httpx.AsyncClient,
    iam_endpoint: str,
    env: Mapping[str, str] = os.environ,
    clock: Clock | None = None,
    prompt: Prompt | None = None,
    deadline: float | None = None,
) -> Credentials:
    """The profile's credentials, by `profile.auth` or, when unset, the first found (see module docs).

    Order with no `auth`: HCWATCH_AUTH_TOKEN; HUAWEICLOUD_SDK_AK + _SK; the [basic] section of
    ~/.huaweicloud/credentials; password auth when the profile has user and domain. Nothing → AuthError.
    Warnings (a credentials file others can read) are on the result's `.warnings`.
    """
    method = getattr(profile, "auth", None) or None
    name = getattr(profile, "name", "default")
    if method is not None and method not in METHODS:
        raise AuthError(f'profile {name!r}: auth = {method!r} is not one of "token", "password", "aksk"')
    warnings: list[str] = []
    creds: Credentials | None = None
    if method in (None, "token") and _get(env, ENV_TOKEN):
        creds = TokenAuth(_get(env, ENV_TOKEN) or "", source=ENV_TOKEN)
    elif method == "token":
        raise AuthError(f'profile {name!r} uses auth = "token" but {ENV_TOKEN} is not set')
    if creds is None and method in (None, "aksk"):
        pair = _env_keypair(env) or read_credentials_file(env, warnings)
        if pair is not None:
            creds = AkSkAuth(
                pair.ak,
                pair.sk,
                pair.security_token,
                getattr(profile, "project_id", None) or pair.project_id,
                region=getattr(profile, "region", None) or "cn-north-4",
                iam_endpoint=iam_endpoint,
                client=client,
                clock=clock,
                source=pair.source,
                deadline=deadline,
            )
        elif method == "aksk":
            raise AuthError(
                f'profile {name!r} uses auth = "aksk" but {ENV_AK}/{ENV_SK} are not set '
                f"and {credentials_file(env)[1]} has no [basic] ak and sk"
            )
    if creds is None and method in (None, "password"):
        creds = _password(profile, name, method, client, iam_endpoint, env, clock, prompt, deadline)
    if creds is None:
        raise AuthError(NOTHING_FOUND)
    creds.warnings.extend(warnings)
    return creds


def _password(
    profile: Any,
    name: str,
    method: str | None,
    client: httpx.AsyncClient,
    iam_endpoint: str,
    env: Mapping[str, str],
    clock: Clock | None,
    prompt: Prompt | None,
    deadline: float | None = None,
) -> PasswordAuth | None:
    user, domain = getattr(profile, "user", None), getattr(profile, "domain", None)
    if not (user and domain):
        if method is None:
            return None
        missing = " and ".join(f"{k} = ..." for k, v in (("user", user), ("domain", domain)) if not v)
        raise AuthError(f'profile {name!r} uses auth = "password" but has no {missing} (the IAM user and account name)')
    password = env.get(ENV_PASSWORD) or None  # not stripped: spaces may be part of a password
    if password is None and prompt is None:
        raise AuthError(f"no password for IAM user {user}@{domain}: set {ENV_PASSWORD}")
    project_id = getattr(profile, "project_id", None)
    return PasswordAuth(
        client,
        iam_endpoint,
        user,
        domain,
        password,
        project_name=None if project_id else (getattr(profile, "region", None) or "cn-north-4"),
        project_id=project_id,
        clock=clock,
        prompt=prompt,
        deadline=deadline,
    )
