"""The runtime's cloud is made when first used; what that must not change for the user."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.cloud.auth.refusals import Refusals
from tui.runtime import Runtime


def write_config(path) -> None:
    path.write_text('[profiles.default]\nregion = "cn-north-4"\nproject_id = "05f2cff45100d5112f4bc00b794ea08e"\n',
                    encoding="utf-8")


def test_retry_auth_forgets_the_refused_credentials_even_when_the_command_sends_nothing(tmp_path):
    """`hcwatch pause X --retry-auth` then `hcwatch list`: the credentials are tried again, as before the
    cloud was made lazily (the refusals were cleared when the runtime opened)."""
    state = tmp_path / "state"
    state.mkdir()
    Refusals(state).add(["AKEXAMPLE", "secret"], "AK AKEX…MPLE", "IAM said no", datetime(2026, 1, 1, tzinfo=UTC))
    assert Refusals(state).seen(["AKEXAMPLE", "secret"]) is not None
    write_config(tmp_path / "config.toml")
    Runtime.open(config_path=tmp_path / "config.toml", watchlist_path=tmp_path / "watchlist.toml", state_dir=state,
                 retry_auth=True)  # nothing else: no poll, no request
    assert Refusals(state).seen(["AKEXAMPLE", "secret"]) is None


def test_before_the_cloud_is_made_the_runtime_still_answers_what_the_screen_asks(tmp_path):
    write_config(tmp_path / "config.toml")
    rt = Runtime.open(config_path=tmp_path / "config.toml", watchlist_path=tmp_path / "watchlist.toml",
                      state_dir=tmp_path / "state")
    assert rt.auth_problems == {}
    assert rt.default_project() == "05f2cff45100d5112f4bc00b794ea08e"
    assert rt.profile().region == "cn-north-4"
    assert rt.simulator is None and rt.demo_codearts_project is None
    assert rt.cloud.default_project() == rt.default_project()  # made on first use, the same answer


def test_the_demo_runtime_has_its_tasks_and_its_simulator_counts_from_when_it_opened(tmp_path):
    from tui.clock import FakeClock

    clock = FakeClock()
    rt = Runtime.open(demo=True, clock=clock)
    try:
        opened = clock.time()
        assert len(rt.tasks()) == 10
        clock.advance(30)
        sim = rt.simulator  # made now, scripted from the open
        assert sim is not None and sim.started == opened
        assert [t.key for t in rt.tasks()] == [ref for ref, _ in sim.demo_refs()]
        assert rt.demo_codearts_project == sim.DEMO_CODEARTS_PROJECT
    finally:
        rt.close()
