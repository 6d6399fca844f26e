"""Mistakes a new user makes on the command line and in config.toml, and the one line that says what to do."""

from __future__ import annotations

import pytest

from tui.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [["--profile", "nope", "--demo", "list"], ["list", "--demo", "--profile", "nope"],
                                  ["add", "check:abc", "--demo", "--profile", "nope"]])
def test_an_unknown_profile_in_the_demo_speaks_of_the_demo_not_of_a_config_file(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "config.toml" not in err
    assert err.startswith("hcwatch: no profile 'nope' in the demo") and "'default'" in err and "--config" in err


def test_an_unknown_profile_in_the_demo_with_a_config_names_that_file(capsys, tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text('[profiles.team-b]\nregion = "cn-east-3"\n')
    code, _, err = run(capsys, "list", "--demo", "--config", str(cfg), "--profile", "nope")
    assert code == 2 and f"no profile 'nope' in {cfg}" in err and "team-b" in err


def test_help_says_where_the_keys_are_listed(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "In the TUI, ? lists every key" in out
