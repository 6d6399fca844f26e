"""The hcwatch Textual app: starts and stops the runtime and routes its updates to the main screen."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import App
from textual.theme import ThemeProvider

from tui.app.board import Board
from tui.app.keys import keymap_warnings
from tui.app.messages import RuntimeFailed, TaskUpdated
from tui.app.notifications import AppNotifications
from tui.app.saving import take_screenshot
from tui.app.screens.main import MainScreen
from tui.app.screens.simple import TextScreen
from tui.app.terminal import Terminal
from tui.app.theming import with_scheme_variables
from tui.errors import UserError
from tui.model import clean_text

if TYPE_CHECKING:
    from rich.console import RenderableType
    from textual.command import Provider

    from tui.app.shutdown import Deadline
    from tui.poll.interface import Update
    from tui.runtime import Runtime


def _hcwatch_commands() -> type[Provider]:
    from tui.app.commands import HcwatchCommands  # when the palette first opens, not before the first frame

    return HcwatchCommands


class HcwatchApp(App[int]):
    """The task table, detail pane and dialogs over one Runtime."""

    CSS_PATH = "app.tcss"
    TITLE = "hcwatch"
    COMMANDS = App.COMMANDS | {_hcwatch_commands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, runtime: Runtime, *, start_runtime: bool = True, deadline: Deadline | None = None) -> None:
        super().__init__()
        self.runtime = runtime
        self.start_runtime = start_runtime
        self.board = Board(runtime, getattr(runtime.settings, "notify", None))
        self.deadline = deadline
        self.terminal = Terminal(self, deadline)
        self.notifications = AppNotifications(self, runtime)
        self._main: MainScreen | None = None
        self._stopped = False

    def get_css_variables(self) -> dict[str, str]:
        # The colour scheme's variables (the table's cursor) beside the theme's.
        return with_scheme_variables(self, super().get_css_variables())

    def get_default_screen(self) -> MainScreen:
        self._main = MainScreen(self.board, self.runtime, set_title=self.terminal.set_title)
        return self._main

    @property
    def main(self) -> MainScreen:
        """The main screen: header, table, detail pane (the first screen on the stack)."""
        if self._main is None:
            raise RuntimeError("the app is not running")
        return self._main

    def on_mount(self) -> None:
        keymap = getattr(self.runtime.settings, "keymap", None) or {}
        warnings = list(getattr(self.runtime, "warnings", []) or [])
        if keymap:
            self.set_keymap(dict(keymap))
            warnings += keymap_warnings(keymap, getattr(self.runtime.settings, "keymap_where", {}))
        for warning in warnings:
            self.notify(clean_text(warning, 300), severity="warning", markup=False, timeout=8)
        self.terminal.install()
        if self.start_runtime:
            # After the first paint: restoring 10,000 tasks' state must not delay the screen.
            self.call_after_refresh(self._first_frame_drawn)

    def _first_frame_drawn(self) -> None:
        gc.enable()  # off since run() (or the command line) started: see run()
        self.start_polling()

    def on_resize(self, event: events.Resize) -> None:
        # Here rather than on the screen: a screen under a dialog is not told of resizes.
        self.main.fit_layout(event.size.width)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Palette → Screenshot: into a folder that exists, with a toast saying where (saving.py)."""
        store = getattr(self.runtime, "state", None)
        take_screenshot(self, getattr(store, "dir", None), bool(getattr(self.runtime, "demo", False)))
        return None

    @on(events.Key)
    def _key_reached_app(self, event: events.Key) -> None:
        # A key no widget used bubbles up to here, where App._on_key (after this handler) looks
        # up the bindings. Keys are handled here in the order they arrived, after the bindings
        # of the keys before them (`/` focusing the filter box) have run: the screen could not
        # tell that a key came after `/`, since it sees every key before the App runs `/`.
        if self.screen is self._main and self.main.filter_bar.claim_typed_key(event, self.main.submit_filter):
            event.stop()
            event.prevent_default()  # no binding for a key typed into the filter

    def action_command_palette(self) -> None:
        """ctrl+p: the palette, in the subclass that survives keys typed after it closed."""
        from tui.app.palette import GuardedPalette

        if self.use_command_palette and not isinstance(self.screen, GuardedPalette):
            self.push_screen(GuardedPalette(id="--command-palette"))

    def search_themes(self) -> None:
        """The palette's "Change theme" list, guarded the same way."""
        from tui.app.palette import GuardedPalette

        self.push_screen(GuardedPalette(providers=[ThemeProvider], placeholder="Search for themes…"))

    # ----- the runtime -----------------------------------------------------------------------

    @work(exit_on_error=False, group="runtime", name="runtime start")
    async def start_polling(self) -> None:
        try:
            await self.notifications.start()
            await self.runtime.start(on_update=self.runtime_update, prompt_password=self.prompt_password)
        except UserError as exc:
            self.post_message(RuntimeFailed(str(exc)))
            return
        self.main.rebuild()

    def runtime_update(self, update: Update) -> None:
        """Called by the poller on this loop for every poll result."""
        # Changes go through Textual's queue (flash, bell, toast in order); a report without
        # changes only marks its row for the next batch, so twenty polls a second cost twenty
        # set insertions, not twenty dispatched messages.
        self.notifications.on_update(update)
        if update.changes:
            self.main.post_message(TaskUpdated(update))
        else:
            self.main.note_update(update)

    async def prompt_password(self, question: str) -> str:
        """Ask the credentials' question ("IAM password for alice@acme"), masked; "" when cancelled."""
        future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def done(value: str | None) -> None:
            if not future.done():
                future.set_result(value)

        self.push_screen(TextScreen(question, password=True, placeholder="password",
                                    note="kept in memory only, never saved; esc: go without (its tasks stop)"), done)
        # An empty answer is the credentials' to report ("no password entered for IAM user …").
        return await future or ""

    @on(RuntimeFailed)
    def _runtime_failed(self, message: RuntimeFailed) -> None:
        self.notify(clean_text(message.reason, 300), title="hcwatch", severity="error", markup=False, timeout=15)

    def exit(self, result: int | None = None, return_code: int = 0, message: RenderableType | None = None) -> None:
        """Leave; from here on the process ends within the Deadline's seconds, whatever Textual does."""
        if self.deadline is not None:
            self.deadline.arm(return_code)
        super().exit(result, return_code, message)

    async def on_unmount(self) -> None:
        await self.stop_runtime()

    async def stop_runtime(self) -> None:
        """Stop polling and save the state (once; at most five seconds)."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.notifications.stop(), timeout=3)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.runtime.stop(), timeout=5)
        # Only now: a SIGHUP while the state was being written still went through the Deadline.
        self.terminal.remove()


def run(runtime: Runtime) -> int:
    """Run the TUI until the user quits or the terminal goes away; returns the exit status."""
    from tui.app.shutdown import for_terminal

    # No cyclic GC until the first frame is drawn (HcwatchApp._first_frame_drawn): what the start
    # builds stays alive, and the collections walking it cost ~0.05 s of the first paint at 1,000 tasks.
    gc.disable()
    try:
        # The Deadline saves from its own thread (the store's flush is thread-safe).
        app = HcwatchApp(runtime, deadline=for_terminal(runtime.state.flush, cleanup=runtime.close))
        result = app.run()
    finally:
        gc.enable()
    code = app.return_code
    if code is None:
        code = result if isinstance(result, int) else 0
    return code
