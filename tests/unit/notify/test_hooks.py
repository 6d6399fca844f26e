"""Hooks: argv without a shell, killed at their timeout with what they started, failures reported once, bounded."""

from __future__ import annotations

import asyncio
import os
import sys

from tui.config.notify_config import Hook
from tui.notify.hooks import HookRunner, run_hook

PY = sys.executable


async def test_a_hook_that_hangs_is_killed_at_its_timeout_with_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    # The hook starts a child that would outlive it, then hangs: both must go.
    code = ("import subprocess, sys, time; "
            f"p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            f"open({str(pidfile)!r}, 'w').write(str(p.pid)); time.sleep(60)")
    result = await run_hook(Hook((PY, "-c", code), timeout=0.5), {"x": 1})
    assert result.timed_out and result.returncode is None
    assert result.describe() == "killed after its 0.5s timeout"
    child = int(pidfile.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the hook's child survived its timeout")


async def test_no_shell_is_involved(tmp_path):
    result = await run_hook(Hook(("echo", "$HOME", ";", "rm", "-rf", "x")), {})
    assert result.ok and result.stdout == "$HOME ; rm -rf x"


async def test_a_hook_that_does_not_read_stdin_is_fine():
    result = await run_hook(Hook(("true",)), {"big": "x" * 200_000})
    assert result.ok


async def test_a_missing_command_is_a_failure_not_an_exception():
    result = await run_hook(Hook(("hcwatch-no-such-hook",)), {})
    assert not result.ok and result.describe() == "could not start: hcwatch-no-such-hook: not found"


async def test_failures_are_reported_once_until_the_hook_works_again(tmp_path):
    reports: list[str] = []
    log = tmp_path / "hooks.log"
    runner = HookRunner(report=reports.append, log_path=log)
    flag = tmp_path / "ok"
    code = f"import os, sys; sys.stderr.write('webhook said 500'); sys.exit(0 if os.path.exists({str(flag)!r}) else 3)"
    hook = Hook((PY, "-c", code), line=12)
    for _ in range(3):
        runner.submit(hook, {})
        await runner.close()
    assert len(reports) == 1
    assert reports[0].startswith("hook ") and "(config line 12) failed: exit 3" in reports[0]
    assert reports[0].endswith(": webhook said 500")
    flag.write_text("")
    runner.submit(hook, {})
    await runner.close()
    flag.unlink()
    runner.submit(hook, {})
    await runner.close()
    assert len(reports) == 2        # failing again after it worked is news again
    text = log.read_text()
    assert text.count("exit 3") == 4 and text.count("exit 0") == 1 and "stderr: webhook said 500" in text


async def test_hooks_run_a_few_at_a_time_and_never_block_the_caller(tmp_path):
    runner = HookRunner(concurrency=2)
    running, seen = tmp_path / "running", tmp_path / "seen"
    running.mkdir()
    # Each run notes how many runs are in progress with it, then lingers a little.
    script = tmp_path / "hook.py"
    script.write_text(
        "import os, sys, time\n"
        "running, seen = sys.argv[1], sys.argv[2]\n"
        "me = os.path.join(running, str(os.getpid()))\n"
        "open(me, 'w').close()\n"
        "open(seen, 'a').write(str(len(os.listdir(running))) + '\\n')\n"
        "time.sleep(0.2)\n"
        "os.remove(me)\n")
    for _ in range(5):
        runner.submit(Hook((PY, str(script), str(running), str(seen))), {})
    assert runner.running == 5 and runner.results == []     # submit only schedules them
    await runner.close()
    counts = [int(n) for n in seen.read_text().split()]
    assert len(counts) == 5 and max(counts) <= 2
    assert [r.ok for r in runner.results] == [True] * 5


async def test_hooks_never_see_the_credentials_in_the_environment(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from tui.notify.setup import hook_environment

    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "tok-secret")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "sk-secret")
    monkeypatch.setenv("PROD_SK", "prod-secret")           # named by a profile's sk_env
    monkeypatch.setenv("HCWATCH_WEBHOOK_URL", "https://chat.example/hook")
    settings = SimpleNamespace(profiles={"prod": SimpleNamespace(sk_env="PROD_SK", token_env=None)})
    runner = HookRunner(env=hook_environment(settings))
    # Only the variables in question: hook output is kept capped, and a whole environment can be longer.
    names = ["HCWATCH_AUTH_TOKEN", "HUAWEICLOUD_SDK_SK", "PROD_SK", "HCWATCH_WEBHOOK_URL"]
    code = f"import json, os; print(json.dumps({{k: os.environ[k] for k in {names!r} if k in os.environ}}))"
    runner.submit(Hook((PY, "-c", code)), {})
    await runner.close()
    import json

    seen = json.loads(runner.results[0].stdout)
    assert "tok-secret" not in seen.values() and "sk-secret" not in seen.values()
    assert "prod-secret" not in seen.values()
    assert seen["HCWATCH_WEBHOOK_URL"] == "https://chat.example/hook"   # the user's own variables stay
