"""The command line as a user runs it: one-line errors, exit codes, list/watch output, the demo."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("hcwatch ")


@pytest.mark.parametrize("ref, words", [
    ("check:a/b", "'/'"),
    ("check:../../etc", "'.'"),
    ("build:", "empty"),
    ("ftp:abc", "unknown service"),
    ("check:a\x1b[31mb", "control character"),
])
def test_add_refuses_a_bad_ref_in_one_line(capsys, tmp_path, ref, words):
    wl = tmp_path / "wl.toml"
    code, out, err = run(capsys, "add", ref, "--watchlist", str(wl))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("hcwatch: ") and words in err
    assert "Traceback" not in err and "\x1b" not in err
    assert not wl.exists()


def test_usage_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["watch"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "REF" in err


def test_add_list_remove_round_trip_in_a_watch_list_file(capsys, tmp_path):
    wl = tmp_path / "wl.toml"
    code, out, _ = run(capsys, "add", "check:abc123", "--name", "nightly", "--watchlist", str(wl))
    assert code == 0 and "watching check:abc123 as 'nightly'" in out
    code, out, _ = run(capsys, "add", "dws:proj1/job1", "--watchlist", str(wl))
    assert code == 0
    code, out, _ = run(capsys, "rename", "nightly", "nightly scan", "--watchlist", str(wl))
    assert code == 0 and "'nightly scan'" in out
    code, out, _ = run(capsys, "pause", "check:abc123", "--watchlist", str(wl))
    assert code == 0 and "paused check:abc123" in out
    code, out, _ = run(capsys, "remove", "dws:proj1/job1", "--watchlist", str(wl))
    assert code == 0 and "stopped watching dws:proj1/job1" in out
    text = wl.read_text()
    assert "check:abc123" in text and "nightly scan" in text and "job1" not in text
    code, _, err = run(capsys, "remove", "check:nope", "--watchlist", str(wl))
    assert code == 2 and err.count("\n") == 1


def test_broken_config_names_file_and_line(capsys, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('interval = 10\n[profiles.default]\nregion = "cn-north-4\n')
    code, _, err = run(capsys, "list", "--config", str(cfg), "--watchlist", str(tmp_path / "wl.toml"))
    assert code == 2
    assert f"{cfg}:3" in err and err.count("\n") == 1 and "Traceback" not in err


def test_wrong_type_in_config_names_file_and_line(capsys, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('# settings\n\ninterval = "ten"\n')
    code, _, err = run(capsys, "list", "--config", str(cfg), "--watchlist", str(tmp_path / "wl.toml"))
    assert code == 2 and f"{cfg}:3" in err and "interval" in err


def test_broken_watch_list_is_reported_and_left_untouched(capsys, tmp_path):
    wl = tmp_path / "wl.toml"
    wl.write_bytes(b'version = 1\n[[task]]\nref = "check:ok"\n[[task]]\nref = "nosuch:x"\n')
    before = wl.read_bytes()
    code, _, err = run(capsys, "add", "check:other", "--watchlist", str(wl))
    assert code == 2 and str(wl) in err and err.count("\n") == 1
    assert wl.read_bytes() == before


def test_unknown_profile_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "list", "--profile", "nope", "--watchlist", str(tmp_path / "wl.toml"))
    assert code == 2 and "nope" in err


def test_list_demo_json_prints_every_demo_task_across_all_phases(capsys):
    code, out, err = run(capsys, "list", "--demo", "--json")
    assert code == 0, err
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) >= 6
    for obj in objs:
        assert set(obj) >= {"ref", "service", "name", "phase", "progress", "message", "raw_status", "fetched_at",
                            "error"}
        assert obj["error"] is None and obj["fetched_at"].endswith("Z")
    phases = {o["phase"] for o in objs}
    assert phases >= {"pending", "running", "succeeded", "failed", "stopped", "idle"}
    assert {o["service"] for o in objs} == {"check", "build", "dws"}


def test_list_demo_table_is_readable(capsys):
    code, out, _ = run(capsys, "list", "--demo")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["SERVICE", "NAME", "STATUS"]
    assert any("✔ succeeded" in r for r in rows) and any("✘ failed" in r for r in rows)


def test_demo_never_touches_the_users_files(capsys, tmp_path):
    home = Path(os.environ["HOME"])
    run(capsys, "list", "--demo", "--json")
    run(capsys, "add", "check:abc", "--demo")
    assert not any(p.is_file() for p in home.rglob("*"))


def _demo_ref(capsys, phase: str) -> str:
    _, out, _ = run(capsys, "list", "--demo", "--json")
    return next(json.loads(line)["ref"] for line in out.splitlines() if json.loads(line)["phase"] == phase)


@pytest.mark.parametrize("phase, code", [("succeeded", 0), ("failed", 1), ("stopped", 3)])
def test_watch_exit_status_follows_the_outcome(capsys, phase, code):
    ref = _demo_ref(capsys, phase)
    got, out, err = run(capsys, "watch", ref, "--demo", "--exit-status", "--timeout", "20")
    assert got == code, err
    assert phase in out


def test_watch_times_out_with_exit_4(capsys):
    ref = _demo_ref(capsys, "pending")
    got, _, err = run(capsys, "watch", ref, "--demo", "--exit-status", "--timeout", "0.5")
    assert got == 4 and "timed out" in err


def test_watch_json_lines(capsys):
    ref = _demo_ref(capsys, "succeeded")
    got, out, _ = run(capsys, "watch", ref, "--demo", "--json", "--timeout", "20")
    assert got == 0
    first = json.loads(out.splitlines()[0])
    assert first["ref"] == ref and first["phase"] == "succeeded" and first["change"] is None


def test_watch_refuses_a_bad_timeout(capsys):
    code, _, err = run(capsys, "watch", "check:abc", "--demo", "--timeout", "-1")
    assert code == 2 and "--timeout" in err


def test_adding_twice_is_harmless(capsys, tmp_path):
    wl = str(tmp_path / "wl.toml")
    assert run(capsys, "add", "check:abc", "--watchlist", wl)[0] == 0
    code, out, _ = run(capsys, "add", "check:abc", "--watchlist", wl)
    assert code == 0 and "already watching check:abc" in out


def test_demo_ignores_the_users_watch_list_even_when_named_by_env(capsys, tmp_path, monkeypatch):
    wl = tmp_path / "mine.toml"
    monkeypatch.setenv("HCWATCH_WATCHLIST", str(wl))
    assert run(capsys, "add", "check:mine")[0] == 0
    before = wl.read_bytes()
    run(capsys, "list", "--demo", "--json")
    run(capsys, "add", "check:other", "--demo")
    assert wl.read_bytes() == before


def test_a_named_config_file_that_does_not_exist_is_an_error(capsys, tmp_path, monkeypatch):
    missing = tmp_path / "typo.toml"
    code, _, err = run(capsys, "list", "--config", str(missing))
    assert code == 2 and str(missing) in err and err.count("\n") == 1
    monkeypatch.setenv("HCWATCH_CONFIG", str(missing))
    assert run(capsys, "list")[0] == 2


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-3"])
def test_watch_refuses_timeouts_that_are_not_positive_numbers(capsys, value):
    code, _, err = run(capsys, "watch", "check:abc", "--demo", f"--timeout={value}")
    assert code == 2 and "--timeout" in err


def test_list_still_prints_when_the_state_folder_cannot_be_written(capsys, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("HCWATCH_STATE_DIR", str(blocker))
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "some-token-value")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-north-4"\n[profiles.default.endpoints]\ncheck = "http://127.0.0.1:9"\n')
    wl = str(tmp_path / "wl.toml")
    assert run(capsys, "add", "check:abc", "--watchlist", wl)[0] == 0
    code, out, err = run(capsys, "list", "--json", "--config", str(cfg), "--watchlist", wl)
    assert code == 1 and json.loads(out)["error"]["kind"] == "network"
    assert "cannot save state" in err and "Traceback" not in err


def test_adding_a_task_in_a_region_without_endpoints_says_which_setting_to_add(capsys, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nregion = "xx-nowhere-9"\n')
    wl = tmp_path / "wl.toml"
    code, _, err = run(capsys, "add", "check:abc", "--config", str(cfg), "--watchlist", str(wl))
    assert code == 2 and "xx-nowhere-9" in err and "endpoints" in err
    assert not wl.exists()


def _unreachable(tmp_path, monkeypatch) -> tuple[str, str]:
    """A config whose Check endpoint refuses connections, a watch list with one task, a fresh state folder."""
    monkeypatch.setenv("HCWATCH_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HCWATCH_AUTH_TOKEN", "some-token-value")
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-north-4"\n[profiles.default.endpoints]\ncheck = "http://127.0.0.1:9"\n')
    wl = str(tmp_path / "wl.toml")
    return str(cfg), wl


def test_list_of_a_task_never_fetched_says_so_instead_of_pending(capsys, tmp_path, monkeypatch):
    cfg, wl = _unreachable(tmp_path, monkeypatch)
    assert run(capsys, "add", "check:abc", "--name", "nightly", "--watchlist", wl)[0] == 0
    code, out, _ = run(capsys, "list", "--json", "--config", cfg, "--watchlist", wl)
    obj = json.loads(out)
    assert code == 1 and obj["phase"] is None and obj["fetched_at"] is None and obj["stale"] is False
    code, out, _ = run(capsys, "list", "--config", cfg, "--watchlist", wl)
    row = out.splitlines()[1]
    assert "not fetched yet" in row and "pending" not in row


def test_list_marks_a_cached_phase_stale_when_the_fetch_failed(capsys, tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from tui.model import Phase, Snapshot, TaskRef
    from tui.store.state import StateStore

    cfg, wl = _unreachable(tmp_path, monkeypatch)
    assert run(capsys, "add", "check:abc", "--watchlist", wl)[0] == 0
    store = StateStore(tmp_path / "state")
    store.record("check:abc", Snapshot(TaskRef.parse("check:abc"), Phase.SUCCEEDED, 100.0, "done",
                                       fetched_at=datetime(2026, 1, 1, tzinfo=UTC)), [])
    store.flush()
    code, out, _ = run(capsys, "list", "--json", "--config", cfg, "--watchlist", wl)
    obj = json.loads(out)
    assert code == 1 and obj["phase"] == "succeeded" and obj["stale"] is True and obj["error"]["kind"] == "network"
    code, out, _ = run(capsys, "list", "--config", cfg, "--watchlist", wl)
    assert "✔ succeeded (stale)" in out.splitlines()[1]


@pytest.mark.parametrize("saved_phase, saved_message, expect_change", [
    ("running", "", True),          # it failed while hcwatch was closed: one line saying so
    ("failed", "an older message", False),  # only its message moved on: one status line
])
def test_watch_prints_each_task_once_on_its_first_poll(capsys, tmp_path, monkeypatch, saved_phase, saved_message,
                                                        expect_change):
    from datetime import UTC, datetime

    from tui.cli import commands
    from tui.model import Phase, Snapshot, TaskRef
    from tui.runtime import Runtime
    from tui.store.state import StateStore

    ref = "check:a41be6d07c2f4e38b95d1f0c6e7a2b84"  # web-frontend scan: failed from the start
    for as_json in (False, True):
        state = tmp_path / f"state-{as_json}"
        store = StateStore(state)
        store.record(ref, Snapshot(TaskRef.parse(ref), Phase(saved_phase), None, saved_message,
                                   fetched_at=datetime(2026, 1, 1, tzinfo=UTC)), [])
        store.flush()
        monkeypatch.setattr(commands, "open_runtime", lambda args, state=state: Runtime.open(demo=True, state_dir=state))
        argv = ["watch", ref, "--demo", "--timeout", "20"] + (["--json"] if as_json else [])
        code, out, err = run(capsys, *argv)
        lines = out.splitlines()
        assert code == 0 and len(lines) == 1, out
        if as_json:
            obj = json.loads(lines[0])
            assert obj["phase"] == "failed"
            assert (obj["change"] is not None) is expect_change
            if expect_change:
                assert obj["change"]["from"] == "running" and obj["change"]["to"] == "failed"
        else:
            assert "failed" in lines[0] and ("while hcwatch was closed" in lines[0]) is expect_change


def test_a_mistyped_region_stops_every_command_at_load_with_a_suggestion(capsys, tmp_path):
    wl = str(tmp_path / "wl.toml")
    assert run(capsys, "add", "check:abc", "--watchlist", wl)[0] == 0
    cfg = tmp_path / "config.toml"
    cfg.write_text('[profiles.default]\nregion = "cn-nort-4"\n')
    for argv in (["list"], ["list", "--json"], ["watch", "check:abc"], ["add", "check:def"]):
        code, out, err = run(capsys, *argv, "--config", str(cfg), "--watchlist", wl)
        assert (code, out) == (2, "") and err.count("\n") == 1
        assert f"{cfg}:2: unknown region 'cn-nort-4' (did you mean 'cn-north-4'?)" in err


def test_keymap_mistakes_are_warned_with_file_and_line(capsys, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[keymap]\nrefrsh = "x"\nsort = "a"\n')
    code, _, err = run(capsys, "list", "--demo", "--config", str(cfg))
    assert code == 0
    assert f"hcwatch: warning: {cfg}:2: unknown binding id 'refrsh' in [keymap] ignored (did you mean 'refresh'?)" in err
    assert f"hcwatch: warning: {cfg}:3: key 'a' of sort" in err
    assert err.count("unknown binding id") == 1  # once, not again at the end
