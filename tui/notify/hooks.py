"""Runs [[hook]] commands: argv without a shell, the change as JSON on stdin, a few at a time, killed at their timeout.

A hook never blocks polling or the screen: it runs as an asyncio subprocess beside them.
Its exit status and output go to the log; the first failure of a hook (again after it
worked) is reported once through `report`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.config.notify_config import Hook

CONCURRENCY = 4         # hooks running at once; more wait their turn
QUEUE_LIMIT = 64        # waiting beyond this are dropped (and logged): a stuck hook must not pile up work
OUTPUT_KEPT = 2000      # characters of stdout/stderr kept in the log
LOG_LIMIT = 1_000_000   # bytes; then the log moves to hooks.log.1


@dataclass(frozen=True)
class HookResult:
    """How one run of a hook ended."""

    hook: Hook
    returncode: int | None      # None: it could not start, or was killed at its timeout
    seconds: float
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    error: str = ""             # could not start: "not found", "permission denied"

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        """`exit 0 in 0.1s`, `killed after its 10s timeout`, `could not start: not found`."""
        if self.error:
            return f"could not start: {self.error}"
        if self.timed_out:
            return f"killed after its {self.hook.timeout:g}s timeout"
        if self.returncode is not None and self.returncode < 0:
            return f"ended by signal {-self.returncode} after {self.seconds:.1f}s"
        return f"exit {self.returncode} in {self.seconds:.1f}s"


def _tail(data: bytes | None) -> str:
    text = (data or b"").decode("utf-8", "replace").strip()
    return text if len(text) <= OUTPUT_KEPT else "…" + text[-OUTPUT_KEPT:]


def _kill(proc: asyncio.subprocess.Process) -> None:
    """Kill the hook and whatever it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


async def run_hook(hook: Hook, payload: dict[str, Any], env: dict[str, str] | None = None) -> HookResult:
    """Run one hook with `payload` as one JSON line on stdin; never raises for the hook's own failure.

    `env`: its environment (None: hcwatch's own); the front ends leave the credentials out.
    """
    data = (json.dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *hook.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, start_new_session=True, env=env)
    except FileNotFoundError:
        return HookResult(hook, None, 0.0, error=f"{hook.command[0]}: not found")
    except PermissionError:
        return HookResult(hook, None, 0.0, error=f"{hook.command[0]}: permission denied")
    except OSError as exc:
        return HookResult(hook, None, 0.0, error=f"{hook.command[0]}: {exc.strerror or exc}")
    try:
        out, err = await asyncio.wait_for(proc.communicate(data), hook.timeout)
    except (TimeoutError, asyncio.CancelledError) as exc:
        _kill(proc)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 2.0)
        if isinstance(exc, asyncio.CancelledError):
            raise
        return HookResult(hook, None, time.monotonic() - started, timed_out=True)
    except (BrokenPipeError, ConnectionResetError):  # it did not read its stdin: fine, wait for it
        out, err = b"", b""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), hook.timeout)
    return HookResult(hook, proc.returncode, time.monotonic() - started, _tail(out), _tail(err))


class HookRunner:
    """Runs hooks in the background, CONCURRENCY at a time; logs every run; reports failures once."""

    def __init__(self, *, report: Callable[[str], None] | None = None, log_path: Path | None = None,
                 redact: Callable[[str], str] = str, concurrency: int = CONCURRENCY,
                 env: dict[str, str] | None = None) -> None:
        self.report = report
        self.env = env
        self.log_path = log_path
        self.redact = redact
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[HookResult | None]] = set()
        self._failing: set[Hook] = set()    # hooks whose last run failed (reported already)
        self.results: list[HookResult] = []  # the latest runs (kept short), for `notify test` and tests

    @property
    def running(self) -> int:
        return len(self._tasks)

    def submit(self, hook: Hook, payload: dict[str, Any]) -> asyncio.Task[HookResult | None] | None:
        """Start a hook in the background (None when too many are waiting already)."""
        if len(self._tasks) >= QUEUE_LIMIT:
            self._log(f"{hook.label}: not run, {QUEUE_LIMIT} hooks are waiting already")
            return None
        task = asyncio.get_running_loop().create_task(self._run(hook, payload), name=f"hook {hook.label}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, hook: Hook, payload: dict[str, Any]) -> HookResult | None:
        async with self._slots:
            result = await run_hook(hook, payload, self.env)
        self._done(result)
        return result

    def _done(self, result: HookResult) -> None:
        self.results = [*self.results[-19:], result]
        hook = result.hook
        line = f"{shlex.join(hook.command)}: {result.describe()}"
        extra = "".join(f"\n  {name}: {text}" for name, text in (("stdout", result.stdout),
                                                                  ("stderr", result.stderr)) if text)
        self._log(line + extra)
        if result.ok:
            self._failing.discard(hook)
            return
        if hook in self._failing:
            return      # said once already; the log has every run
        self._failing.add(hook)
        if self.report is not None:
            why = result.stderr.splitlines()[-1] if result.stderr else ""
            where = f" (config line {hook.line})" if hook.line else ""
            self.report(self.redact(f"hook {hook.label}{where} failed: {result.describe()}"
                                    + (f": {why[:120]}" if why else "")))

    def _log(self, text: str) -> None:
        if self.log_path is None:
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                if self.log_path.stat().st_size > LOG_LIMIT:
                    self.log_path.replace(self.log_path.with_name(self.log_path.name + ".1"))
            with open(self.log_path, "a", encoding="utf-8") as fh:
                fh.write(f"{stamp} {self.redact(text)}\n")
        except OSError:
            pass    # a log that cannot be written must not stop notifications

    async def close(self, timeout: float | None = None) -> None:
        """Wait for running hooks (each is killed at its own timeout; `timeout` caps the wait for all)."""
        if not self._tasks:
            return
        pending = set(self._tasks)
        _, late = await asyncio.wait(pending, timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=3)
