"""config.toml → validated Settings; every error names the file and line, and unknown keys only warn."""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config.endpoints import REGIONS, validate_region, validate_url
from tui.config.notify_config import Hook, NotifySettings, read_hooks, read_notify
from tui.config.toml_reader import key_lines, line_of, parse, shown, syntax_error
from tui.errors import ConfigError, EndpointError, RefError, UserError
from tui.model import ID_RE, validate_id

__all__ = ["POLL_BOUNDS", "ConfigError", "Hook", "NotifySettings", "PollSettings", "Profile", "Settings", "load_config"]

DEFAULT_REGION = "cn-north-4"
AUTH_METHODS = ("token", "password", "aksk")
ENDPOINT_KINDS = ("check", "build", "dws", "iam")
INTERVAL_FLOOR = 2.0
# Upper bounds: past these a value is a typo, and it would overflow a deque (history) or a
# datetime (a next-poll time a million years away) far from the file that caused it.
SECONDS_MAX = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Bounds:
    """The range config.toml accepts for one poll setting; the poller clamps to the same range."""

    floor: float
    ceiling: float
    unit: str


# The one declaration of the poll settings' ranges: the loader refuses values outside them
# (naming file and line), PollSettings clamps to them (for settings made in code).
POLL_BOUNDS = {
    "interval": Bounds(INTERVAL_FLOOR, SECONDS_MAX, "seconds"),
    "finished_interval": Bounds(INTERVAL_FLOOR, SECONDS_MAX, "seconds"),
    "backoff_cap": Bounds(INTERVAL_FLOOR, SECONDS_MAX, "seconds"),
    "max_in_flight": Bounds(1, 1000, "requests"),
    "rate": Bounds(0.0, math.inf, "requests per second"),  # per host; 0 or inf in code: no cap
    "history": Bounds(1, 100_000, "changes"),
    # All of one request (connect, send, the whole answer): a server that trickles bytes is cut off.
    "request_timeout": Bounds(1.0, 600.0, "seconds"),
}

# Keys that would hold a secret, and where the secret belongs instead.
_SECRETS = {
    "password": "HCWATCH_PASSWORD (or answer the prompt)",
    "token": "HCWATCH_AUTH_TOKEN",
    "auth_token": "HCWATCH_AUTH_TOKEN",
    "sk": "HUAWEICLOUD_SDK_SK",
    "secret_key": "HUAWEICLOUD_SDK_SK",
    "secret_access_key": "HUAWEICLOUD_SDK_SK",
    "ak": "HUAWEICLOUD_SDK_AK",
    "access_key": "HUAWEICLOUD_SDK_AK",
    "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN",
}


@dataclass
class Profile:
    """One account/region to poll with; credentials come from the environment, never from here."""

    name: str
    region: str = DEFAULT_REGION
    project_id: str | None = None
    auth: str | None = None
    user: str | None = None
    domain: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    # Where this profile's credentials come from, when not the documented defaults (names, never secrets).
    token_env: str | None = None
    ak_env: str | None = None
    sk_env: str | None = None
    password_env: str | None = None
    credentials_file: str | None = None
    credentials_section: str | None = None


@dataclass
class PollSettings:
    """How often and how hard to poll: config.toml's top-level numbers, and the poller's knobs.

    Values outside POLL_BOUNDS are clamped here (the config loader has refused them already,
    with file and line); a rate of 0, a negative one or infinity means no rate cap.
    """

    interval: float = 10.0
    finished_interval: float = 60.0
    backoff_cap: float = 300.0
    max_in_flight: int = 8
    rate: float = 20.0
    history: int = 200
    request_timeout: float = 30.0

    def __post_init__(self) -> None:
        for name, bounds in POLL_BOUNDS.items():
            value = getattr(self, name)
            whole = isinstance(getattr(PollSettings, name), int)
            value = int(value) if whole else float(value)
            if name == "rate":
                value = value if 0 < value < math.inf else math.inf
            setattr(self, name, min(max(bounds.floor, value), bounds.ceiling))

    @classmethod
    def from_settings(cls, settings: Any) -> PollSettings:
        """The poll settings of a Settings (or any object with some of these attributes)."""
        names = [f.name for f in dataclasses.fields(PollSettings)]
        return cls(**{n: getattr(settings, n) for n in names if hasattr(settings, n)})


@dataclass
class Settings(PollSettings):
    """Everything config.toml can set, with defaults for what it leaves out."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    notify: NotifySettings = field(default_factory=NotifySettings)
    hooks: list[Hook] = field(default_factory=list)
    keymap: dict[str, str] = field(default_factory=dict)
    keymap_where: dict[str, str] = field(default_factory=dict)  # binding id -> "config.toml:LINE"
    links: dict[str, str] = field(default_factory=dict)  # [links]: URL templates, placeholder values (tui.links)
    warnings: list[str] = field(default_factory=list)
    path: Path | None = None

    def profile(self, name: str) -> Profile:
        """The named profile, or a ConfigError listing the ones there are."""
        try:
            return self.profiles[name]
        except KeyError:
            where = self.path or "the config"
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(f"no profile {name!r} in {where} (profiles: {known})") from None


def named_profile(settings: Settings, name: str, demo: bool = False) -> Profile:
    """A task's or command's profile by name, or the UserError a user sees (the runtime's and the Cloud's)."""
    try:
        return settings.profiles[name]
    except KeyError:
        have = ", ".join(repr(p) for p in settings.profiles)
        if demo and settings.path is None:  # the demo reads no config file unless --config names one
            raise UserError(f"no profile {name!r} in the demo: it has {have}; --config FILE adds your own "
                            "profiles") from None
        raise UserError(f"no profile {name!r} in {settings.path or 'config.toml'} (have: {have})") from None



def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Reader:
    """Validates the parsed document, turning problems into file:line messages."""

    def __init__(self, path: Path, text: str, settings: Settings) -> None:
        self.path, self.text, self.settings = path, text, settings
        self._index: dict[tuple[Any, ...], int] | None = None

    def where(self, keypath: tuple[str, ...]) -> str:
        if self._index is None:
            self._index = key_lines(self.text)
        line = line_of(self.text, keypath, self._index)
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, keypath: tuple[str, ...], message: str) -> ConfigError:
        return ConfigError(f"{self.where(keypath)}: {message}")

    def warn_unknown(self, keypath: tuple[str, ...], known: tuple[str, ...], meant: str | None = None) -> None:
        """Warn of an unknown key (with the line), suggesting `meant` or the closest known key."""
        key = keypath[-1]
        close = [meant] if meant else [repr(k) for k in difflib.get_close_matches(key, known, n=1)]
        hint = f" (did you mean {close[0]}?)" if close else ""
        scope = f" in [{'.'.join(keypath[:-1])}]" if len(keypath) > 1 else ""
        self.settings.warnings.append(f"{self.where(keypath)}: unknown setting {key!r}{scope} ignored{hint}")

    def table(self, keypath: tuple[str, ...], value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            name = ".".join(keypath)
            raise self.error(keypath, f"{name} must be a table ([{name}]), not {shown(value)}")
        return value

    def seconds(self, keypath: tuple[str, ...], value: Any) -> float:
        name = keypath[-1]
        bounds = POLL_BOUNDS[name]
        if not _is_number(value):
            raise self.error(keypath, f"{name} must be a number of seconds, not {shown(value)}")
        if value < bounds.floor:
            raise self.error(keypath, f"{name} must be at least {bounds.floor:g} seconds, not {value:g}")
        if value > bounds.ceiling:
            week = " (a week)" if bounds.ceiling == SECONDS_MAX else ""
            raise self.error(keypath, f"{name} must be at most {bounds.ceiling:g} seconds{week}, not {value:g}")
        return float(value)

    def count(self, keypath: tuple[str, ...], value: Any, what: str) -> int:
        name = keypath[-1]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(keypath, f"{name} must be a whole number of {what}, not {shown(value)}")
        bounds = POLL_BOUNDS[name]
        if value < bounds.floor:
            raise self.error(keypath, f"{name} must be at least {bounds.floor:g}, not {value}")
        if value > bounds.ceiling:
            raise self.error(keypath, f"{name} must be at most {bounds.ceiling:g}, not {value}")
        return value

    def text_value(self, keypath: tuple[str, ...], value: Any, what: str = "text in quotes") -> str:
        if not isinstance(value, str):
            raise self.error(keypath, f"{keypath[-1]} must be {what}, not {shown(value)}")
        return value

    def check_secrets(self, value: Any, keypath: tuple[str, ...] = ()) -> None:
        """Refuse any key that would hold a credential, wherever it is, without echoing its value."""
        if not isinstance(value, dict):
            return
        for key, sub in value.items():
            here = keypath + (key,)
            env = _SECRETS.get(key.lower())
            if env:
                raise self.error(
                    here,
                    f"{'.'.join(here)}: secrets do not belong in the config file; "
                    f"set {env} in the environment instead",
                )
            if here != ("keymap",):  # binding ids are not settings
                self.check_secrets(sub, here)


_KNOWN_TOP = (*POLL_BOUNDS, "profiles", "notify", "hook", "keymap", "links")
SOURCE_KEYS = ("token_env", "ak_env", "sk_env", "password_env", "credentials_file", "credentials_section")
_KNOWN_PROFILE = ("region", "project_id", "auth", "user", "domain", "endpoints", *SOURCE_KEYS)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")


def _profile(r: _Reader, name: str, value: Any) -> Profile:
    keypath = ("profiles", name)
    if not ID_RE.fullmatch(name):
        raise r.error(keypath, f"profile name {shown(name)} may only use letters, digits, '_' and '-'")
    data = r.table(keypath, value)
    prof = Profile(name)
    for key, v in data.items():
        kp = keypath + (key,)
        if key == "region":
            prof.region = r.text_value(kp, v, 'a region name in quotes, like "cn-north-4"').strip()
            if not prof.region:
                raise r.error(kp, "region must not be empty")
            try:  # a malformed region is this line's fault; an unknown one only needs endpoints set
                validate_region(prof.region)
            except EndpointError as exc:
                raise r.error(kp, str(exc)) from None
        elif key == "project_id":
            try:
                prof.project_id = validate_id(r.text_value(kp, v), "project_id")
            except RefError as exc:
                raise r.error(kp, str(exc)) from None
        elif key == "auth":
            if v not in AUTH_METHODS:
                raise r.error(kp, f"auth must be one of {', '.join(AUTH_METHODS)}, not {shown(v)}")
            prof.auth = v
        elif key in ("user", "domain"):
            setattr(prof, key, r.text_value(kp, v))
        elif key in SOURCE_KEYS:
            setattr(prof, key, _source(r, kp, v))
        elif key == "endpoints":
            for kind, url in r.table(kp, v).items():
                if kind not in ENDPOINT_KINDS:
                    r.warn_unknown(kp + (kind,), ENDPOINT_KINDS)
                    continue
                # Checked here (https, or http on loopback) so a bad one names its line at start.
                prof.endpoints[kind] = r.text_value(kp + (kind,), url, "a URL in quotes").strip()
                try:
                    validate_url(prof.endpoints[kind], kind, name)
                except EndpointError as exc:
                    raise r.error(kp + (kind,), str(exc)) from None
        else:
            r.warn_unknown(kp, _KNOWN_PROFILE)
    if "region" in data and validate_region(prof.region) not in REGIONS and not prof.endpoints:
        # Most likely a typo: found here, once, rather than as a config error on every task's poll.
        # A region of one's own works once its endpoints are set (then a missing one is named at use).
        close = difflib.get_close_matches(validate_region(prof.region), sorted(REGIONS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise r.error(keypath + ("region",), f"unknown region {prof.region!r}{hint}; a region of your own needs "
                                             f"its endpoints set in [profiles.{name}.endpoints]")
    return prof


def _source(r: _Reader, kp: tuple[str, ...], value: Any) -> str:
    """A credential source named by a profile: a variable's name, a file path or an INI section (never echoed:
    someone may have pasted the secret itself)."""
    key = kp[-1]
    text = r.text_value(kp, value).strip()
    if not text:
        raise r.error(kp, f"{key} must not be empty")
    if key.endswith("_env") and not _ENV_NAME.fullmatch(text):
        raise r.error(kp, f"{key} must name an environment variable (letters, digits and '_'), "
                          "not hold a secret: put the secret in that variable")
    if key == "credentials_section" and any(ch in text for ch in "[]\n"):
        raise r.error(kp, "credentials_section is a section name without brackets, like \"team-b\"")
    return text


def _apply(r: _Reader, data: dict[str, Any]) -> None:
    s = r.settings
    r.check_secrets(data)
    for key, value in data.items():
        kp = (key,)
        if key == "rate":
            if not _is_number(value) or value <= 0:
                raise r.error(kp, f"rate must be a positive number of requests per second, not {shown(value)}")
            s.rate = float(value)
        elif key in POLL_BOUNDS:
            unit = POLL_BOUNDS[key].unit
            setattr(s, key, r.seconds(kp, value) if unit == "seconds" else r.count(kp, value, unit))
        elif key == "profiles":
            s.profiles.update({name: _profile(r, name, prof) for name, prof in r.table(kp, value).items()})
        elif key == "notify":
            read_notify(r, r.table(kp, value), s.notify)
        elif key == "hook":
            s.hooks = read_hooks(r, value, s.warnings)
        elif key == "keymap":
            for binding, keys in r.table(kp, value).items():
                keys = r.text_value(kp + (binding,), keys, 'key names in quotes, like "j,down"')
                if not keys.strip():
                    raise r.error(kp + (binding,), f"keymap {binding!r} must name at least one key")
                s.keymap[binding] = keys.strip()
                # The ids and keys are checked against the actions table by the front end (tui.app.keys).
                s.keymap_where[binding] = r.where(kp + (binding,))
        elif key == "links":  # console URL templates (check, build, dws) and placeholder values (tui.links)
            s.links.update({n: r.text_value((key, n), t).strip() for n, t in r.table(kp, value).items()})
        else:
            r.warn_unknown(kp, _KNOWN_TOP, _misplaced_profile(key, value))


def _misplaced_profile(key: str, value: Any) -> str | None:
    """`[profiles.NAME]`, when a top-level table is a profile written outside [profiles]: `[default]`,
    `[team-b]` holding region/project_id/…, or `[profile.default]`."""
    if not isinstance(value, dict):
        return None
    if key == "default" or any(k in _KNOWN_PROFILE for k in value):
        return f"[profiles.{key}]"
    if difflib.get_close_matches(key.lower(), ["profiles"], n=1, cutoff=0.8) and value \
            and all(isinstance(v, dict) for v in value.values()):
        return f"[profiles.{next(iter(value))}]" if len(value) == 1 else "[profiles.NAME]"
    return None


def _read_text(path: Path) -> str | None:
    """The file's text, None if there is no file; unreadable files are a one-line ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    except PermissionError:
        raise ConfigError(f"{path}: cannot read it (permission denied)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text") from None


def load_config(path: Path | str, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate config.toml; a missing file gives the defaults and one `default` profile."""
    path = Path(path)
    env = os.environ if env is None else env
    settings = Settings()
    text = _read_text(path)
    if text is not None:
        settings.path = path
        try:
            data = parse(text)
        except tomllib.TOMLDecodeError as exc:
            line, message = syntax_error(exc, text)
            raise ConfigError(f"{path}:{line}: {message}" if line else f"{path}: {message}") from None
        _apply(_Reader(path, text, settings), data)
    # A `default` profile always exists, so tasks added without --profile can be polled.
    default = settings.profiles.setdefault("default", Profile("default"))
    env_project = env.get("HUAWEICLOUD_SDK_PROJECT_ID", "").strip()
    if default.project_id is None and env_project:
        try:
            default.project_id = validate_id(env_project, "HUAWEICLOUD_SDK_PROJECT_ID")
        except RefError as exc:
            raise ConfigError(f"environment: {exc}") from None
    return settings
