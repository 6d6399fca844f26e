"""The tables of `list`, `discover` and `profiles` as a new user sees them in the demo: nothing masked by
accident, columns aligned, an 80-column terminal that keeps the progress and whole REFs."""

from __future__ import annotations

import re

import pytest

from tui.cli.main import main
from tui.cli.output import Stdout
from tui.cli.table import cell_width
from tui.cloud.auth.masking import SecretMask
from tui.sim import Simulator
from tui.sim import demo as demo_data

DEMO_SECRETS = (demo_data.DEMO_TOKEN, demo_data.DEMO_TOKEN_B, demo_data.DEMO_USER[1], *demo_data.DEMO_AKSK)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_discover_in_the_demo_shows_the_project_by_name(capsys):
    code, out, err = run(capsys, "discover", "build", "--demo")
    assert code == 0, err
    assert "***" not in out
    assert out.count(demo_data.DEMO_CODEARTS_PROJECT_NAME) == len(out.splitlines()) - 1


def test_nothing_the_demo_shows_is_masked_by_a_demo_credential(capsys):
    """The made-up credentials share no 8-character run with any name, id or word the simulated
    cloud serves: a real secret echoed back is still masked, and nothing else."""
    mask = SecretMask(DEMO_SECRETS)
    texts = [demo_data.DEMO_CODEARTS_PROJECT_NAME, demo_data.DEMO_USER[0], demo_data.DEMO_USER[2],
             demo_data.DEMO_PROJECT_ID, demo_data.DEMO_CODEARTS_PROJECT, "/tmp/hcwatch-demo-abc123/watchlist.toml",
             *(f"{ref} {name}" for ref, name in Simulator(demo=True).demo_refs())]
    for argv in (["list", "--json"], ["list"], ["discover", "build", "--json"], ["discover", "check", "--json"],
                 ["profiles"]):
        code, out, err = run(capsys, *argv, "--demo")
        assert code == 0, err
        texts += out.splitlines() + err.splitlines()
    masked = [text for text in texts if mask(text) != text]
    assert masked == []


LEAKY_BUILD = "build:0f1e2d3c4b5a49687f8e9d0c1b2a3f4e"


@pytest.fixture
def echoing_gateway(monkeypatch):
    """The demo, where one Build job's name and one task's error quote the token back, as a gateway might."""
    from tui.cli import commands, session
    from tui.model import TaskRef, WatchedTask

    secret = demo_data.DEMO_TOKEN

    def open_runtime(args, clock=None):
        rt = session.open_runtime(args, clock)
        sim = rt.simulator
        sim.add_task(LEAKY_BUILD, {"result": False, "last_build_no": 3, "build_result": "SUCCESS"},
                     name=f"leaks {secret}")
        sim.inject("server", ref="check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59", msg=f"bad X-Auth-Token {secret}")
        rt.watchlist.add(WatchedTask(TaskRef.parse(LEAKY_BUILD), "leaky", "default", rt.clock.now()))
        return rt

    monkeypatch.setattr(commands, "open_runtime", open_runtime)
    return secret


@pytest.mark.parametrize("argv", [["discover", "build"], ["list"]])
def test_a_masked_cell_does_not_shift_the_columns_after_it(capsys, echoing_gateway, argv):
    """A secret quoted back into a cell is masked before the columns are measured: the REF column
    starts at one place on every line."""
    code, out, err = run(capsys, *argv, "--demo")
    lines = out.splitlines()
    assert echoing_gateway not in out + err and "***" in out, out
    header, *rows = lines
    starts = {line.rindex("  ") + 2 for line in rows}
    assert starts == {header.index("REF")}, out


def test_list_at_80_columns_keeps_the_progress_and_every_ref_whole(capsys, monkeypatch):
    code, piped, _ = run(capsys, "list", "--demo")   # capsys is no terminal: full width, one line a task
    assert code == 0 and max(cell_width(line) for line in piped.splitlines()) > 100
    refs = [line.split()[-1] for line in piped.splitlines()[1:]]
    monkeypatch.setattr(Stdout, "width", staticmethod(lambda: 80))
    code, out, _ = run(capsys, "list", "--demo")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["NAME", "STATUS", "PROGRESS", "MESSAGE"], out
    rows, under = lines[0::2], lines[1::2]
    assert all(cell_width(line) <= 80 for line in rows), out
    assert [line.strip() for line in under] == ["REF", *refs]   # whole: each can be pasted anywhere
    payments = next(line for line in rows if line.startswith("payments-service scan"))
    assert "● running" in payments and "40%" in payments


def test_discover_check_at_80_columns_keeps_the_seconds_and_the_branch(capsys, monkeypatch):
    code, piped, _ = run(capsys, "discover", "check", "--demo", "--json")
    assert code == 0 and "last checked 20" in piped        # --json keeps the service's own words
    monkeypatch.setattr(Stdout, "width", staticmethod(lambda: 80))
    code, out, _ = run(capsys, "discover", "check", "--demo")
    rows = out.splitlines()[0::2]
    assert code == 0 and all(cell_width(line) <= 80 for line in rows), out
    payments = next(line for line in rows if line.startswith("payments-service scan"))
    # "checked MM-DD HH:MM:SS (branch)", whole: it was "last checked 2026-12-02T05:33…"
    assert re.search(r"checked \d\d-\d\d \d\d:\d\d:\d\d \(main\)", payments), out
    assert "…" not in payments.split("(main)")[0]
