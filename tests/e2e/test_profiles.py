"""Several accounts in one view, on a real 127.0.0.1 socket: two profiles with their own token variables
fetch side by side in one `hcwatch list`, and a wrong token stops only its own profile."""

from __future__ import annotations

import json

import pytest

from tui.cli.main import main
from tui.sim import DEMO_PROJECT_ID, Simulator, running

TEAM_B_TOKEN = "team-b-token-0123456789"
CHECK_A = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
BUILD_A = "build:901878212b1a49be9c1a1054c272762a"
BUILD_B = "build:4d1e2f3a5b6c47d8e9f0a1b2c3d4e5f6"
CHECK_B = "check:f1e2d3c4b5a64978a1b2c3d4e5f60718"


@pytest.fixture(scope="module")
def cloud():
    sim = Simulator(demo=True)
    sim.add_token(TEAM_B_TOKEN, user="team-b")
    with running(sim) as url:
        yield url


@pytest.fixture
def files(tmp_path, cloud, monkeypatch):
    """A config with profiles `default` (token in $TEAM_A_TOKEN) and `team-b` ($TEAM_B_TOKEN), and a watch list
    with two tasks of each."""
    endpoints = "".join(f'{k} = "{cloud}"\n' for k in ("check", "build", "dws", "iam"))
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[profiles.default]\nregion = "cn-north-4"\nproject_id = "{DEMO_PROJECT_ID}"\ntoken_env = "TEAM_A_TOKEN"\n'
        f"[profiles.default.endpoints]\n{endpoints}"
        f'[profiles.team-b]\nregion = "cn-east-3"\nproject_id = "{DEMO_PROJECT_ID}"\ntoken_env = "TEAM_B_TOKEN"\n'
        f"[profiles.team-b.endpoints]\n{endpoints}"
    )
    wl = tmp_path / "watchlist.toml"
    monkeypatch.setenv("HCWATCH_CONFIG", str(cfg))
    monkeypatch.setenv("HCWATCH_WATCHLIST", str(wl))
    monkeypatch.setenv("TEAM_A_TOKEN", Simulator.DEMO_TOKEN)
    monkeypatch.setenv("TEAM_B_TOKEN", TEAM_B_TOKEN)
    # The default variable holds a token that works: team-b must never fall back to it.
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", Simulator.DEMO_TOKEN)
    for ref in (CHECK_A, BUILD_A):
        assert main(["add", ref, "--name", ref[:9]]) == 0
    for ref in (CHECK_B, BUILD_B):
        assert main(["add", ref, "--profile", "team-b", "--name", "b-" + ref[:7]]) == 0
    return cfg, wl


def listed(capsys, *extra):
    capsys.readouterr()
    code = main(["list", "--json", *extra])
    out, err = capsys.readouterr()
    return code, {o["ref"]: o for o in map(json.loads, out.splitlines())}, err


def test_two_profiles_with_their_own_token_variables_both_fetch(capsys, files):
    code, rows, err = listed(capsys)
    assert code == 0, err
    assert {r["profile"] for r in rows.values()} == {"default", "team-b"}
    assert all(r["error"] is None and r["fetched_at"] for r in rows.values())
    assert rows[BUILD_B]["profile"] == "team-b" and rows[CHECK_A]["profile"] == "default"


def test_a_wrong_token_stops_only_its_own_profile(capsys, files, monkeypatch):
    monkeypatch.setenv("TEAM_B_TOKEN", "not-a-token-the-cloud-knows")
    code, rows, err = listed(capsys)
    assert code == 5  # every failure was an authentication failure (the README rule for list)
    for ref in (CHECK_A, BUILD_A):
        assert rows[ref]["error"] is None and rows[ref]["phase"] is not None
    for ref in (CHECK_B, BUILD_B):
        assert rows[ref]["error"]["kind"] == "auth"
    assert "profile team-b" in err and "TEAM_B_TOKEN" in err and "profile default" not in err
    assert "not-a-token-the-cloud-knows" not in err + json.dumps(rows)


def test_an_unset_variable_names_itself_and_never_borrows_the_default(capsys, files, monkeypatch):
    monkeypatch.delenv("TEAM_B_TOKEN")
    code, rows, err = listed(capsys)
    assert code in (1, 5)
    assert rows[BUILD_A]["error"] is None
    assert {rows[r]["error"]["kind"] for r in (BUILD_B, CHECK_B)} == {"auth"}
    assert "profile team-b" in err and "TEAM_B_TOKEN" in err


def test_the_plain_table_has_a_profile_column(capsys, files):
    capsys.readouterr()
    assert main(["list"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[:2] == ["PROFILE", "SERVICE"]
    assert sum(line.startswith("team-b") for line in lines) == 2


def test_profiles_says_where_each_profiles_credentials_come_from_and_whether_they_work(capsys, files, monkeypatch):
    monkeypatch.setenv("TEAM_B_TOKEN", "wrong-token-for-b")
    capsys.readouterr()
    code = main(["profiles", "--json"])
    out = capsys.readouterr().out
    rows = {o["profile"]: o for o in map(json.loads, out.splitlines())}
    assert code == 5
    assert rows["default"]["credentials"] == "token from $TEAM_A_TOKEN" and rows["default"]["ok"] is True
    assert rows["team-b"]["credentials"] == "token from $TEAM_B_TOKEN" and rows["team-b"]["ok"] is False
    assert "wrong-token-for-b" not in out and Simulator.DEMO_TOKEN not in out
