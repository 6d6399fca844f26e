"""End to end, the way a user runs it: `hcwatch simulate` on a real 127.0.0.1 socket, then
`hcwatch add` and `hcwatch list --json` as separate processes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.sim import Simulator

HCWATCH = [sys.executable, "-m", "tui"]


@pytest.fixture(scope="module")
def simulator_port():
    """A `hcwatch simulate --port 0` subprocess; yields the port it reports."""
    proc = subprocess.Popen(
        HCWATCH + ["simulate", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    port = None
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        proc.kill()
        pytest.fail("simulator did not start: " + "".join(lines))
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def env(tmp_path, simulator_port):
    home = tmp_path / "home"
    home.mkdir()
    cfg = tmp_path / "config.toml"
    base = f"http://127.0.0.1:{simulator_port}"
    cfg.write_text(
        "[profiles.default]\n"
        'region = "cn-north-4"\n'
        f'project_id = "{Simulator.DEMO_PROJECT_ID}"\n'
        "[profiles.default.endpoints]\n"
        f'check = "{base}"\nbuild = "{base}"\ndws = "{base}"\niam = "{base}"\n'
    )
    e = {k: v for k, v in os.environ.items() if not k.startswith(("HCWATCH_", "HUAWEICLOUD_"))}
    e.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_STATE_HOME=str(home / ".local/state"),
        HCWATCH_CONFIG=str(cfg),
        HCWATCH_WATCHLIST=str(tmp_path / "watchlist.toml"),
        HCWATCH_AUTH_TOKEN=Simulator.DEMO_TOKEN,
    )
    return e


def hc(env, *args, timeout=60):
    return subprocess.run(HCWATCH + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def demo_refs():
    return Simulator(demo=True).demo_refs()


def test_add_then_list_json_over_a_real_socket(env):
    refs = demo_refs()
    for ref, name in refs:
        r = hc(env, "add", ref, "--name", name)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("watching ")
    r = hc(env, "list", "--json")
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["ref"] for o in objs] == [ref for ref, _ in refs]
    assert [o["name"] for o in objs] == [name for _, name in refs]
    assert all(o["error"] is None for o in objs)
    assert {o["phase"] for o in objs} >= {"pending", "running", "succeeded", "failed", "stopped", "idle"}
    assert Simulator.DEMO_TOKEN not in r.stdout + r.stderr


def test_wrong_token_is_an_auth_error_and_never_printed(env):
    secret = "MIIsecret-token-value-0123456789"
    env = dict(env, HCWATCH_AUTH_TOKEN=secret)
    ref, _ = demo_refs()[0]
    assert hc(env, "add", ref).returncode == 0
    r = hc(env, "list", "--json")
    assert r.returncode == 5, r.stderr
    obj = json.loads(r.stdout.splitlines()[0])
    assert obj["error"]["kind"] == "auth" and obj["error"]["http_status"] == 401
    assert secret not in r.stdout + r.stderr
    r = hc(env, "list")
    assert secret not in r.stdout + r.stderr and "auth" in r.stdout


def test_unknown_task_is_reported_as_gone(env):
    assert hc(env, "add", "check:doesnotexist0000").returncode == 0
    r = hc(env, "list", "--json")
    obj = json.loads(r.stdout.splitlines()[0])
    assert r.returncode == 1
    assert obj["error"]["kind"] == "not_found" and obj["error"]["http_status"] == 404


def test_server_down_is_a_network_error_not_a_traceback(env, tmp_path):
    cfg = tmp_path / "down.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-north-4"\n[profiles.default.endpoints]\ncheck = "http://127.0.0.1:9"\n')
    env = dict(env, HCWATCH_CONFIG=str(cfg))
    assert hc(env, "add", "check:abc").returncode == 0
    r = hc(env, "list", "--json")
    obj = json.loads(r.stdout.splitlines()[0])
    assert obj["error"]["kind"] == "network"
    assert "Traceback" not in r.stderr


def test_python_m_tui_and_console_script_agree(env):
    r = hc(env, "--version")
    assert r.returncode == 0 and r.stdout.startswith("hcwatch ")
    assert Path(sys.executable).with_name("hcwatch").exists()


def test_credentials_file_readable_by_others_warns_once(env, tmp_path):
    creds = tmp_path / "credentials"
    creds.write_text("[basic]\nak = AKEXAMPLE0000000000\nsk = SKEXAMPLE0000000000000000000000000000000\n")
    creds.chmod(0o644)
    env = {k: v for k, v in env.items() if k != "HCWATCH_AUTH_TOKEN"}
    env["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = str(creds)
    ref, _ = demo_refs()[0]
    assert hc(env, "add", ref).returncode == 0
    r = hc(env, "list", "--json")
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and str(creds) in warnings[0]
    assert "SKEXAMPLE" not in r.stdout + r.stderr
