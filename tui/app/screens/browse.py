"""The add dialog's browse mode: the jobs or tasks the credentials can see; filter, space selects, enter adds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, SelectionList
from textual.widgets.selection_list import Selection

from tui.app.widgets.inputs import OrderedInput
from tui.cloud.catalog import DWS_HAS_NO_LIST, Found, Listing
from tui.errors import ApiError, UserError
from tui.model import Service, clean_text

Lister = Callable[[str], Awaitable[Listing]]   # service → what the credentials can see


class FoundList(SelectionList[str]):
    """The list: space selects (several), enter adds what is selected (or the highlighted one)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.add_selected", "Add selected", id="browse.add"),
        Binding("space", "select", "Select", id="browse.select"),
    ]


def _label(found: Found, watched: bool, year: int | None) -> Text:
    status = found.words(year)
    text = Text(clean_text(found.name, 40))
    text.append(f"  {clean_text(status, 40)}", style="dim")
    if found.project_name:
        text.append(f"  {clean_text(found.project_name, 24)}", style="dim italic")
    if watched:
        text.append("  (watched)", style="dim")
    return text


class BrowseScreen(ModalScreen["list[Found] | None"]):
    """Pick jobs or tasks to watch from a list instead of copying ids."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Back", id="browse.cancel")]

    def __init__(self, service: str, lister: Lister, watched: set[str]) -> None:
        super().__init__()
        self.service = service
        self.lister = lister
        self.watched = watched
        self.found: list[Found] = []
        self.year: int | None = None
        self.chosen: set[str] = set()   # kept while the filter hides some

    def compose(self) -> ComposeResult:
        what = Service(self.service).product
        with Vertical(id="browse", classes="dialog browse"):
            yield Label(f"Browse {what}", classes="dialog-title")
            yield OrderedInput(placeholder="filter by name or id", id="browse-filter", compact=True)
            yield FoundList(id="browse-list", compact=True)
            yield Label("", id="browse-note", classes="note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        note = self.query_one("#browse-note", Label)
        if self.service == Service.DWS.value:
            note.update(Text(DWS_HAS_NO_LIST))
            self.query_one("#browse-list").display = False
            return
        note.update(Text("listing…", style="dim"))
        self.query_one("#browse-filter", Input).focus()
        self.load()

    @work(exit_on_error=False, group="browse")
    async def load(self) -> None:
        note = self.query_one("#browse-note", Label)
        try:
            listing = await self.lister(self.service)
        except (UserError, ApiError) as exc:
            note.update(Text(clean_text(f"cannot list: {exc}", 300)))
            return
        self.found, self.year = listing.items, listing.year
        more = f" (the first {len(listing.items)}: narrow with the filter)" if listing.truncated else ""
        note.update(Text(f"{len(self.found)} found{more} · space selects · enter adds · esc goes back", style="dim")
                    if self.found else Text("nothing found for this profile"))
        self.show()

    def _remember(self) -> None:
        """Note what is selected among the shown options (the filter may hide others that are)."""
        box = self.query_one("#browse-list", FoundList)
        shown = {o.value for o in box.options if isinstance(o, Selection)}
        self.chosen = (self.chosen - shown) | set(box.selected)

    def show(self) -> None:
        """The list again, through the filter, keeping what is selected."""
        self._remember()
        needle = self.query_one("#browse-filter", Input).value.strip().casefold()
        box = self.query_one("#browse-list", FoundList)
        box.clear_options()
        box.add_options([
            Selection(_label(f, str(f.ref) in self.watched, self.year), str(f.ref), str(f.ref) in self.chosen)
            for f in self.found
            if not needle or needle in f.name.casefold() or needle in f.ref.task_id.casefold()
        ])

    @on(Input.Changed, "#browse-filter")
    def _filter(self) -> None:
        self.show()

    @on(Input.Submitted, "#browse-filter")
    def _to_list(self) -> None:
        self.query_one("#browse-list", FoundList).focus()

    def action_add_selected(self) -> None:
        box = self.query_one("#browse-list", FoundList)
        self._remember()
        keys = set(self.chosen)
        if not keys and box.highlighted is not None:
            keys = {box.get_option_at_index(box.highlighted).value}
        picked = [f for f in self.found if str(f.ref) in keys and str(f.ref) not in self.watched]
        self.dismiss(picked)

    def action_cancel(self) -> None:
        self.dismiss(None)
