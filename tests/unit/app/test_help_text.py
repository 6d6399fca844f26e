"""The help screen's columns at any width: aligned, wrapped under themselves, the id never alone on a line."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tui.app.help_text import layout

ROWS = [("a", "Watch a new Check task, Build job or DWS job", "add"),
        ("g, home, ^home", "First task", "table.top"),
        ("J, shift+↓", "Scroll the detail pane down; enter focuses the pane, where ↑ ↓ pgup pgdn scroll it", "detail.down"),
        ("tab", "Move the focus: table, detail pane", "")]
LEGEND = [("✔ succeeded", "finished well"), ("…", "an id cut in the middle; type it like that in hcwatch rename/remove")]


@pytest.mark.parametrize("width", [32, 50, 70, 84, 120])
def test_no_line_is_wider_than_the_room_and_nothing_wraps_to_the_first_column(width):
    lines = layout(ROWS, LEGEND, width).plain.splitlines()
    assert all(cell_len(line) <= width for line in lines), lines
    # A line that goes on from the one before starts under the descriptions, never at the first column.
    assert all(line.startswith(" " * 6) for line in lines if line.startswith(" "))
    words = " ".join(lines).split()
    for _, said, ident in ROWS:
        assert (not ident or ident in words) and said.split()[-1] in words


def test_wide_enough_the_ids_have_a_column_of_their_own():
    lines = layout(ROWS, LEGEND, 70).plain.splitlines()
    assert lines[0].split() == ["key", "does", "[keymap]", "id"]
    at = lines[0].index("[keymap] id")
    for ident in ("add", "table.top", "detail.down"):
        line = next(line for line in lines if line.endswith(ident))
        assert line.index(ident) == at


def test_narrow_the_id_follows_its_description():
    lines = layout(ROWS, LEGEND, 32).plain.splitlines()
    assert not lines[0].startswith("key")
    assert any(line.rstrip().endswith("DWS job add") or line.strip() == "job add" for line in lines), lines
