"""The words of a notification: "payments-service scan failed", what the service said, and the summaries."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tui.model import Change, Phase, Snapshot, WatchedTask, clean_text

VERB = {
    Phase.FAILED: "failed",
    Phase.SUCCEEDED: "succeeded",
    Phase.STOPPED: "was stopped",
    Phase.RUNNING: "started running",
    Phase.PENDING: "is queued",
    Phase.IDLE: "went idle",
    Phase.UNKNOWN: "is in an unknown state",
}
# The order a glance wants: trouble first.
RANK = {Phase.FAILED: 0, Phase.STOPPED: 1, Phase.SUCCEEDED: 2}


def name_of(key: str, task: WatchedTask | None) -> str:
    return clean_text(task.label if task else key, 60)


def one(key: str, task: WatchedTask | None, snapshot: Snapshot, change: Change) -> tuple[str, str]:
    """(title, body) for one task's change: ("payments-service scan failed", "3 critical defects")."""
    title = f"{name_of(key, task)} {VERB[change.to_phase]}"
    body = clean_text(snapshot.message, 200) if snapshot.message else ""
    if not body:
        service = task.ref.service.product if task else snapshot.ref.service.product
        body = f"{service}: {change.from_phase.value} → {change.to_phase.value}"
    return title, body


def several(items: list[tuple[str, WatchedTask | None, Change]]) -> tuple[str, str]:
    """(title, body) for a burst of changes of several tasks, failures first."""
    ordered = sorted(items, key=lambda it: RANK.get(it[2].to_phase, 3))
    counts = Counter(it[2].to_phase for it in items)
    words = ", ".join(f"{n} {VERB[p]}" for p, n in sorted(counts.items(), key=lambda pn: RANK.get(pn[0], 3)))
    title = f"hcwatch: {len(items)} tasks changed ({words})"
    body = "; ".join(f"{name_of(key, task)} {VERB[ch.to_phase]}" for key, task, ch in ordered)
    return title, body


def quiet_summary(items: list[tuple[str, WatchedTask | None, Change]], span: Any) -> tuple[str, str]:
    """(title, body) sent when quiet hours end, for what they held back."""
    counts = Counter(it[2].to_phase for it in items)
    words = ", ".join(f"{n} {VERB[p]}" for p, n in sorted(counts.items(), key=lambda pn: RANK.get(pn[0], 3)))
    title = f"hcwatch: during quiet hours ({span}): {words}"
    body = "; ".join(f"{name_of(key, task)} {VERB[ch.to_phase]}" for key, task, ch in items)
    return title, body
