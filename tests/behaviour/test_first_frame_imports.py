"""The first frame waits for no HTTP stack: httpx, the cloud, the poller and the simulator come after it.

`hcwatch` draws the watch list (and later the saved statuses) before it polls; importing httpx,
credentials, signing, the service APIs and (in the demo) uvicorn first cost about a third of the
first paint. Each case starts the real command line in a subprocess (headless), and at the moment
the app starts polling (right after its first refresh) records which modules are loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import gc, json, sys
import tui.app.app as app_module

seen = {}

def first_frame(self):  # stands in for start_polling, which on_mount calls after the first refresh
    seen["modules"] = sorted(sys.modules)
    seen["rows"] = self.main.table.row_count
    seen["gc"] = gc.isenabled()  # off while starting, on again from the first frame
    self.exit(0)

def run(runtime):
    app_module.HcwatchApp(runtime).run(headless=True, size=(100, 30))
    return 0

app_module.HcwatchApp.start_polling = first_frame
app_module.run = run
from tui.cli.main import main

code = main(sys.argv[1:])
print(json.dumps({"code": code, **seen}))
"""

# What the first frame must not wait for (each pulls in more: httpx brings click and pygments).
HEAVY = ("httpx", "httpcore", "anyio", "uvicorn", "click", "tui.cloud.fetcher", "tui.cloud.services",
         "tui.cloud.auth", "tui.cloud.catalog", "tui.cloud.client", "tui.poll.poller", "tui.poll.scheduler",
         "tui.naming", "tui.sim.app", "tui.sim.server", "tui.notify.setup", "tui.app.screens.add",
         "tui.app.screens.browse", "tui.app.commands", "tui.app.palette")


def first_frame_modules(tmp_path: Path, *args: str) -> dict:
    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_text('version = 1\n\n[[task]]\nref = "check:abc123"\nname = "nightly"\nprofile = "default"\n'
                         '\n[[task]]\nref = "build:def456"\nname = "deploy"\nprofile = "default"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCWATCH_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_STATE_HOME=str(tmp_path / "state"),
               HCWATCH_WATCHLIST=str(watchlist), HCWATCH_FORCE_TUI="1", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [(), ("--demo",)], ids=["watch list", "demo"])
def test_the_first_frame_is_drawn_before_httpx_the_cloud_and_the_poller_are_imported(tmp_path, args) -> None:
    got = first_frame_modules(tmp_path, *args)
    assert got["rows"] > 0  # the first frame had the tasks in it
    assert got["gc"]
    loaded = set(got["modules"])
    early = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert early == [], f"imported before the first frame: {early}"


def test_a_tui_start_that_fails_leaves_the_garbage_collector_on(tmp_path, monkeypatch, capsys) -> None:
    """The start turns the cyclic GC off until the first frame; a start that never gets there turns it back on."""
    import gc

    from tui.cli.main import main

    monkeypatch.setenv("HCWATCH_WATCHLIST", str(tmp_path / "watchlist.toml"))
    monkeypatch.setenv("HCWATCH_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("HCWATCH_FORCE_TUI", raising=False)
    assert main(["--demo"]) == 2  # not a terminal: one line, exit 2
    assert "needs a terminal" in capsys.readouterr().err
    assert gc.isenabled()
