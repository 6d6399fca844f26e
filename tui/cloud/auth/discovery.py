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
from .sources import (
    DEFAULT,
    ENV_AK,
    ENV_CREDENTIALS_FILE,
    ENV_PASSWORD,
    ENV_PROJECT_ID,
    ENV_SECURITY_TOKEN,
    ENV_SK,
    ENV_TOKEN,
    Sources,
    credentials_path,
    sources_for,
)

__all__ = ["ENV_AK", "ENV_CREDENTIALS_FILE", "ENV_PASSWORD", "ENV_PROJECT_ID", "ENV_SECURITY_TOKEN", "ENV_SK",
           "ENV_TOKEN", "METHODS", "NOTHING_FOUND", "KeyPair", "credentials_file", "credentials_for",
           "read_credentials_file"]

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


def credentials_file(env: Mapping[str, str], sources: Sources = DEFAULT) -> tuple[Path, str]:
    """The SDK credentials file path and how to name it to the user (~ for the home directory)."""
    return credentials_path(sources, env)


def read_credentials_file(env: Mapping[str, str], warnings: list[str], sources: Sources = DEFAULT) -> KeyPair | None:
    """The [basic] (or the profile's section) ak/sk of the SDK credentials file; None if absent or incomplete.

    Warns if others can read it. A file the profile names itself must exist.
    """
    path, shown = credentials_file(env, sources)
    section = sources.section
    if not path.is_file():
        if sources.credentials_file:
            raise AuthError(f"{shown} (credentials_file of the profile) does not exist")
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
    if not parser.has_section(section):
        if section != "basic":
            raise AuthError(f"{shown} has no [{section}] section (credentials_section of the profile)")
        return None
    basic = parser[section]
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
        shown if section == "basic" else f"{shown} [{section}]",
    )


def _env_keypair(env: Mapping[str, str], s: Sources = DEFAULT) -> KeyPair | None:
    if not (s.ak_env and s.sk_env):
        return None
    ak, sk = _get(env, s.ak_env), _get(env, s.sk_env)
    if ak and not sk:
        raise AuthError(f"{s.ak_env} is set but {s.sk_env} is not")
    if sk and not ak:
        raise AuthError(f"{s.sk_env} is set but {s.ak_env} is not")
    if not ak or not sk:
        return None
    extra = (_get(env, s.security_token_env) if s.security_token_env else None,
             _get(env, s.project_env) if s.project_env else None)
    return KeyPair(ak, sk, *extra, f"{s.ak_env}/{s.sk_env}")


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
    src = sources_for(profile)
    warnings: list[str] = []
    creds: Credentials | None = None
    token = _get(env, src.token_env) if src.token_env else None
    if method in (None, "token") and token:
        creds = TokenAuth(token, source=src.token_env or ENV_TOKEN)
    elif method == "token":
        raise AuthError(f'profile {name!r} uses auth = "token" but {src.token_env or "token_env"} is not set')
    if creds is None and method in (None, "aksk"):
        pair = _env_keypair(env, src) or (read_credentials_file(env, warnings, src) if src.use_file else None)
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
            where = [f"{src.ak_env}/{src.sk_env} are not set"] if src.ak_env and src.sk_env else []
            if src.use_file:
                where.append(f"{credentials_file(env, src)[1]} has no [{src.section}] ak and sk")
            raise AuthError(f'profile {name!r} uses auth = "aksk" but ' + (" and ".join(where) or "names no AK/SK"))
    if creds is None and method in (None, "password") and (src.password_env or method == "password"):
        creds = _password(profile, name, method, client, iam_endpoint, env, clock, prompt, src, deadline)
    if creds is None:
        if src.custom:
            named = ", ".join(f"{k} = {getattr(profile, k)!r}" for k in src.named)
            raise AuthError(f"profile {name!r}: no credentials found in the sources it names ({named})")
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
    src: Sources = DEFAULT,
    deadline: float | None = None,
) -> PasswordAuth | None:
    user, domain = getattr(profile, "user", None), getattr(profile, "domain", None)
    if not (user and domain):
        if method is None:
            return None
        missing = " and ".join(f"{k} = ..." for k, v in (("user", user), ("domain", domain)) if not v)
        raise AuthError(f'profile {name!r} uses auth = "password" but has no {missing} (the IAM user and account name)')
    variable = src.password_env or ENV_PASSWORD
    password = env.get(variable) or None  # not stripped: spaces may be part of a password
    if password is None and prompt is None:
        raise AuthError(f"no password for IAM user {user}@{domain}: set {variable}")
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
        source=variable,
        deadline=deadline,
    )
