"""Masking credentials in text from the network: whole secrets, their encodings, and long parts of them.

A gateway that quotes the request back may echo a token whole, cut short ("token MIIEhQ…" with the first
40 characters), or URL-encoded. The rule: every secret is replaced wherever it occurs whole (also
JSON-escaped and URL-encoded); a secret of at least MIN_SECRET characters is also masked wherever any run
of MIN_PART or more of its consecutive characters occurs. Random keys and tokens share an 8-character run
with ordinary text by chance about once in 10^11 tries, so nothing a user needs is masked by accident.

The Cloud applies one mask to everything a fetch brings back (errors, messages, fields) before the poller
sees it, so the screen, state.jsonl, `--json`, `watch` and logs all get masked text.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from tui.model import Snapshot, TaskError

REDACTED = "***"
MIN_SECRET = 16  # a secret this long is masked in part too
MIN_PART = 8  # the shortest run of such a secret's characters that is masked


def _forms(secret: str) -> set[str]:
    """The secret as sent and as it may come back: JSON-escaped, URL-encoded (both ways)."""
    return {secret, json.dumps(secret)[1:-1], urllib.parse.quote(secret, safe=""),
            urllib.parse.quote_plus(secret, safe="")}


class SecretMask:
    """A callable that masks a fixed set of secrets in any text (build once per set of secrets, reuse)."""

    __slots__ = ("_whole", "_parts", "secrets")

    def __init__(self, secrets: Iterable[str | None]) -> None:
        self.secrets = tuple(s for s in dict.fromkeys(secrets) if s)
        forms: set[str] = set()
        for secret in self.secrets:
            forms |= _forms(secret)
        # Longest first, so a secret that contains another is removed whole.
        self._whole = sorted((f for f in forms if f), key=len, reverse=True)
        self._parts = {
            form[i:i + MIN_PART] for form in forms if len(form) >= MIN_SECRET for i in range(len(form) - MIN_PART + 1)
        }

    def __bool__(self) -> bool:
        return bool(self.secrets)

    def __call__(self, text: str) -> str:
        """`text` with every secret, and every long run of a long secret's characters, replaced by ***."""
        if not text or not self.secrets:
            return text
        for form in self._whole:
            if len(form) <= len(text) and form in text:
                text = text.replace(form, REDACTED)
        parts = self._parts
        if not parts or len(text) < MIN_PART:
            return text
        hits = [i for i in range(len(text) - MIN_PART + 1) if text[i:i + MIN_PART] in parts]
        if not hits:
            return text
        out: list[str] = []
        start = end = 0  # the run being masked: [start, end)
        pos = 0
        for i in hits:
            if i > end:  # a new run; close the one before
                if end > start:
                    out.append(text[pos:start])
                    out.append(REDACTED)
                    pos = end
                start = i
            end = max(end, i + MIN_PART)
        out.append(text[pos:start])
        out.append(REDACTED)
        out.append(text[end:])
        return "".join(out)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret masked (see SecretMask; build one SecretMask to mask many texts)."""
    return SecretMask(secrets)(text)


def mask_error(mask: SecretMask, err: TaskError) -> TaskError:
    """The error with its server-supplied texts (message, code, request id) masked."""
    if not mask:
        return err
    message, code, request_id = mask(err.message), _opt(mask, err.code), _opt(mask, err.request_id)
    if (message, code, request_id) == (err.message, err.code, err.request_id):
        return err
    return replace(err, message=message, code=code, request_id=request_id)


def mask_snapshot(mask: SecretMask, snap: Snapshot) -> Snapshot:
    """The snapshot with every text that came from the answer masked (message, raw status, fields, error)."""
    if not mask:
        return snap
    changed: dict[str, Any] = {}
    fields: dict[str, Any] | None = None
    for key, value in snap.fields.items():
        # mask() hands back the very same string when there is nothing to mask: no copy per poll.
        if isinstance(value, str) and len(value) >= MIN_PART and (masked := mask(value)) is not value:
            fields = dict(snap.fields) if fields is None else fields
            fields[key] = masked
    if fields is not None:
        changed["fields"] = fields
    if (message := mask(snap.message)) is not snap.message:
        changed["message"] = message
    if (raw := _opt(mask, snap.raw_status)) is not snap.raw_status:
        changed["raw_status"] = raw
    if snap.error is not None and (err := mask_error(mask, snap.error)) is not snap.error:
        changed["error"] = err
    if snap.outcome is not None and (out := mask_outcome(mask, snap.outcome)) is not snap.outcome:
        changed["outcome"] = out
    return replace(snap, **changed) if changed else snap


_OUTCOME_TEXTS = ("trigger", "branch", "commit", "step", "error", "code")


def mask_outcome(mask: SecretMask, outcome: Any) -> Any:
    """A tui.outcome.Outcome with its texts (error, step, log lines, …) masked; the same object when clean."""
    changed: dict[str, Any] = {}
    for name in _OUTCOME_TEXTS:
        value = getattr(outcome, name)
        if value is not None and (masked := mask(value)) is not value:
            changed[name] = masked
    lines = tuple(mask(line) for line in outcome.log_lines)
    if any(a is not b for a, b in zip(lines, outcome.log_lines, strict=True)):
        changed["log_lines"] = lines
    return replace(outcome, **changed) if changed else outcome


def _opt(mask: SecretMask, text: str | None) -> str | None:
    return None if text is None else mask(text)
