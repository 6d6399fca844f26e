"""What the `a` key does: the add dialog (ids, console URLs, or browsing what can be seen), then the adds."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from tui.errors import UserError
from tui.model import WatchedTask, clean_text

if TYPE_CHECKING:
    from tui.app.screens.add import AddResult
    from tui.app.screens.main import MainScreen
    from tui.cloud.catalog import Listing

# The dialog, the catalog and the name lookups (httpx, the service APIs) are imported on the first `a`,
# not before the first frame.


async def name_now(screen: MainScreen, task: WatchedTask) -> None:
    """Ask once for a new task's own name, as `hcwatch add` does; a task its project does not list is said in a
    toast, in the command's words (other failures: the row shows the id until a later poll names it)."""
    from tui.naming import unlisted, unnamed_note

    _, why = await screen.runtime.name_now(task)
    if why and unlisted(why):
        line = screen.runtime.cloud.mask()(unnamed_note(task, why, "d stops watching it"))  # no secret in a toast
        screen.notify(clean_text(line, 300), title="added", severity="warning", markup=False, timeout=10)


def open_add_dialog(screen: MainScreen) -> None:
    """Show the add dialog; watch what it returns (one task, or several picked in browse mode)."""
    from tui.app.screens.add import AddTaskScreen
    from tui.cloud import catalog

    runtime = screen.runtime
    profile = runtime.default_profile
    try:
        default = runtime.default_project()
    except UserError:
        default = None
    tasks = runtime.tasks()
    known = tuple(t.codearts_project for t in tasks if t.profile == profile and t.codearts_project)

    async def lister(service: str) -> Listing:
        async with runtime.online() as cloud:
            return await catalog.list_service(cloud.get_json, runtime.clock, service, profile, known_projects=known)

    def added(result: AddResult | None) -> None:
        if not result:
            return
        done: list[WatchedTask] = []
        for request in result:
            try:
                done.append(runtime.add(request.text, request.name, codearts_project=request.codearts_project))
            except UserError as exc:
                screen.fail(exc)
        if not done:
            return
        screen.after_edit()
        with contextlib.suppress(Exception):
            screen.table.move_cursor(row=screen.table.get_row_index(done[-1].key), animate=False)
        what = done[0].key if len(done) == 1 else f"{len(done)} tasks"
        screen.notify(f"watching {clean_text(what, 80)}", markup=False)
        for task in done:
            if task.name_pending:  # as `hcwatch add` does: its own name now, or why not in the same line
                screen.run_worker(name_now(screen, task), group="naming", exit_on_error=False)

    screen.app.push_screen(AddTaskScreen(default, lister, {t.key for t in tasks}), added)
