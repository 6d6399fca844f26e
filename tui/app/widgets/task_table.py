"""The task table: keyed rows and columns, cells rewritten only when their text changes."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from tui.app.formatting import RowView

# (key, heading, fixed width or None for auto). Status has a fixed width so rows never jiggle.
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("marker", " ", 1),
    ("service", "svc", 5),
    ("name", "name", None),
    ("status", "status", 12),
    ("progress", "progress", 11),
    ("message", "message", None),
    ("updated", "updated", 9),
    ("elapsed", "elapsed", 7),
)
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
MESSAGE_WIDTH = 48


class RowText(Text):
    """A cell that knows its row, so DataTable.sort can order rows by our own key."""

    row_key: str = ""


class TaskTable(DataTable):
    """A DataTable of watched tasks that applies a list of RowViews with the least work."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down", tooltip="Next task"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up", tooltip="Previous task"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"tasktable--flash"}
    DEFAULT_CSS = """
    TaskTable > .tasktable--flash { background: $warning 45%; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.flashing: set[str] = set()
        self._shown: dict[str, tuple[Text, ...]] = {}
        self._order: list[str] = []

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    # ----- queries -------------------------------------------------------------------------

    @property
    def current_key(self) -> str | None:
        """The task key under the cursor, if any."""
        if not self.row_count:
            return None
        row = min(self.cursor_row, self.row_count - 1)
        return self.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value

    @property
    def order(self) -> list[str]:
        return list(self._order)

    # ----- updates -------------------------------------------------------------------------

    def _cells(self, view: RowView) -> tuple[Text, ...]:
        cells = list(view.cells())
        name = RowText(cells[2].plain)
        name.row_key = view.key
        cells[2] = name
        msg = cells[5]
        if len(msg.plain) > MESSAGE_WIDTH:
            msg.truncate(MESSAGE_WIDTH - 1)
            msg.append("…")
        return tuple(cells)

    def apply(self, rows: list[RowView], *, changed: set[str] | None = None, keep_key: str | None = None) -> int:
        """Show exactly `rows`, in that order; returns how many cells were written.

        Removes rows that went away, adds new ones, updates only cells whose text or style
        changed, and sorts only when the order changed; the cursor stays on its task.
        `changed`: the keys whose views may differ (None: check every row).
        """
        keep = keep_key if keep_key is not None else self.current_key
        wanted = {r.key: r for r in rows}
        written = 0
        added: list[str] = []
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
        for view in rows:
            old = self._shown.get(view.key)
            if old is not None and changed is not None and view.key not in changed:
                continue
            cells = self._cells(view)
            if old is None:
                self.add_row(*cells, key=view.key)
                added.append(view.key)
                written += len(cells)
            else:
                for col, new, was in zip(COLUMN_KEYS, cells, old):
                    if new != was or new.style != was.style:
                        self.update_cell(view.key, col, new, update_width=col in ("name", "message"))
                        written += 1
            self._shown[view.key] = cells
        order = [r.key for r in rows]
        # Rows only move when we sort, and new rows are appended: that is the table's order now.
        current = [k for k in self._order if k in wanted] + added
        if order != current:
            rank = {k: i for i, k in enumerate(order)}
            self.sort("name", key=lambda cell: rank.get(getattr(cell, "row_key", ""), 0))
        self._order = order
        if keep is not None and keep in wanted:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
        return written

    def set_flash(self, key: str, on: bool) -> None:
        """Start or end a row's flash; rewriting one cell makes the table re-render that row."""
        if on:
            self.flashing.add(key)
        else:
            self.flashing.discard(key)
        if key in self._shown:
            self.update_cell(key, "marker", self._shown[key][0])

    # The row style hook is the only way to colour a whole row (cells and the gaps between).
    def _get_row_style(self, row_index: int, base_style: Style) -> Style:
        style = super()._get_row_style(row_index, base_style)
        if self.flashing and row_index >= 0:
            key = self.coordinate_to_cell_key(Coordinate(row_index, 0)).row_key.value
            if key in self.flashing:
                style = style + self.get_component_rich_style("tasktable--flash", partial=True)
        return style
