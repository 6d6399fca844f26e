"""The task table: keyed rows and columns, cells rewritten only when their text changes."""

from __future__ import annotations

import contextlib
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from tui.app.actions import TABLE_ACTIONS, bindings
from tui.app.formatting import RowView

# (key, heading, width; None = the message column, which takes the room that is left).
# Fixed widths: status and times never make the rows jiggle when a value changes.
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("marker", " ", 1),
    ("profile", "profile", 0),  # only with tasks of several profiles; sized to the longest, up to PROFILE_MAX
    ("service", "svc", 5),
    ("name", "name", 0),       # 0: sized to the longest name, up to NAME_MAX
    ("status", "status", 11),
    ("progress", "progress", 11),
    ("message", "message", None),
    ("updated", "changed", 8),  # when status, progress or message last changed (help says so)
    ("elapsed", "elapsed", 7),
)
# The order of RowView.cells(), which is not the order on screen.
CELLS = ("marker", "service", "name", "status", "progress", "message", "updated", "elapsed", "profile")
# Below this many columns the service and elapsed columns go (both are in the detail pane).
FULL_FROM = 100
COMPACT_DROP = {"service", "elapsed"}
PROFILE_MIN = 7  # the heading's width
PROFILE_MAX = 12
NAME_MAX = 24
NAME_MIN = 12
MESSAGE_MIN = 12
ADD_BUDGET = 1500  # new rows added per refresh; the first screenful needs far fewer
PADDING = 1  # DataTable cell_padding: one space each side of every column


class RowText(Text):
    """A cell that knows its row, so DataTable.sort can order rows by our own key."""

    row_key: str = ""


class TaskTable(DataTable):
    """A DataTable of watched tasks that applies a list of RowViews with the least work."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings(TABLE_ACTIONS)]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"tasktable--flash"}
    DEFAULT_CSS = """
    TaskTable > .tasktable--flash { background: $warning 35%; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=PADDING, **kwargs)
        self.flashing: set[str] = set()
        self._flash_timers: dict[str, Timer] = {}
        self._shown: dict[str, dict[str, Text]] = {}
        self._views: list[RowView] = []
        self._order: list[str] = []
        self._columns: tuple[str, ...] = ()
        self._widths: dict[str, int] = {}
        self._natural_name = 0
        self.longest_name = 0  # longest name among all tasks, shown or filtered out (set by the app)
        self._continuing = False

    # ----- columns ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns()

    def _layout_for(self, width: int) -> tuple[str, ...]:
        keys = tuple(k for k, _, _ in COLUMNS if k != "profile" or self._wants_profile())
        return keys if width >= FULL_FROM else tuple(k for k in keys if k not in COMPACT_DROP)

    def _wants_profile(self) -> bool:
        """The rows name their profile (the board does so only when tasks of several profiles are listed)."""
        return any(v.profile for v in self._views)

    def _name_width(self) -> int:
        # longest_name covers the rows a filter hides, so typing a filter does not move columns.
        longest = max((len(v.name) for v in self._views), default=self.longest_name)
        longest = max(longest, self.longest_name)
        return max(NAME_MIN, min(NAME_MAX, longest))

    def fit_columns(self) -> None:
        """Choose the column set for the width and give the message column the rest.

        Only a change of column set rebuilds the table (a resize across FULL_FROM);
        otherwise only column widths change.
        """
        width = self.size.width or 80
        keys = self._layout_for(width)
        widths = {k: w for k, _, w in COLUMNS if k in keys and w}
        widths["name"] = self._natural_name = self._name_width()
        if "profile" in keys:
            longest = max((len(v.profile) for v in self._views), default=0)
            widths["profile"] = max(PROFILE_MIN, min(PROFILE_MAX, longest))
        used = sum(widths.values()) + 2 * PADDING * len(keys) + 2  # 2: the vertical scrollbar
        room = width - used
        if room < MESSAGE_MIN:  # long names give way first, so the times stay on screen
            give = min(MESSAGE_MIN - room, widths["name"] - NAME_MIN)
            widths["name"] -= give
            room += give
        widths["message"] = max(MESSAGE_MIN, room)
        if keys != self._columns:
            keep = self.current_key
            self._columns = keys
            self._widths = widths
            self.clear(columns=True)
            for key, label, _ in COLUMNS:
                if key in keys:
                    self.add_column(label, key=key, width=widths[key])
            views, self._views, self._order = self._views, [], []
            self._shown.clear()
            if views:
                self.apply(views, keep_key=keep)
            return
        if widths != self._widths:
            self._widths = widths
            for key, w in widths.items():
                column = self.columns.get(ColumnKey(key))
                if column is not None:
                    column.width = w
            self._require_update_dimensions = True
            self.refresh()

    # ----- queries -------------------------------------------------------------------------

    @property
    def current_key(self) -> str | None:
        """The task key under the cursor, if any."""
        if not self.row_count:
            return None
        row = min(max(self.cursor_row, 0), self.row_count - 1)
        return self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value

    @property
    def order(self) -> list[str]:
        return list(self._order)

    def cell_text(self, key: str, column: str) -> str:
        """The text shown in one cell ('' if the column is hidden), for tests and tools."""
        cell = self._shown.get(key, {}).get(column)
        return cell.plain if cell is not None else ""

    def row_texts(self) -> dict[str, list[str]]:
        """Every shown row's cell texts, in table order (every column, shown or not)."""
        return {key: [c.plain for c in self._shown[key].values()] for key in self._order}

    # ----- updates -------------------------------------------------------------------------

    def _cells(self, view: RowView) -> dict[str, Text]:
        cells = dict(zip(CELLS, view.cells(), strict=True))
        name = RowText(cells["name"].plain)
        name.row_key = view.key
        cells["name"] = name
        return cells

    def apply(self, rows: list[RowView], *, changed: set[str] | None = None, keep_key: str | None = None) -> int:
        """Show exactly `rows`, in that order; returns how many cells were written.

        Removes rows that went away, adds new ones, updates only cells whose text or style
        changed, and sorts only when the order changed; the cursor stays on its task.
        `changed`: the keys whose views may differ (None: check every row).
        """
        if not self._columns:
            self._views = list(rows)
            self.fit_columns()
            return 0
        keep = keep_key if keep_key is not None else self.current_key
        self._views = list(rows)
        if self._wants_profile() != ("profile" in self._columns) and rows:
            self.fit_columns()  # a second profile came (or the last but one went): the column set changes
            return len(rows)
        wanted = {r.key for r in rows}
        written = 0
        added: list[str] = []
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        columns = self._columns
        budget = ADD_BUDGET
        deferred = False
        for view in rows:
            old = self._shown.get(view.key)
            if old is not None and changed is not None and view.key not in changed:
                continue
            if old is None and budget <= 0:
                deferred = True  # the rest after the next paint: 10,000 rows must not delay the first
                continue
            cells = self._cells(view)
            if old is None:
                self.add_row(*(cells[c] for c in columns), key=view.key)
                added.append(view.key)
                written += len(columns)
                budget -= 1
            else:
                for col in columns:
                    new, was = cells[col], old[col]
                    if new != was or new.style != was.style:
                        self.update_cell(view.key, col, new)
                        written += 1
            self._shown[view.key] = cells
        # Rows only move when we sort, and new rows are appended: that is the table's order now.
        order = [r.key for r in rows if r.key in self._shown]
        current = [k for k in self._order if k in wanted and k in self._shown] + added
        if order != current:
            rank = {k: i for i, k in enumerate(order)}
            self.sort("name", key=lambda cell: rank.get(getattr(cell, "row_key", ""), 0))
        self._order = order
        if deferred and not self._continuing:
            self._continuing = True
            self.call_after_refresh(self._continue)
        if self._name_width() != self._natural_name:
            self.fit_columns()
        if keep is not None and keep in self._shown:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
        return written

    def _update_dimensions(self, new_rows) -> None:
        # Every column has a fixed width and every row is one line high, so measuring each new
        # cell (what the base class does, 80,000 measurements for 10,000 tasks) changes nothing.
        # Passing no rows still recomputes the virtual size from the column widths.
        super()._update_dimensions(())

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        """Like DataTable.update_cell, but repaint only that row, and only if it is on screen.

        The base class repaints the whole table for every cell: with 200 running tasks that is
        the full screen several times a second for progress ticks of rows nobody can see.
        """
        if update_width:
            super().update_cell(row_key, column_key, value, update_width=True)
            return
        row_key = row_key if isinstance(row_key, RowKey) else RowKey(row_key)
        column_key = column_key if isinstance(column_key, ColumnKey) else ColumnKey(column_key)
        if row_key not in self._row_locations or column_key not in self._column_locations:
            super().update_cell(row_key, column_key, value)  # raises CellDoesNotExist
            return
        self._data[row_key][column_key] = value
        self._update_count += 1  # part of every render cache key: stale rows re-render
        # Every row is one line high, so its region is known without summing the heights of
        # the rows above it (what refresh_row does); rows off screen are not repainted at all.
        y = (self._row_locations.get(row_key) or 0) + (self.header_height if self.show_header else 0)
        self._refresh_region(Region(0, y, max(self.size.width, self.virtual_size.width), 1))

    def _continue(self) -> None:
        """Add the next batch of rows that apply() held back."""
        self._continuing = False
        self.apply(self._views, changed=set())

    def flash(self, key: str, seconds: float) -> None:
        """Flash a row for a few seconds (again from the start if it is flashing already)."""
        old = self._flash_timers.pop(key, None)
        if old is not None:
            old.stop()
        self.set_flash(key, True)
        self._flash_timers[key] = self.set_timer(seconds, lambda: self.end_flash(key), name="flash")

    def end_flash(self, key: str) -> None:
        self._flash_timers.pop(key, None)
        with contextlib.suppress(Exception):
            self.set_flash(key, False)

    def end_all_flashes(self) -> None:
        """Stop every running flash now (tests and screenshots freeze the picture this way)."""
        for key, timer in list(self._flash_timers.items()):
            timer.stop()
            self.end_flash(key)

    def set_flash(self, key: str, on: bool) -> None:
        """Start or end a row's flash; rewriting one cell makes the table re-render that row."""
        if on:
            self.flashing.add(key)
        else:
            self.flashing.discard(key)
        if key in self._shown:
            self.update_cell(key, "marker", self._shown[key]["marker"])

    # The row style hook is the only way to colour a whole row (cells and the gaps between).
    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        style = super()._get_row_style(row_index, base_style)
        if self.flashing and 0 <= row_index < self.row_count:
            key = self.coordinate_to_cell_key(Coordinate(row_index, 0)).row_key.value
            if key in self.flashing:
                style = style + self.get_component_rich_style("tasktable--flash", partial=True)
        return style
