"""A reader that stops reading (`hcwatch list --json | head -1`): real processes, real pipes closed early."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HCWATCH = [sys.executable, "-m", "tui"]
RUNS = 4  # the race this guards against lost 6 runs of 8 before the fix


def _env(tmp_path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HCWATCH_", "HUAWEICLOUD_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local/state"),
               HCWATCH_WATCHLIST=str(tmp_path / "wl.toml"))
    return env


def _closed_early(argv: list[str], env: dict[str, str], read_first: bool) -> tuple[int, str, str]:
    """Run hcwatch with stdout on a pipe whose reader goes away: after one line, or before any."""
    proc = subprocess.Popen(HCWATCH + argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline() if read_first else ""
    proc.stdout.close()     # like `head -1` exiting: every later write meets a closed pipe
    try:
        err = proc.stderr.read()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return code, first, err


@pytest.mark.parametrize("read_first", [True, False])
def test_list_json_into_a_closed_pipe_ends_quietly_with_its_own_status(tmp_path, read_first):
    env = _env(tmp_path)
    for _ in range(RUNS):
        code, first, err = _closed_early(["list", "--demo", "--json"], env, read_first)
        assert (code, err) == (0, ""), err
        assert first.startswith("{") or not read_first


def test_a_closed_pipe_keeps_the_status_a_failed_fetch_gives(tmp_path):
    env = _env(tmp_path)
    cfg = tmp_path / "down.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-north-4"\n[profiles.default.endpoints]\n'
                   'check = "http://127.0.0.1:9"\n')
    env.update(HCWATCH_CONFIG=str(cfg), HCWATCH_AUTH_TOKEN="some-token-value")
    for ref in ("check:abc", "check:def"):
        assert subprocess.run(HCWATCH + ["add", ref], env=env, capture_output=True).returncode == 0
    for _ in range(RUNS):
        code, _, err = _closed_early(["list"], env, read_first=True)
        assert (code, err) == (1, ""), err  # 1: a fetch failed, as without the pipe


def test_watch_stops_following_when_its_reader_is_gone(tmp_path):
    # The pending demo task would be followed until the 30 s timeout; a closed pipe ends it at
    # its next line, quietly, with the status a timeout at that moment gives (4).
    env = _env(tmp_path)
    listed = subprocess.run(HCWATCH + ["list", "--demo", "--json"], env=env, capture_output=True, text=True)
    import json

    running = [json.loads(line)["ref"] for line in listed.stdout.splitlines()
               if json.loads(line)["phase"] == "running"]
    code, first, err = _closed_early(["watch", *running, "--demo", "--json", "--exit-status", "--timeout", "30"],
                                     env, read_first=True)
    assert first.startswith("{") and err == "" and code == 4


def test_discover_json_into_a_closed_pipe_ends_quietly(tmp_path):
    code, first, err = _closed_early(["discover", "build", "--demo", "--json"], _env(tmp_path), read_first=True)
    assert (code, err) == (0, ""), err
    assert first.startswith('{"ref": "build:')
