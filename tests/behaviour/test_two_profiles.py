"""Two profiles side by side in the TUI: a profile column, a refused profile stopped alone, the filter on profiles."""

from __future__ import annotations

import pytest

from tests.behaviour.conftest import open_demo_runtime
from tui.app.driving import advance, settle
from tui.config.settings import Profile
from tui.model import TaskRef, WatchedTask
from tui.runtime import DEMO_ENDPOINTS
from tui.sim.demo import DEMO_PROJECT_ID

RELEASE = "build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6"
INTEGRATION = "build:5e2f3a4b6c7d48e9f0a1b2c3d4e5f607"



@pytest.fixture
def demo_runtime(tmp_path, monkeypatch):
    """The demo, plus a profile `team-b` whose token comes from $TEAM_B_TOKEN, which holds a wrong one."""
    monkeypatch.setenv("TEAM_B_TOKEN", "a-token-nobody-issued")
    rt = open_demo_runtime(tmp_path)
    rt.settings.profiles["team-b"] = Profile("team-b", project_id=DEMO_PROJECT_ID, endpoints=dict(DEMO_ENDPOINTS),
                                             token_env="TEAM_B_TOKEN")
    for ref, name in ((RELEASE, "b release"), (INTEGRATION, "b integration")):
        rt.watchlist.add(WatchedTask(TaskRef.parse(ref), name, "team-b"))
    return rt


async def test_two_profiles_poll_side_by_side_and_a_refused_one_stops_alone(pilot):
    app = pilot.app
    table = app.main.table
    await advance(pilot, 12.0, step=2.0)
    assert "profile" in {str(k.value) for k in table.columns}
    assert table.cell_text(RELEASE, "profile") == "team-b"
    assert table.cell_text("check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59", "profile") == "default"
    for ref in (RELEASE, INTEGRATION):
        assert "auth" in table.cell_text(ref, "message")
    others = [k for k in table.order if k not in (RELEASE, INTEGRATION)]
    assert others and all("auth" not in table.cell_text(k, "message") for k in others)
    header = app.main.query_one("#top").render().plain
    assert "AUTH team-b" in header and "AUTH default" not in header
    assert "a-token-nobody-issued" not in header


async def test_the_filter_matches_profile_names(pilot):
    await advance(pilot, 4.0, step=2.0)
    await pilot.press("slash", *"team-b")
    await settle(pilot)
    assert set(pilot.app.main.table.order) == {RELEASE, INTEGRATION}
