"""The [notify] table and the [[hook]] entries of config.toml: their declaration and their validation.

The loader in tui.config.settings hands each table to `read_notify` / `read_hooks` with its
reader, so every problem is reported as `config.toml:LINE: what is wrong`, like the rest.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from tui.config.toml_reader import shown
from tui.errors import ConfigError
from tui.model import Phase

__all__ = ["DEFAULT_ON", "DESKTOP_KINDS", "HOOK_TIMEOUT_MAX", "Hook", "NotifySettings", "QuietHours",
           "read_hooks", "read_notify"]

DESKTOP_KINDS = ("auto", "osc777", "osc9", "osc99", "off")
DEFAULT_ON = (Phase.FAILED, Phase.SUCCEEDED, Phase.STOPPED)
HOOK_TIMEOUT_DEFAULT = 10.0
HOOK_TIMEOUT_MAX = 3600.0
_FLAGS = ("flash", "marker", "title", "bell", "toast", "progress")
KNOWN_NOTIFY = (*_FLAGS, "desktop", "on", "quiet")
KNOWN_HOOK = ("command", "on", "timeout")
_QUIET_RE = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True)
class QuietHours:
    """A daily span of local time ("22:00-07:00", it may cross midnight) when only failures notify."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """`HH:MM-HH:MM`; a ValueError says what is wrong."""
        m = _QUIET_RE.fullmatch(text)
        if not m:
            raise ValueError(f'quiet must be a span of local time like "22:00-07:00", not {text!r}')
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"quiet {text!r}: hours go from 00 to 23 and minutes from 00 to 59")
        if (h1, m1) == (h2, m2):
            raise ValueError(f"quiet {text!r} starts and ends at the same time")
        return cls(time(h1, m1), time(h2, m2))

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, local: datetime) -> bool:
        """Whether a local time falls in the quiet span (start included, end excluded)."""
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end

    def end_after(self, local: datetime) -> datetime:
        """When the quiet span that holds `local` ends (same time zone as `local`)."""
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + timedelta(days=1)


@dataclass
class NotifySettings:
    """Which ways of telling the user about a change are on, and which changes count."""

    flash: bool = True
    marker: bool = True
    title: bool = True
    bell: bool = True
    toast: bool = True
    desktop: str = "auto"
    on: tuple[Phase, ...] = DEFAULT_ON
    quiet: QuietHours | None = None
    progress: bool = False


@dataclass(frozen=True)
class Hook:
    """One [[hook]]: an argv run (no shell) with the change as one JSON object on stdin."""

    command: tuple[str, ...]
    on: tuple[Phase, ...] | None = None     # None: the [notify] `on` list
    timeout: float = HOOK_TIMEOUT_DEFAULT
    line: int | None = None                 # where it is defined, for messages

    def runs_on(self, phase: Phase, default: tuple[Phase, ...]) -> bool:
        return phase in (self.on if self.on is not None else default)

    @property
    def label(self) -> str:
        """The command as a user would type it, shortened, for messages and the log."""
        text = " ".join(self.command)
        return text if len(text) <= 60 else text[:59] + "…"


class Reader(Protocol):
    """What the config loader's reader offers these functions (tui.config.settings builds it)."""

    def error(self, keypath: tuple[Any, ...], message: str) -> ConfigError: ...

    def warn_unknown(self, keypath: tuple[Any, ...], known: tuple[str, ...]) -> None: ...

    def where(self, keypath: tuple[Any, ...]) -> str: ...



def _phases(r: Reader, kp: tuple[Any, ...], value: Any) -> tuple[Phase, ...]:
    names = [p.value for p in Phase]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise r.error(kp, f'{kp[-1]} must be a list of phases like ["failed", "succeeded"], not {shown(value)}')
    out: list[Phase] = []
    for v in value:
        if v not in names:
            raise r.error(kp, f"{kp[-1]}: unknown phase {v!r} (phases: {', '.join(names)})")
        if Phase(v) not in out:
            out.append(Phase(v))
    return tuple(out)


def read_notify(r: Reader, value: Any, settings: NotifySettings) -> None:
    """Apply a [notify] table to `settings`; unknown keys warn, wrong values name their line."""
    kp0 = ("notify",)
    if not isinstance(value, dict):
        raise r.error(kp0, f"notify must be a table ([notify]), not {shown(value)}")
    for key, v in value.items():
        kp = kp0 + (key,)
        if key in _FLAGS:
            if not isinstance(v, bool):
                raise r.error(kp, f"{key} must be true or false, not {shown(v)}")
            setattr(settings, key, v)
        elif key == "desktop":
            if v is False:
                v = "off"
            if v not in DESKTOP_KINDS:
                raise r.error(kp, f"desktop must be one of {', '.join(DESKTOP_KINDS)}, not {shown(v)}")
            settings.desktop = v
        elif key == "on":
            settings.on = _phases(r, kp, v)
        elif key == "quiet":
            if v is False or v == "":
                settings.quiet = None
                continue
            if not isinstance(v, str):
                raise r.error(kp, f'quiet must be a span of local time like "22:00-07:00", not {shown(v)}')
            try:
                settings.quiet = QuietHours.parse(v)
            except ValueError as exc:
                raise r.error(kp, str(exc)) from None
        else:
            r.warn_unknown(kp, KNOWN_NOTIFY)


def _line(r: Reader, kp: tuple[Any, ...]) -> int | None:
    where = r.where(kp)
    tail = where.rpartition(":")[2]
    return int(tail) if tail.isdigit() else None


def read_hooks(r: Reader, value: Any, warnings: list[str]) -> list[Hook]:
    """The [[hook]] entries, validated: a non-empty argv, known phases, a sane timeout."""
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise r.error(("hook",), "hook entries must be [[hook]] tables")
    hooks = []
    for i, entry in enumerate(value):
        here: tuple[Any, ...] = ("hook", i)
        if "command" not in entry:
            raise r.error(here, f'hook {i + 1} has no command (like command = ["notify-send", "hcwatch"])')
        command = entry["command"]
        if isinstance(command, str):
            raise r.error(here + ("command",), f"hook {i + 1}: command must be a list of words (no shell), "
                          f'like ["notify-send", "hcwatch"], not the text {shown(command)}')
        if (not isinstance(command, list) or not command
                or not all(isinstance(w, str) for w in command) or not command[0].strip()):
            raise r.error(here + ("command",), f"hook {i + 1}: command must be a non-empty list of words, "
                          f"not {shown(command)}")
        on = _phases(r, here + ("on",), entry["on"]) if "on" in entry else None
        timeout = entry.get("timeout", HOOK_TIMEOUT_DEFAULT)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout):
            raise r.error(here + ("timeout",), f"hook {i + 1}: timeout must be a number of seconds, not "
                          f"{shown(timeout)}")
        if not 0 < timeout <= HOOK_TIMEOUT_MAX:
            raise r.error(here + ("timeout",), f"hook {i + 1}: timeout must be more than 0 and at most "
                          f"{HOOK_TIMEOUT_MAX:g} seconds, not {timeout:g}")
        for key in entry:
            if key not in KNOWN_HOOK:
                close = difflib.get_close_matches(key, KNOWN_HOOK, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                warnings.append(f"{r.where(here + (key,))}: unknown setting {key!r} in [[hook]] {i + 1} ignored{hint}")
        hooks.append(Hook(tuple(command), on, float(timeout), _line(r, here)))
    return hooks
