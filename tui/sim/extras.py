"""Simulated answers beyond the status calls: Build records, failure analysis and logs; Check defects, log detail.

Everything is derived from a task's script (deterministic per build number or cycle), so the demo and the
tests see varied but stable data. Script states may set `_step`/`_error` (a failed build's analysis),
`_trigger`, `_branch`, `_defects` (`{"critical": 1, ...}`), `_gate`, `_why` (a failed check's reason),
`_history: "deleted"` (records answer 403) and `_log: "broken"` (the log calls answer 500).
"""

from __future__ import annotations

import math
from typing import Any

from tui.sim.script import ScriptedTask

_BUSY = {"error_code": "CB.00060100", "error_msg": "Network busy. Try again later."}
_DELETED = {"error_code": "CB.00031004", "error_msg": "The build history has been deleted or you have no permission."}
_SEVERITY_BASE = {"critical": 0, "major": 4, "minor": 11, "suggestion": 23}
LOG_STEPS = ("checkout", "install dependencies", "compile", "unit tests", "package", "upload artifacts")


def _wrapped(result: Any) -> dict[str, Any]:
    return {"result": result, "error": None, "status": "success"}


def _wobble(seed: int, spread: float = 0.15) -> float:
    """A stable factor in [1-spread, 1+spread] for one build number or cycle."""
    return 1.0 + spread * math.sin(seed * 2.399)


def builds(task: ScriptedTask, now: float) -> list[dict[str, Any]]:
    """Every build of the job up to `now`, newest first: number, start, end (None while running), result."""
    out: dict[int, dict[str, Any]] = {}
    loop = task.loop or 0.0
    cycles = int(max(0.0, now - task.added) // loop) if loop else 0
    for cycle in range(max(0, cycles - 3), cycles + 1):
        base = task.added + cycle * loop
        for t, state in task.script:
            at = base + t
            if at > now or state.get("last_build_no") is None:
                continue
            number = int(task.build_number(state, cycle) or 0)
            entry = out.setdefault(number, {"number": number, "start": None, "end": None, "result": None,
                                            "state": state})
            if state.get("result") is True:
                entry["start"] = at
            elif entry["end"] is None:
                entry["end"] = at
                entry["result"] = state.get("build_result") or "SUCCESS"
                entry["state"] = state
    known = sorted(out)
    # The script's first build length: older builds are about as long, whatever the time now.
    spans = [task.script[i + 1][0] - t for i, (t, s) in enumerate(task.script[:-1]) if s.get("result") is True]
    typical = float(spans[0]) if spans else 240.0
    # Older builds than the script remembers: passed, a typical duration apart.
    first = known[0] if known else 0
    start = (out[first]["start"] or now) if known else now
    for number in range(first - 1, max(0, first - 8), -1):
        took = typical * _wobble(number)
        start -= took + 3600
        out[number] = {"number": number, "start": start, "end": start + took, "result": "SUCCESS", "state": {}}
    for number, entry in out.items():
        if entry["start"] is None and entry["end"] is not None:  # finished before the script began
            entry["start"] = entry["end"] - typical * _wobble(number)
    return [out[n] for n in sorted(out, reverse=True) if out[n]["start"] is not None]


def records(task: ScriptedTask, now: float) -> tuple[int, Any]:
    state = task.state_at(now)
    if state.get("_history") == "deleted":
        return 403, _DELETED
    items = []
    for b in builds(task, now)[:20]:
        st = b["state"]
        running = b["end"] is None
        items.append({
            "number": b["number"],
            "start_time": int(b["start"] * 1000),
            "build_time": int(b["start"] * 1000),
            "cost_time": None if running else int((b["end"] - b["start"]) * 1000),
            "state": "RUNNING" if running else b["result"],
            "executor": st.get("_executor", "ci-bot"),
            "trigger_type": st.get("_trigger", "Timer" if b["number"] % 3 else "Git push"),
            "code_branch": st.get("_branch", "main"),
            "commit_id": f"{(b['number'] * 2654435761) % (1 << 32):08x}{b['number'] * 7919 % 65536:04x}",
        })
    return 200, _wrapped({"total": len(items), "job_build_states": items})


def analysis(task: ScriptedTask, build_no: str, now: float) -> tuple[int, Any]:
    found = next((b for b in builds(task, now) if str(b["number"]) == build_no), None)
    if found is None:
        return 404, {"error_code": "CB.00060201", "error_msg": "The build record does not exist."}
    st = found["state"]
    if found["result"] != "FAILURE" or "_step" not in st:
        return 200, _wrapped({"error_nodes": []})
    info = {"error_code": "CB.00060500", "error_message": st.get("_error", "step failed"), "faq": ""}
    return 200, _wrapped({"error_nodes": [{"step": st["_step"], "error_info": info}]})


def log_text(task: ScriptedTask, build_no: str, now: float) -> str | None:
    """The whole log of one build (None: no such build)."""
    found = next((b for b in builds(task, now) if str(b["number"]) == build_no), None)
    if found is None:
        return None
    st = found["state"]
    lines = [f"[INFO] build #{build_no} started by {st.get('_executor', 'ci-bot')}"]
    fail_at = st.get("_step") if found["result"] == "FAILURE" else None
    for step in LOG_STEPS:
        lines.append(f"[INFO] ===== step: {step} =====")
        lines.extend(f"[INFO] {step}: line {i + 1} of output" for i in range(40))
        if step == fail_at:
            lines.append(f"[ERROR] {step}: {st.get('_error', 'step failed')}")
            lines.append(f"[ERROR] Build failed in step '{step}'")
            break
        if found["end"] is None and step == "compile":
            break  # still running: the log so far
    else:
        lines.append("[INFO] Build succeeded")
    return "\n".join(lines) + "\n"


def log_tail(task: ScriptedTask, build_no: str, query: dict[str, str], now: float) -> tuple[int, Any]:
    if task.state_at(now).get("_log") == "broken":
        return 500, _BUSY
    text = log_text(task, build_no, now)
    if text is None:
        return 404, {"error_code": "CB.00060201", "error_msg": "The build record does not exist."}
    size = int(query.get("size", "100") or 100)
    return 200, _wrapped({"content": "\n".join(text.splitlines()[-size:]), "has_more_data": False})


def log_part(task: ScriptedTask, build_no: str, query: dict[str, str], now: float) -> tuple[int, Any]:
    if task.state_at(now).get("_log") == "broken":
        return 500, _BUSY
    text = log_text(task, build_no, now)
    if text is None:
        return 404, {"error_code": "CB.00060201", "error_msg": "The build record does not exist."}
    offset, length = int(query.get("offset", "0") or 0), int(query.get("length", "65536") or 65536)
    data = text.encode()
    part = data[offset: offset + length]
    return 200, _wrapped({"content": part.decode(errors="replace"), "offset": offset + len(part),
                          "has_more_data": offset + len(part) < len(data)})


def _cycle(task: ScriptedTask, now: float) -> int:
    return int(max(0.0, now - task.added) // task.loop) if task.loop else 0


def defects(task: ScriptedTask, now: float) -> tuple[int, Any]:
    state = task.state_at(now)
    seed = _cycle(task, now) + len(task.ref.task_id)
    given = state.get("_defects") or {}
    counts = {name: int(given.get(name, round(base * _wobble(seed, 0.4)))) for name, base in _SEVERITY_BASE.items()}
    if state.get("task_status") == 1 and "critical" not in given:
        counts["critical"] = 1 + seed % 3
    gate = state.get("_gate", counts["critical"] == 0)
    return 200, {"issue_count": sum(counts.values()), **{f"{k}_count": v for k, v in counts.items()},
                 "is_access": gate, "last_exec_time": int(now * 1000)}


def log_detail(task: ScriptedTask, now: float) -> tuple[int, Any]:
    state = task.state_at(now)
    why = state.get("_why", "the quality gate failed: critical defects found")
    entries = [
        {"display_name": "fetch code", "log": "cloned repository", "level": "info", "analysis": ""},
        {"display_name": "code check", "log": why, "level": "error", "analysis": why},
    ]
    return 200, {"log_info": entries}
