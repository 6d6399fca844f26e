"""In the TUI: a console URL in the add dialog, browse mode (filter, select several, add), and two profiles side by side."""

from __future__ import annotations

from textual.widgets import Input, Label, Select

from tui.app.driving import advance, settle
from tui.app.screens.add import AddTaskScreen
from tui.app.screens.browse import BrowseScreen, FoundList
from tui.sim.demo import DEMO_CODEARTS_PROJECT

CHECK_ID = "f1e2d3c4b5a64978a1b2c3d4e5f60718"  # "auth-service scan": in the simulator, not watched by the demo
URL = f"https://devcloud.cn-north-4.huaweicloud.com/codecheck/project/{DEMO_CODEARTS_PROJECT}/codecheck/task/{CHECK_ID}/detail"
RELEASE = "build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6"
INTEGRATION = "build:5e2f3a4b6c7d48e9f0a1b2c3d4e5f607"


async def test_a_console_url_in_the_add_dialog_watches_the_task_under_its_real_name(pilot):
    app = pilot.app
    await pilot.press("a")
    screen = app.screen
    assert isinstance(screen, AddTaskScreen)
    screen.query_one("#task-id", Input).value = URL
    await pilot.pause()
    note = str(screen.query_one("#error", Label).render())
    assert f"will watch check:{CHECK_ID}" in note and DEMO_CODEARTS_PROJECT in note
    await pilot.press("enter")
    await advance(pilot, 12.0, step=2.0)  # its first poll; then its name is looked up
    task = next(t for t in app.runtime.tasks() if t.key == f"check:{CHECK_ID}")
    assert task.codearts_project == DEMO_CODEARTS_PROJECT
    assert task.name == "auth-service scan"
    assert app.main.table.cell_text(task.key, "name") == "auth-service scan"


async def test_a_url_without_an_id_is_explained_in_the_dialog(pilot):
    await pilot.press("a")
    screen = pilot.app.screen
    screen.query_one("#task-id", Input).value = "https://console.huaweicloud.com/dws/?region=cn-north-4#/dws/cluster-mgmt"
    await pilot.pause()
    assert "no DWS job id" in str(screen.query_one("#error", Label).render())
    assert screen.query_one("#ok").disabled


async def _browse(pilot, service: str = "build") -> BrowseScreen:
    await pilot.press("a")
    dialog = pilot.app.screen
    dialog.query_one("#service", Select).value = service
    await pilot.pause()
    dialog.action_browse()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BrowseScreen)
    return screen


async def test_browse_mode_selects_several_with_space_and_adds_them_with_enter(pilot):
    app = pilot.app
    screen = await _browse(pilot)
    box = screen.query_one("#browse-list", FoundList)
    shown = [o.value for o in box.options]
    assert RELEASE in shown and INTEGRATION in shown
    box.focus()
    for ref in (RELEASE, INTEGRATION):
        box.highlighted = shown.index(ref)
        await pilot.press("space")
    assert set(box.selected) == {RELEASE, INTEGRATION}
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(app.screen, (BrowseScreen, AddTaskScreen))
    watched = {t.key: t for t in app.runtime.tasks()}
    assert watched[RELEASE].name == "release-pipeline" and watched[INTEGRATION].name == "integration-tests"
    assert watched[RELEASE].codearts_project == DEMO_CODEARTS_PROJECT


async def test_browse_mode_filters_and_keeps_what_is_selected(pilot):
    screen = await _browse(pilot)
    box = screen.query_one("#browse-list", FoundList)
    box.select(RELEASE)
    screen.query_one("#browse-filter", Input).value = "integration"
    await pilot.pause()
    assert [o.value for o in box.options] == [INTEGRATION]
    screen.query_one("#browse-filter", Input).value = ""
    await pilot.pause()
    assert RELEASE in box.selected


async def test_browse_mode_for_dws_says_there_is_no_list(pilot):
    screen = await _browse(pilot, "dws")
    assert "DWS has no API that lists jobs" in str(screen.query_one("#browse-note", Label).render())
    await pilot.press("escape")
    assert isinstance(pilot.app.screen, AddTaskScreen)
