"""The README's "Try each way of signing in", as written: `hcwatch simulate` on a real socket, its
config block, then `hcwatch list` with a token, a password and an AK/SK (and a wrong one of each)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.sim import demo as demo_data

HCWATCH = [sys.executable, "-m", "tui"]
README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    return text.split("### Try each way of signing in", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def simulator():
    """`hcwatch simulate --port 0`; yields (port, its banner)."""
    proc = subprocess.Popen(HCWATCH + ["simulate", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "demo tasks:" in line:
            break
    banner = "".join(lines)
    match = re.search(r"127\.0\.0\.1:(\d+)", banner)
    if match is None:
        proc.kill()
        pytest.fail("simulator did not start: " + banner)
    yield int(match.group(1)), banner
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_the_readme_and_the_simulator_name_the_same_demo_credentials(simulator):
    _, banner = simulator
    section = _section()
    user, password, domain = demo_data.DEMO_USER
    ak, sk = demo_data.DEMO_AKSK
    for value in (demo_data.DEMO_TOKEN, user, password, domain, ak, sk):
        assert value in section and value in banner, value


@pytest.fixture
def env(tmp_path, simulator):
    port, _ = simulator
    toml = re.search(r"```toml\n(.*?)```", _section(), re.S).group(1)
    cfg = tmp_path / "sim.toml"
    cfg.write_text(toml.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
    home = tmp_path / "home"
    home.mkdir()
    e = {k: v for k, v in os.environ.items() if not k.startswith(("HCWATCH_", "HUAWEICLOUD_"))}
    e.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_STATE_HOME=str(home / ".local/state"),
             HCWATCH_CONFIG=str(cfg), HCWATCH_WATCHLIST=str(tmp_path / "wl.toml"))
    added = subprocess.run(HCWATCH + ["add", "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59", "--name", "payments"],
                           env=e, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    return e


@pytest.mark.parametrize("mode, good, bad", [
    ("token", {"HCWATCH_AUTH_TOKEN": demo_data.DEMO_TOKEN}, {"HCWATCH_AUTH_TOKEN": "not-the-token"}),
    ("password", {"HCWATCH_PASSWORD": demo_data.DEMO_USER[1]}, {"HCWATCH_PASSWORD": "wrong-password"}),
    ("aksk", {"HUAWEICLOUD_SDK_AK": demo_data.DEMO_AKSK[0], "HUAWEICLOUD_SDK_SK": demo_data.DEMO_AKSK[1]},
     {"HUAWEICLOUD_SDK_AK": demo_data.DEMO_AKSK[0], "HUAWEICLOUD_SDK_SK": "wrong-sk"}),
])
def test_each_way_of_signing_in_works_as_the_readme_says(env, mode, good, bad):
    ok = subprocess.run(HCWATCH + ["list"], env={**env, **good}, capture_output=True, text=True, timeout=60,
                        stdin=subprocess.DEVNULL)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "payments" in ok.stdout and "⚠" not in ok.stdout
    refused = subprocess.run(HCWATCH + ["list"], env={**env, **bad}, capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    assert refused.returncode == 5, refused.stdout + refused.stderr
    for secret in bad.values():
        if secret != demo_data.DEMO_AKSK[0]:  # an AK is no secret (shown masked); the rest never shows
            assert secret not in refused.stdout + refused.stderr
