"""[notify] desktop/on/quiet/progress and [[hook]] entries: defaults, values, and file:line errors at load."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from tui.config.notify_config import DEFAULT_ON, Hook, QuietHours
from tui.config.settings import load_config
from tui.errors import ConfigError
from tui.model import Phase


def load(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path, load_config(path, env={})


def test_defaults_notify_finished_tasks_through_auto_detection_without_hooks(tmp_path):
    _, s = load(tmp_path, "")
    n = s.notify
    assert (n.desktop, n.on, n.quiet, n.progress) == ("auto", DEFAULT_ON, None, False)
    assert set(DEFAULT_ON) == {Phase.FAILED, Phase.SUCCEEDED, Phase.STOPPED}
    assert s.hooks == []


def test_every_notify_setting_and_hooks(tmp_path):
    _, s = load(tmp_path, """\
[notify]
desktop = "osc99"
on = ["failed", "running", "failed"]
quiet = "22:00-07:00"
progress = true

[[hook]]
command = ["notify-send", "hcwatch"]
on = ["failed"]
timeout = 2.5

[[hook]]
command = ["curl", "-d", "@-", "https://ntfy.sh/mytopic"]
""")
    assert s.notify.desktop == "osc99" and s.notify.on == (Phase.FAILED, Phase.RUNNING)
    assert s.notify.quiet == QuietHours(time(22, 0), time(7, 0)) and str(s.notify.quiet) == "22:00-07:00"
    assert s.notify.progress is True
    assert s.hooks == [Hook(("notify-send", "hcwatch"), (Phase.FAILED,), 2.5, 7),
                       Hook(("curl", "-d", "@-", "https://ntfy.sh/mytopic"), None, 10.0, 12)]
    assert s.hooks[1].runs_on(Phase.RUNNING, s.notify.on) and not s.hooks[0].runs_on(Phase.RUNNING, s.notify.on)


@pytest.mark.parametrize("text, line, words", [
    ('[notify]\ndesktop = "growl"\n', 2, 'desktop must be one of auto, osc777, osc9, osc99, off, not "growl"'),
    ('[notify]\non = "failed"\n', 2, "on must be a list of phases"),
    ('[notify]\non = ["failed", "exploded"]\n', 2, "unknown phase 'exploded'"),
    ('[notify]\nquiet = "late"\n', 2, 'quiet must be a span of local time like "22:00-07:00"'),
    ('[notify]\n\nquiet = "25:00-07:00"\n', 3, "hours go from 00 to 23"),
    ('[notify]\nquiet = 22\n', 2, "quiet must be a span"),
    ('[notify]\nprogress = 1\n', 2, "progress must be true or false, not 1"),
    ('[hook]\ncommand = ["x"]\n', 1, "hook entries must be [[hook]] tables"),
    ('[[hook]]\non = ["failed"]\n', 1, "hook 1 has no command"),
    ('[[hook]]\ncommand = "notify-send hcwatch"\n', 2, "command must be a list of words (no shell)"),
    ('[[hook]]\ncommand = []\n', 2, "command must be a non-empty list of words"),
    ('[[hook]]\ncommand = ["a", 1]\n', 2, "command must be a non-empty list of words"),
    ('[[hook]]\ncommand = ["a"]\n[[hook]]\ncommand = ["b"]\ntimeout = 0\n', 5, "hook 2: timeout must be more than 0"),
    ('[[hook]]\ncommand = ["a"]\ntimeout = "10s"\n', 3, "timeout must be a number of seconds"),
    ('[[hook]]\ncommand = ["a"]\ntimeout = 99999\n', 3, "at most 3600 seconds"),
    ('[[hook]]\ncommand = ["a"]\non = ["finished"]\n', 3, "unknown phase 'finished'"),
])
def test_bad_values_name_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    msg = str(info.value)
    assert msg.startswith(f"{path}:{line}: "), msg
    assert words in msg


def test_unknown_keys_in_a_hook_warn_with_their_line(tmp_path):
    path, s = load(tmp_path, '[[hook]]\ncommand = ["a"]\ntimout = 3\n')
    assert s.warnings == [f"{path}:3: unknown setting 'timout' in [[hook]] 1 ignored (did you mean 'timeout'?)"]


def test_quiet_can_be_switched_off(tmp_path):
    _, s = load(tmp_path, '[notify]\nquiet = ""\n')
    assert s.notify.quiet is None
