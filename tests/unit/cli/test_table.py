"""The CLI tables: full width into a pipe, fitted to the terminal's width on one, REFs never cut, masked cells aligned."""

from __future__ import annotations

import io

import pytest

from tui.cli.output import Stdout
from tui.cli.table import HEADER, cell_width, render
from tui.cloud.auth.masking import SecretMask

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


def _refs_and_rows(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines of a fitted table: (rows with the header first, the REF lines under them, when apart)."""
    if lines[1].strip() == "REF":
        return lines[0::2], [line.strip() for line in lines[3::2]]
    return lines, []


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_fitted_rows_never_wrap_and_keep_what_a_glance_needs(width):
    lines = render(ROWS, width).splitlines()
    rows, refs = _refs_and_rows(lines)
    assert all(cell_width(line) <= width for line in rows), lines
    header, *rows = rows
    assert "STATUS" in header and "NAME" in header
    for line, row in zip(rows, ROWS, strict=True):
        assert row[2] in line                  # the status is never cut
        assert line.startswith(row[1][:5])     # the name's start stays
        assert row[3] in line                  # nor is the progress left out
    # Every REF whole, on the row or on a line of its own under it: it can be pasted anywhere.
    if refs:
        assert refs == [row[5] for row in ROWS]
    else:
        assert all(row[5] in line for line, row in zip(rows, ROWS, strict=True))


def test_at_80_columns_the_ref_goes_under_its_row_and_the_progress_stays():
    lines = render(ROWS, 80).splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "PROGRESS", "MESSAGE"] and lines[1] == "  REF"
    assert lines[2].startswith("payments-service nightly…  ● running    40%       Executing rule set 14 of 31")
    assert lines[3] == "  check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
    assert lines[5] == "  dws:05f2cff45100d5112f4bc00b794ea08e/2c9080e8845b207101845b245e1e0001"
    assert all(cell_width(line) <= 80 for line in lines)


def test_a_table_that_fits_with_its_ref_whole_stays_one_line_per_row():
    rows = [r[:5] + (r[5] if r[0] != "dws" else "dws:2c9080e8",) for r in ROWS]
    lines = render(rows, 120).splitlines()
    assert len(lines) == 1 + len(rows) and all(cell_width(line) <= 120 for line in lines)
    assert "SERVICE" not in lines[0] and "REF" in lines[0]   # the REF starts with the service
    assert "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59" in lines[1]


def test_a_terminal_too_narrow_for_the_minimums_still_gets_one_line_per_task_and_its_ref():
    lines = render(ROWS, 40).splitlines()
    assert len(lines) == 2 * (1 + len(ROWS)) and all(cell_width(line) <= 60 for line in lines[0::2])


def test_a_wide_terminal_gets_the_full_table():
    assert render(ROWS, 400) == render(ROWS)


def test_masked_cells_are_measured_masked_so_the_columns_stay_aligned():
    secret = "sim-token-" + "K7q2Vx9pRw4Z"
    rows = [("check", "payments", "● running", "40%", f"gateway said {secret}", "check:abc"),
            ("check", "web", "✘ failed", "", "boom", "check:def")]
    mask = SecretMask([secret])
    for width in (None, 80):
        lines = render(rows, width, HEADER, mask=mask).splitlines()
        assert secret not in "".join(lines) and "gateway said ***" in lines[1]
        starts = {line.index("check:") for line in lines[1:]}
        assert len(starts) == 1 and lines[0].index("REF") in starts, lines


def test_width_is_the_terminals_only_on_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "73")
    monkeypatch.setattr("sys.stdout", Tty())
    assert Stdout.width() == 73
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert Stdout.width() is None
