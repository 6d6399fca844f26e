"""Where one profile's credentials come from: the documented defaults, or the sources the profile names.

A profile may name `token_env`, `ak_env`, `sk_env`, `password_env` (environment variables),
`credentials_file` and `credentials_section` (an SDK-style INI file). A profile that names any of
them uses only what it names, so a second account never falls back to the first one's variables.
`describe()` says where the credentials come from without reading a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.config.settings import SOURCE_KEYS

ENV_TOKEN = "HCWATCH_AUTH_TOKEN"
ENV_PASSWORD = "HCWATCH_PASSWORD"
ENV_AK = "HUAWEICLOUD_SDK_AK"
ENV_SK = "HUAWEICLOUD_SDK_SK"
ENV_SECURITY_TOKEN = "HUAWEICLOUD_SDK_SECURITY_TOKEN"
ENV_PROJECT_ID = "HUAWEICLOUD_SDK_PROJECT_ID"
ENV_CREDENTIALS_FILE = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"



@dataclass(frozen=True)
class Sources:
    """The variables and file one profile's credentials are read from; `named`: what the profile chose itself."""

    token_env: str | None = ENV_TOKEN
    ak_env: str | None = ENV_AK
    sk_env: str | None = ENV_SK
    security_token_env: str | None = ENV_SECURITY_TOKEN
    project_env: str | None = ENV_PROJECT_ID
    password_env: str | None = ENV_PASSWORD
    credentials_file: str | None = None  # None: HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials
    section: str = "basic"
    use_file: bool = True
    named: tuple[str, ...] = ()

    @property
    def custom(self) -> bool:
        return bool(self.named)


DEFAULT = Sources()


def sources_for(profile: Any) -> Sources:
    """The profile's sources: the defaults, or exactly the ones it names (see the module docstring)."""
    chosen = {k: getattr(profile, k, None) for k in SOURCE_KEYS}
    named = tuple(k for k, v in chosen.items() if v)
    if not named:
        return DEFAULT
    use_file = bool(chosen["credentials_file"] or chosen["credentials_section"])
    return Sources(
        token_env=chosen["token_env"],
        ak_env=chosen["ak_env"],
        sk_env=chosen["sk_env"],
        security_token_env=None,
        project_env=None,
        password_env=chosen["password_env"],
        credentials_file=chosen["credentials_file"],
        section=chosen["credentials_section"] or "basic",
        use_file=use_file,
        named=named,
    )


def credentials_path(sources: Sources, env: Mapping[str, str]) -> tuple[Path, str]:
    """The credentials file these sources read and how to name it to the user (~ for the home folder)."""
    named = sources.credentials_file or (env.get(ENV_CREDENTIALS_FILE) or "").strip() or None
    home = Path(env.get("HOME") or Path.home())
    path = Path(named).expanduser() if named else home / ".huaweicloud" / "credentials"
    if named and not path.is_absolute():
        path = home / path  # a relative path in config.toml means the same wherever hcwatch starts
    try:
        shown = "~/" + path.relative_to(home).as_posix()
    except ValueError:
        shown = str(path)
    return path, shown


def describe(profile: Any, env: Mapping[str, str]) -> str:
    """Where this profile's credentials would come from, in words, never reading a secret's value."""
    s = sources_for(profile)
    method = getattr(profile, "auth", None)

    def has(name: str | None) -> bool:
        return bool(name and (env.get(name) or "").strip())

    path, shown = credentials_path(s, env)
    options = []
    if method in (None, "token") and s.token_env:
        options.append((has(s.token_env), f"token from ${s.token_env}"))
    if method in (None, "aksk"):
        if s.ak_env and s.sk_env:
            options.append((has(s.ak_env) and has(s.sk_env), f"AK/SK from ${s.ak_env}/${s.sk_env}"))
        if s.use_file:
            options.append((path.is_file(), f"AK/SK from {shown} [{s.section}]"))
    user, domain = getattr(profile, "user", None), getattr(profile, "domain", None)
    if method in (None, "password") and user and domain:
        where = f"${s.password_env}" if s.password_env else "a prompt"
        options.append((has(s.password_env) or method == "password", f"IAM password of {user}@{domain} from {where}"))
    found = next((text for ok, text in options if ok), None)
    if found:
        return found
    wanted = " or ".join(text for _, text in options) or "nothing"
    return f"none found (looked for {wanted})"
