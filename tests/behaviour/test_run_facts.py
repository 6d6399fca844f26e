"""Outcomes, links, ETA, elapsed and the Build log on the demo's screen (Pilot, FakeClock)."""

from __future__ import annotations

import contextlib

from tui.app.driving import advance, settle

GATEWAY = "build:901878212b1a49be9c1a1054c272762a"   # #41 fails at 45 s: unit tests — 3 failed
NIGHTLY = "build:3e8f1c2d4b5a46979c8d0e1f2a3b4c5d"   # its log calls answer 500
PROD = "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"


async def goto(pilot, key: str) -> None:
    table = pilot.app.main.table
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await settle(pilot)


def pane(app) -> str:
    """The detail pane's text, runs of spaces as one (labels are padded to a column)."""
    return squeeze(app.main.detail.text.plain)


def squeeze(text: str) -> str:
    import re

    return re.sub(r" {2,}", " ", text)


async def test_a_failed_build_says_why_in_its_row_and_detail(pilot):
    app = pilot.app
    await advance(pilot, 60, step=2)
    assert app.main.table.cell_text(GATEWAY, "message") == "#41 failed in 45s: unit tests — 3 failed"
    await goto(pilot, GATEWAY)
    text = pane(app)
    assert "failed step unit tests" in text and "error 3 failed" in text
    assert "Recent runs" in text and "#41" in text
    link = [s for s in app.main.detail.text.spans if str(s.style).startswith("link ")]
    assert link and "901878212b1a49be9c1a1054c272762a" in str(link[0].style)  # an OSC 8 hyperlink


async def test_running_rows_show_elapsed_and_an_estimate(pilot):
    app = pilot.app
    await advance(pilot, 20, step=2)
    table = app.main.table
    assert table.cell_text(GATEWAY, "progress").endswith("left")  # usual time from the build records
    assert table.cell_text(PROD, "elapsed") == "9m"  # from the job's begin_time, not from when hcwatch looked
    await goto(pilot, GATEWAY)
    assert "estimate about" in pane(app) and "usually" in pane(app)



async def test_the_detail_panes_estimate_moves_on_between_polls(pilot):
    """The slow tick brings "running 20s" and "about 25s left" up to date, not only the next poll."""
    import re

    app = pilot.app
    await advance(pilot, 20, step=2)
    await goto(pilot, GATEWAY)
    before = re.search(r"about (\d+)s left \(usually \d+s; running (\d+)s\)", pane(app))
    assert before, pane(app)
    app.runtime.clock.advance(3)   # no loop turn in between: no poll can come first
    app.main.tick()
    after = re.search(r"about (\d+)s left \(usually \d+s; running (\d+)s\)", pane(app))
    assert after, pane(app)
    assert int(after[2]) == int(before[2]) + 3
    assert int(after[1]) == int(before[1]) - 3

async def test_o_copies_the_console_link(pilot, monkeypatch):
    app = pilot.app
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    await goto(pilot, PROD)
    await pilot.press("o")
    assert copied == ["https://console.huaweicloud.com/dws/?region=cn-north-4#/dws/cluster-mgmt"]


async def test_l_shows_the_log_tail_then_the_whole_log_in_the_pager(pilot, monkeypatch):
    from tui.app.screens import task_extras

    app = pilot.app
    await advance(pilot, 50, step=2)
    await goto(pilot, GATEWAY)
    await pilot.press("L")
    await settle(pilot)
    assert "Log of build #41" in pane(app) and "[ERROR] Build failed in step 'unit tests'" in pane(app)
    seen: list[str] = []
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)
    monkeypatch.setattr(task_extras.subprocess, "run",
                        lambda argv, check: seen.append(open(argv[-1], encoding="utf-8").read()))
    monkeypatch.setenv("PAGER", "cat")
    await pilot.press("L")
    for _ in range(5):
        await settle(pilot)
    assert seen and seen[0].startswith("[INFO] build #41 started") and "unit tests" in seen[0]
    assert not list(__import__("pathlib").Path(__import__("tempfile").gettempdir()).glob("hcwatch-log-*"))


async def test_a_pager_that_does_not_exist_is_said_and_the_app_goes_on(pilot, monkeypatch, toasts):
    app = pilot.app
    await advance(pilot, 50, step=2)
    await goto(pilot, GATEWAY)
    await pilot.press("L")
    await settle(pilot)
    suspended: list[bool] = []
    monkeypatch.setattr(app, "suspend", lambda: suspended.append(True) or contextlib.nullcontext())
    monkeypatch.setenv("PAGER", "no-such-pager-hcwatch")
    await pilot.press("L")
    for _ in range(5):
        await settle(pilot)
    # The screen is never handed over to a program that cannot start (Textual would not resume it).
    assert not suspended
    assert any("cannot run the pager 'no-such-pager-hcwatch'" in n.message for n in toasts())
    await pilot.press("j")
    await settle(pilot)
    assert app.main.table.cursor_row is not None and app.is_running


async def test_a_log_that_answers_500_says_so_in_one_line(pilot):
    app = pilot.app
    await goto(pilot, NIGHTLY)
    await pilot.press("L")
    await settle(pilot)
    text = pane(app)
    assert "log not available" in text and "Traceback" not in text
    assert app.main.table.cell_text(NIGHTLY, "status") == "✔ succeeded"  # the status is unaffected
