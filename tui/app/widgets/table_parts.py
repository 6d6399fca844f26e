"""The task table's parts that hold no widget state: its columns, the layouts for narrow terminals, a built row."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, Row, RowKey

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
    ("changed", "changed", 8),  # when status, progress or message last changed (help says so)
    ("elapsed", "elapsed", 7),
)
# The order of RowView.cells(), which is not the order on screen.
CELLS = ("marker", "service", "name", "status", "progress", "message", "changed", "elapsed", "profile")
# Narrower terminals drop columns the detail pane also shows, rather than scroll sideways:
# (from this width, the columns that go). Below 80 columns a sideways scrollbar would also
# take a row of a small table.
FULL_FROM = 100
LAYOUTS: tuple[tuple[int, frozenset[str]], ...] = (
    (FULL_FROM, frozenset()),
    (74, frozenset({"service", "elapsed"})),
    (58, frozenset({"service", "elapsed", "progress"})),
    (0, frozenset({"service", "elapsed", "progress", "changed"})),
)
PROFILE_MIN = 7  # the heading's width
PROFILE_MAX = 12
NAME_MAX = 24
NAME_MIN = 12
MESSAGE_MIN = 12
ADD_BUDGET = 10_000  # new rows added per refresh (cheap: a row's cells are made when it is first drawn)
FIRST_BUDGET = 100  # rows built before the first paint of an empty table (more if the screen is taller)
PADDING = 1  # DataTable cell_padding: one space each side of every column


class RowText(Text):
    """A name cell that knows its row (tools and tests find a row from its cell)."""

    row_key: str = ""


class LazyCells(dict):
    """A row's cells as the DataTable reads them ({column: Text}), made on the first read.

    The table draws only the rows on screen, so of 10,000 rows a screenful is ever made
    unless the user scrolls; the rest cost a few small objects each.
    """

    __slots__ = ("fill",)

    def __init__(self, fill: Callable[[], None]) -> None:
        super().__init__()
        self.fill = fill

    def __missing__(self, column: ColumnKey) -> Text:
        self.fill()
        if dict.__contains__(self, column):
            return dict.__getitem__(self, column)
        raise KeyError(column)


class Built:
    """One row, built once per view: `cells` every column by name, `data` the shown ones as the
    DataTable reads them (the same dict the table holds while the row is in it). The cells are
    made from `view` when first asked for (drawn, compared, read by a test), not before."""

    __slots__ = ("view", "key", "row", "data", "_make", "_columns", "_cells")

    def __init__(self, view: RowView, make: Callable[[RowView], dict[str, Text]], columns: Sequence[str],
                 key: RowKey, row: Row) -> None:
        self.view = view
        self.key = key
        self.row = row
        self._make = make
        self._columns = columns
        self._cells: dict[str, Text] | None = None
        self.data: dict[ColumnKey, Text] = LazyCells(self._fill)

    @property
    def made(self) -> bool:
        """Whether the cells exist yet (until then a new view needs no comparing: nothing was drawn)."""
        return self._cells is not None

    @property
    def cells(self) -> dict[str, Text]:
        if self._cells is None:
            self._fill()
        return self._cells  # type: ignore[return-value]

    def _fill(self) -> None:
        if self._cells is None:
            cells = self._cells = self._make(self.view)
            data = self.data
            for column in self._columns:
                data[ColumnKey(column)] = cells[column]


class Offsets(Sequence):
    """The table's line → (row key, line in row) map when every row is one line high, without a list."""

    def __init__(self, table: DataTable) -> None:
        self.locations = table._row_locations
        self.lines = len(table.rows)

    def __len__(self) -> int:
        return self.lines

    def __getitem__(self, y):
        if isinstance(y, slice):
            return [self[i] for i in range(*y.indices(self.lines))]
        if y < 0:
            y += self.lines
        if not 0 <= y < self.lines:
            raise IndexError(y)
        return self.locations.get_key(y), 0

    def clear(self) -> None:
        """DataTable.clear() empties the list it thinks this is; there is nothing to empty."""
