"""Credentials the cloud rejected, remembered across runs so no hcwatch process sends them again.

Huawei locks an AK after five failed authentications in a row (IAM locks users too). One failure per
process is not enough protection: six `hcwatch list` runs from cron would lock it. So a rejected
credential is remembered in the state folder (`rejected-credentials.json`) as a fingerprint only:
PBKDF2-HMAC-SHA256 of the secret material with a random per-install salt, never the secret itself, and
slow enough that the file is no shortcut to guessing a password. Credentials whose fingerprint is there
are refused before anything is sent, until they change (a new fingerprint) or the user asks
(`--retry-auth`, or "retry authentication" in the TUI's palette), which forgets the entry.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.store.atomic import atomic_write, locked

log = logging.getLogger("hcwatch.auth")

FILE = "rejected-credentials.json"
ITERATIONS = 50_000
RETRY_HINT = "run with --retry-auth (in the TUI: ctrl+p, retry authentication)"


@dataclass(frozen=True)
class Refusal:
    """One remembered rejection: what was refused (no secret), why, and when."""

    what: str
    why: str
    at: datetime

    @property
    def when(self) -> str:
        """The time of the rejection as the refusal line shows it (UTC)."""
        return self.at.strftime("%Y-%m-%d %H:%M UTC")


class Refusals:
    """The refusal memory of one state folder (None: kept in this process only); `forget`: start by clearing it."""

    def __init__(self, folder: Path | None, *, forget: bool = False) -> None:
        self.path = folder / FILE if folder is not None else None
        self._memory: dict[str, Any] = {"version": 1, "salt": None, "rejected": {}}
        self._fingerprints: dict[tuple[str, tuple[str, ...]], str] = {}  # (salt, material) → fingerprint
        if forget:
            self.clear()

    # ----- the file ----------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        if self.path is None:
            return self._memory
        try:
            data = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {"version": 1, "salt": None, "rejected": {}}
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            # A cache of refusals: unreadable means nothing is refused (each credential may fail once more).
            log.debug("%s not read: %s", self.path, exc)
            return {"version": 1, "salt": None, "rejected": {}}
        if not isinstance(data, dict) or not isinstance(data.get("rejected"), dict):
            return {"version": 1, "salt": None, "rejected": {}}
        return data

    def _save(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._memory = data
            return
        try:
            atomic_write(self.path, (json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode())
        except OSError as exc:  # a folder that cannot be written: this process still stops on its own
            log.debug("%s not written: %s", self.path, exc)

    def _update(self, change: Any) -> None:
        """Read, change and write the file under its lock (several hcwatch processes may share it)."""
        if self.path is None:
            change(self._memory)
            return
        try:
            with locked(self.path):
                data = self._load()
                change(data)
                self._save(data)
        except OSError as exc:
            log.debug("%s not updated: %s", self.path, exc)

    # ----- fingerprints ------------------------------------------------------------------------

    def _fingerprint(self, salt: str, material: Iterable[str]) -> str:
        parts = tuple(material)
        key = (salt, parts)
        fp = self._fingerprints.get(key)
        if fp is None:
            secret = "\0".join(parts).encode("utf-8", "surrogatepass")
            fp = self._fingerprints[key] = hashlib.pbkdf2_hmac("sha256", secret, bytes.fromhex(salt), ITERATIONS).hex()
        return fp

    def seen(self, material: Iterable[str]) -> Refusal | None:
        """The remembered rejection of these credentials, if any (reads the file; nothing is written)."""
        data = self._load()
        salt, rejected = data.get("salt"), data.get("rejected") or {}
        if not isinstance(salt, str) or not rejected:
            return None
        try:
            entry = rejected.get(self._fingerprint(salt, material))
        except ValueError:  # a salt that is not hex: a damaged file
            return None
        if not isinstance(entry, dict):
            return None
        try:
            at = datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            at = datetime.now(UTC)
        return Refusal(str(entry.get("what") or "credentials"), str(entry.get("why") or "rejected"), at)

    def add(self, material: Iterable[str], what: str, why: str, at: datetime) -> None:
        """Remember that these credentials were rejected (kept as the first time, if already known)."""
        parts = tuple(material)

        def change(data: dict[str, Any]) -> None:
            if not isinstance(data.get("salt"), str):
                data["salt"] = secrets.token_hex(16)
            fp = self._fingerprint(data["salt"], parts)
            data.setdefault("rejected", {}).setdefault(fp, {"what": what, "why": why, "at": at.isoformat()})

        self._update(change)

    def forget(self, material: Iterable[str]) -> None:
        """The user asks to try these credentials again."""
        parts = tuple(material)

        def change(data: dict[str, Any]) -> None:
            if isinstance(data.get("salt"), str):
                data.get("rejected", {}).pop(self._fingerprint(data["salt"], parts), None)

        self._update(change)

    def clear(self) -> None:
        """Forget every remembered rejection (--retry-auth); the salt stays."""
        if self.path is not None and not self.path.exists():
            return
        self._update(lambda data: data.__setitem__("rejected", {}))


def refused_line(refusal: Refusal, what: str, lockout: str) -> str:
    """The one line a refused credential shows: what, when and why it was rejected, and how to retry."""
    return (f"{what} was rejected on {refusal.when} ({refusal.why}); hcwatch does not send it again{lockout}: "
            f"fix it, or {RETRY_HINT}")

