"""The `list` table: full width into a pipe, fitted to the terminal's width on one."""

from __future__ import annotations

import io

import pytest

from tui.cli.output import Stdout
from tui.cli.table import cell_width, cut_middle, render

ROWS = [
    ("check", "payments-service nightly scan", "● running", "40%", "Executing rule set 14 of 31 (java, kotlin)",
     "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"),
    ("dws", "dws-prod create", "✘ failed", "", "DWS.5004: cluster quota exceeded in the project",
     "dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"),
    ("build", "构建 nightly", "✔ succeeded", "100%", "last build #117 succeeded", "build:3e8f1c2d4b5a"),
]


def test_without_a_width_every_column_is_in_full():
    text = render(ROWS)
    for row in ROWS:
        for cell in row:
            assert cell in text
    assert max(cell_width(line) for line in text.splitlines()) > 150


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_fitted_rows_never_wrap_and_keep_what_a_glance_needs(width):
    lines = render(ROWS, width).splitlines()
    assert all(cell_width(line) <= width for line in lines), lines
    header, *rows = lines
    assert "STATUS" in header and "NAME" in header and "REF" in header
    for line, row in zip(rows, ROWS, strict=True):
        assert row[2] in line                  # the status is never cut
        assert line.startswith(row[1][:5])     # the name's start stays
        assert row[5][:6] in line and row[5][-6:] in line   # both ends of the REF stay


def test_a_terminal_too_narrow_for_the_minimums_still_gets_one_line_per_task():
    lines = render(ROWS, 40).splitlines()
    assert len(lines) == 1 + len(ROWS) and all(cell_width(line) <= 60 for line in lines)


def test_a_wide_terminal_gets_the_full_table():
    assert render(ROWS, 400) == render(ROWS)


def test_cut_middle_keeps_both_ends():
    assert cut_middle("dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b2071", 16) == "dws:05f2…45b2071"


def test_width_is_the_terminals_only_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "73")
    monkeypatch.setattr("sys.stdout", Tty())
    assert Stdout.width() == 73
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert Stdout.width() is None
