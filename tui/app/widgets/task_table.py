"""The task table: keyed rows and columns, cells rewritten only when their text changes."""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.timer import Timer
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey

from tui.app.actions import TABLE_ACTIONS, bindings
from tui.app.colours import DARK, Scheme
from tui.app.formatting import RowView
from tui.app.theming import scheme_for
from tui.app.widgets.table_parts import (  # noqa: F401  (COLUMNS, CELLS, LAYOUTS: re-exported for tests and tools)
    ADD_BUDGET,
    CELLS,
    COLUMNS,
    FIRST_BUDGET,
    FULL_FROM,
    LAYOUTS,
    MESSAGE_MIN,
    NAME_MAX,
    NAME_MIN,
    PADDING,
    PROFILE_MAX,
    PROFILE_MIN,
    Built,
    Offsets,
    RowText,
)
from tui.model import short_id


class TaskTable(DataTable):
    """A DataTable of watched tasks that applies a list of RowViews with the least work."""

    BINDINGS: ClassVar[list[BindingType]] = [*bindings(TABLE_ACTIONS)]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"tasktable--flash"}
    # The cursor and the flash in the scheme's colours (theming.py): Textual's own cursor is
    # 3.8:1 on the dark theme, and a coloured flash background hid the row's words. Reverse
    # video keeps every cell's own contrast and stands out in every mode, NO_COLOR included.
    DEFAULT_CSS = """
    TaskTable > .tasktable--flash { text-style: bold reverse; }
    TaskTable > .datatable--cursor, TaskTable:focus > .datatable--cursor {
        background: $hc-cursor-background; color: $hc-cursor-foreground; text-style: bold;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=PADDING, **kwargs)
        self.flashing: set[str] = set()
        self._flash_timers: dict[str, Timer] = {}
        self._built: dict[str, Built] = {}     # every row built so far, in the table or filtered out
        self._in_table: set[str] = set()
        self._ordered: tuple[object, list[Row]] | None = None
        self._views: list[RowView] = []
        self._order: list[str] = []
        self._columns: tuple[str, ...] = ()
        self._widths: dict[str, int] = {}
        self._natural_name = 0
        self.longest_name = 0  # longest name among all tasks, shown or filtered out (set by the app)
        self.known: Collection[str] = ()  # every task's key, shown or filtered out (set by the app)
        self._continuing = False
        self.scheme: Scheme = DARK

    def on_mount(self) -> None:
        self.scheme = scheme_for(self.app)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.restyle())

    def action_detail_page(self, direction: int) -> None:
        """J/K: scroll the detail pane without leaving the table."""
        for pane in self.screen.query("#detail"):
            scroll = getattr(pane, "scroll_page", None)
            if scroll is not None and pane.display:
                scroll(direction)

    def restyle(self) -> None:
        """Redraw every cell in the scheme of the theme now on (after a change of theme)."""
        scheme = scheme_for(self.app)
        if scheme != self.scheme:
            self.scheme = scheme
            self.apply(self._views, recheck=None)

    # ----- columns ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.fit_columns()
        # Shorter (the detail pane took the room: enter, i): the selected row must stay in sight.
        self.call_after_refresh(self._scroll_cursor_into_view)

    def _layout_for(self, width: int) -> tuple[str, ...]:
        drop = next(gone for least, gone in LAYOUTS if width >= least)
        return tuple(k for k, _, _ in COLUMNS if k not in drop and (k != "profile" or self._wants_profile()))

    def _wants_profile(self) -> bool:
        """The rows name their profile (the board does so only when tasks of several profiles are listed)."""
        return any(v.profile for v in self._views)

    def _name_width(self) -> int:
        # longest_name covers the rows a filter hides, so typing a filter does not move columns.
        longest = self.longest_name or max((len(v.name) for v in self._views), default=0)
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
        least = MESSAGE_MIN if width >= LAYOUTS[-2][0] else 4  # 40 columns: a glimpse of the message
        if room < least:  # long names give way first, so the times stay on screen
            give = min(least - room, widths["name"] - NAME_MIN)
            widths["name"] -= give
            room += give
        widths["message"] = max(least, room)
        if keys != self._columns:
            keep = self.current_key
            self._columns = keys
            self._widths = widths
            self.clear(columns=True)
            for key, label, _ in COLUMNS:
                if key in keys:
                    self.add_column(label, key=key, width=widths[key])
            views, self._views, self._order = self._views, [], []
            self._built.clear()
            self._in_table = set()
            if views:
                self.apply(views, keep_key=keep)
            return
        if widths != self._widths:
            recut = widths.get("name") != self._widths.get("name")
            self._widths = widths
            for key, w in widths.items():
                column = self.columns.get(ColumnKey(key))
                if column is not None:
                    column.width = w
            if recut:  # ids are cut to the name column's width
                self.apply(self._views, recheck={v.key for v in self._views if v.id_name})
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
        """The text shown in one cell ('' if the row is not in the table), for tests and tools."""
        cell = self._built[key].cells.get(column) if key in self._in_table else None
        return cell.plain if cell is not None else ""

    def row_texts(self) -> dict[str, list[str]]:
        """Every shown row's cell texts, in table order (every column, shown or not)."""
        return {key: [c.plain for c in self._built[key].cells.values()] for key in self._order}

    # ----- updates -------------------------------------------------------------------------

    def _cells(self, view: RowView) -> dict[str, Text]:
        cells = dict(zip(CELLS, view.cells(self.scheme), strict=True))
        name = RowText(self._name_shown(view))
        name.row_key = view.key
        cells["name"] = name
        return cells

    def _name_shown(self, view: RowView) -> str:
        """An id too long for the column is cut in the middle: two DWS job ids differ at the end."""
        width = self._widths.get("name", NAME_MAX)
        return short_id(view.name, width) if view.id_name else view.name

    def _build(self, view: RowView) -> Built:
        key = RowKey(view.key)
        return Built(view, self._cells, self._columns, key, Row(key, 1))  # cells made when first drawn

    def apply(self, rows: list[RowView], *, keep_key: str | None = None,
              recheck: frozenset[str] | set[str] | None = frozenset()) -> int:
        """Show exactly `rows`, in that order; returns how many cells were written.

        A row's cells are built once and kept while its view stays the same object (the Board
        replaces a view only when it changed), also while a filter hides the row. When only
        cells change, only those cells are rewritten; when the rows or their order change (a
        filter, a sort, an add), the table's rows are replaced in one pass over `rows`, never
        one removal at a time (each of which renumbers every row below it). The cursor stays on
        its task. `recheck`: rows whose cells must be made again though their view is the same
        (a new theme, a narrower name column); None: every row.
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
        built_rows = self._built
        in_table = self._in_table
        written = 0
        # An empty table shows its first screenful at once and builds the rest after that paint.
        budget = ADD_BUDGET if in_table else max(FIRST_BUDGET, 2 * self.app.size.height)
        deferred = False
        order: list[str] = []
        for view in rows:
            key = view.key
            built = built_rows.get(key)
            if built is None:
                if budget <= 0:
                    deferred = True  # the rest after the next paint: 10,000 rows must not delay the first
                    continue
                built_rows[key] = self._build(view)
                written += len(self._columns)
                budget -= 1
            elif built.view is not view or recheck is None or key in recheck:
                written += self._rewrite(built, view, key in in_table, force=recheck is None or key in recheck)
            order.append(key)
        if len(built_rows) > len(self.known) and self.known:
            for key in [k for k in built_rows if k not in self.known]:
                del built_rows[key]  # the task is no longer watched
        moved = order != self._order
        if moved:
            self._replace_rows(order)
        if deferred and not self._continuing:
            self._continuing = True
            self.call_after_refresh(self._continue)
        if self._name_width() != self._natural_name:
            self.fit_columns()
        if keep is not None and keep in self._in_table:
            row = self._row_locations.get(built_rows[keep].key)
            if row is not None and (moved or row != self.cursor_row):
                self.move_cursor(row=row, animate=False)
        return written

    def _rewrite(self, built: Built, view: RowView, shown: bool, force: bool = False) -> int:
        """Bring a built row up to its new view; rewrites only cells whose text or style changed."""
        if not built.made:  # never drawn: its cells will be made from the new view
            built.view = view
            return 0
        if built.view == view and not force:
            built.view = view
            return 0
        built.view = view
        written = 0
        for col, new in self._cells(view).items():
            was = built.cells[col]
            if new != was or new.style != was.style:
                built.cells[col] = new
                if col in self._columns:
                    written += 1
                    if shown:
                        self.update_cell(built.key, col, new)
                    else:
                        built.data[ColumnKey(col)] = new
        return written

    def _replace_rows(self, order: list[str]) -> None:
        """Make the table's rows exactly `order`, in one pass (the cells are already built)."""
        data: dict[RowKey, dict[ColumnKey, Text]] = {}
        rows: dict[RowKey, Row] = {}
        locations: dict[RowKey, int] = {}
        built_rows = self._built
        for index, key in enumerate(order):
            built = built_rows[key]
            data[built.key] = built.data
            rows[built.key] = built.row
            locations[built.key] = index
        self._data = data
        self.rows = rows
        self._row_locations = type(self._row_locations)(locations)  # Textual's TwoWayDict
        self._new_rows.clear()
        self._updated_cells.clear()
        self._order = order
        self._in_table = set(order)
        self._update_count += 1
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate  # clamped to the rows there are now
        self.check_idle()
        self.refresh()

    @property
    def _y_offsets(self) -> Offsets:  # type: ignore[override]
        # Every row is one line high, so line y is row y. The base class rebuilds a list of
        # every line after each cell update (10,000 entries per poll result at 10,000 tasks).
        return Offsets(self)

    @property
    def ordered_rows(self) -> list[Row]:
        # The base class caches this per cell update too; our rows only move in _replace_rows.
        locations, count = self._row_locations, len(self.rows)
        ordered = getattr(self, "_ordered", None)  # asked for while DataTable.__init__ runs
        if ordered is None or ordered[0] is not locations or len(ordered[1]) != count:
            rows = self.rows
            ordered = self._ordered = (locations, [rows[locations.get_key(i)] for i in range(count)])  # type: ignore[index]
        return ordered[1]

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
        self.apply(self._views)

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
        if key in self._in_table:
            self.update_cell(key, "marker", self._built[key].cells["marker"])

    # The row style hook is the only way to colour a whole row (cells and the gaps between).
    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        style = super()._get_row_style(row_index, base_style)
        if self.flashing and 0 <= row_index < self.row_count:
            key = self.coordinate_to_cell_key(Coordinate(row_index, 0)).row_key.value
            if key in self.flashing:
                style = style + self.get_component_rich_style("tasktable--flash", partial=True)
        return style
