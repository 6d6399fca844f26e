"""End to end inside a real tmux: what the user's own terminal receives from `hcwatch --demo` and `hcwatch watch`.

A tmux server on its own socket (`tmux -L hcw-test-…`, passthrough allowed) runs hcwatch in
a pane; a client attached under `script` records everything tmux writes to its outer
terminal. The demo runs 20 times faster (HCWATCH_DEMO_SPEED), so its first minute takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
SCRIPT = shutil.which("script")
pytestmark = pytest.mark.skipif(
    TMUX is None or SCRIPT is None,
    reason="needs tmux and script (util-linux) on PATH; .ci/run installs tmux when it is missing")

ROOT = Path(__file__).resolve().parents[2]
NOTIFY = re.compile(r"\x1b\]777;notify;([^\x1b\x07]*)\x1b\\")
FIRST_MINUTE = {"payments-service scan succeeded", "dws-prod create failed", "api-gateway build failed"}
DWS_PROD = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"
PAYMENTS = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"


def tmux_version() -> tuple[int, int]:
    out = subprocess.run([TMUX or "tmux", "-V"], capture_output=True, text=True).stdout
    m = re.search(r"(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


class Tmux:
    """A tmux server of our own and one client attached under `script`, recording the outer terminal."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = f"hcw-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.log = folder / "out.log"
        self.pane_log = folder / "pane.log"
        self.conf = folder / "tmux.conf"
        # 3.4 added `all` (hidden panes too); 3.3 knows only on/off.
        self.conf.write_text(f"set -g allow-passthrough {'all' if tmux_version() >= (3, 4) else 'on'}\n")
        self.client: subprocess.Popen | None = None

    def cmd(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([TMUX or "tmux", "-L", self.name, "-f", str(self.conf), *args],
                              capture_output=True, text=True, timeout=10)
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {args}: {done.stderr}")
        return done.stdout

    def run(self, argv: list[str], env: dict[str, str]) -> None:
        """Start `argv` in a pane once a client is attached (so nothing is written before one listens)."""
        go = self.folder / "go"
        setenv = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell = (f"cd {shlex.quote(str(self.folder))}; while [ ! -e go ]; do sleep 0.05; done; "
                 f"exec env {setenv} {shlex.join(argv)}")
        self.cmd("new-session", "-d", "-x", "100", "-y", "30", "-s", "t", shell)
        # What the program itself wrote, before tmux: a client that falls behind gets a redraw
        # instead of the bytes it missed, and tmux drops the passthrough among them.
        self.cmd("pipe-pane", "-t", "t", f"cat >> {shlex.quote(str(self.pane_log))}")
        self.client = subprocess.Popen(
            [SCRIPT or "script", "-q", "-f", "-c", f"stty cols 100 rows 30; {TMUX} -L {self.name} attach -t t",
             str(self.log)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "TERM": "xterm-256color"}, cwd=self.folder)
        wait_for(lambda: self.cmd("list-clients", check=False).strip(), "a tmux client to attach")
        go.touch()

    def received(self) -> list[str]:
        """The text of every OSC 777 notification the outer terminal got."""
        data = self.log.read_bytes().decode("utf-8", "replace") if self.log.exists() else ""
        return [text.replace(";", " — ", 1) for text in NOTIFY.findall(data)]

    def raw(self) -> str:
        return self.log.read_bytes().decode("utf-8", "replace") if self.log.exists() else ""

    def pane_raw(self) -> str:
        """Everything the pane's program wrote (tmux's `pipe-pane`)."""
        return self.pane_log.read_bytes().decode("utf-8", "replace") if self.pane_log.exists() else ""

    def close(self) -> None:
        self.cmd("kill-server", check=False)
        if self.client is not None:
            try:
                self.client.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.client.kill()


def wait_for(condition, what: str, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def tmux(tmp_path):
    if tmux_version() < (3, 3):
        pytest.skip(f"tmux {'.'.join(map(str, tmux_version()))} has no allow-passthrough (3.3 or later)")
    server = Tmux(tmp_path)
    yield server
    server.close()


@pytest.fixture
def config(tmp_path) -> Path:
    hook = tmp_path / "hook.py"
    hook.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read())\n")
    path = tmp_path / "config.toml"
    path.write_text(
        '[notify]\ndesktop = "osc777"\nprogress = true\n\n'
        f"[[hook]]\ncommand = [{json.dumps(sys.executable)}, {json.dumps(str(hook))}, "
        f"{json.dumps(str(tmp_path / 'hook.jsonl'))}]\n")
    return path


def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"PYTHONPATH": str(ROOT), "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local/state"), "HCWATCH_DEMO_SPEED": "20", "TERM": "screen-256color"}


def hook_objects(tmp_path: Path) -> list[dict]:
    path = tmp_path / "hook.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def titles(received: list[str]) -> list[str]:
    """Each task's change named in the notifications (one per line, or several in a burst's body)."""
    names = []
    for text in received:
        title, _, body = text.partition(" — ")
        names += body.split(", ") if " tasks changed " in title else [title]
    return names


def test_the_tui_in_tmux_notifies_the_outer_terminal_once_per_change_and_runs_the_hook(tmux, config, tmp_path):
    # The pane outlives hcwatch (a shell waits after it), so its last bytes are read before the pane goes.
    argv = [sys.executable, "-m", "tui", "--demo", "--config", str(config)]
    tmux.run(["sh", "-c", f"{shlex.join(argv)}; echo $? > rc; sleep 30"], env(tmp_path))
    wait_for(lambda: len(hook_objects(tmp_path)) >= 3, "three hook runs (the demo's first minute)")
    time.sleep(0.5)   # 10 s of demo time more: nothing else finishes before 200 s
    tmux.cmd("send-keys", "-t", "t", "q")
    wait_for(lambda: (tmp_path / "rc").exists(), "hcwatch to quit")
    assert (tmp_path / "rc").read_text().strip() == "0"
    assert sorted(titles(tmux.received())) == sorted(FIRST_MINUTE), tmux.received()
    objs = hook_objects(tmp_path)
    assert sorted((o["name"], o["change"]["to"]) for o in objs) == [
        ("api-gateway build", "failed"), ("dws-prod create", "failed"), ("payments-service scan", "succeeded")]
    assert all(o["change"]["from"] == "running" and o["change"]["major"] for o in objs)
    assert "\x1b]9;4;1;" in tmux.raw()                     # progress of the running tasks in the tab
    # Cleared at exit, wrapped for tmux (ESC doubled inside the DCS passthrough).
    cleared = "\x1bPtmux;\x1b\x1b]9;4;0;0\x1b\x1b\\\x1b\\"
    wait_for(lambda: cleared in tmux.pane_raw(), "the progress to be cleared at exit", timeout=5)


def test_watch_in_tmux_notifies_on_the_terminal_and_keeps_json_on_stdout_clean(tmux, config, tmp_path):
    out = tmp_path / "watch.jsonl"
    argv = [sys.executable, "-m", "tui", "watch", "--demo", "--config", str(config), "--json", PAYMENTS, DWS_PROD]
    tmux.run(["sh", "-c", f"{shlex.join(argv)} > {shlex.quote(str(out))}; echo $? > rc; sleep 30"], env(tmp_path))
    wait_for(lambda: (tmp_path / "rc").exists(), "watch to finish")
    assert (tmp_path / "rc").read_text().strip() == "0"
    wait_for(lambda: len(titles(tmux.received())) >= 2, "two notifications", timeout=10)
    assert sorted(titles(tmux.received())) == ["dws-prod create failed", "payments-service scan succeeded"]
    lines = out.read_text().splitlines()
    assert lines and all(line.startswith("{") for line in lines)      # no escape mixed into --json
    assert "\x1b" not in out.read_text()
    assert sorted(o["name"] for o in hook_objects(tmp_path)) == ["dws-prod create", "payments-service scan"]
