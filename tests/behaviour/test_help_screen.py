"""The help screen (`?`) at 80×24: keys, what they do and the [keymap] id in aligned columns, nothing wrapped
back to the first column."""

from __future__ import annotations

import pytest
from textual.geometry import Region
from textual.widgets import Static

from tests.behaviour.conftest import open_demo_runtime
from tui.app.app import HcwatchApp
from tui.app.driving import settle, started
from tui.app.screens.help import HelpScreen


def _help_lines(app) -> list[str]:
    """Every line of the help's key table and legend as drawn, scrolled out of view or not."""
    body = max(app.screen.query(Static), key=lambda s: s.size.height)
    strips = body.render_lines(Region(0, 0, body.size.width, body.size.height))
    return ["".join(seg.text for seg in strip).rstrip() for strip in strips]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_key_row_reads_across_one_line_with_its_id_and_wraps_under_itself(tmp_path, size):
    app = HcwatchApp(open_demo_runtime(tmp_path))
    async with app.run_test(size=size) as pilot:
        await started(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        lines = _help_lines(app)
    ids = {ident for _, _, ident in rows if ident}
    assert not [line for line in lines if line.strip() in ids], "a binding id on a line of its own"
    said_at = None
    for keys, said, ident in rows:
        first = next(n for n, line in enumerate(lines) if line.startswith(keys + "  "))
        words = said.split()
        said_at = lines[first].index(words[0], len(keys)) if said_at is None else said_at
        assert lines[first].index(words[0], len(keys)) == said_at, lines[first]   # one column for every row
        if ident:
            assert lines[first].endswith("  " + ident), lines[first]             # on the row's first line
        taken = lines[first][said_at:].removesuffix(ident).split()
        n = first + 1
        while len(taken) < len(words):   # the description's next lines, under its own first word
            more = lines[n]
            assert more[:said_at].strip() == "", f"wrapped back under the keys: {more!r}"
            taken += more.split()
            n += 1
        assert taken == words
    legend_at = lines.index("What the table shows")
    for line in lines[legend_at + 1:]:
        if line:
            assert line[0] != " " or line[:said_at].strip() == "", line   # a meaning wraps under itself
