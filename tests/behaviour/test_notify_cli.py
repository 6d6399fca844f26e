"""`hcwatch notify test` and `watch` as a user runs them: what reaches the terminal, what the hooks get, stdout clean."""

from __future__ import annotations

import json
import sys

import pytest

from tui.cli.main import main
from tui.notify.output import TerminalOutput

E = "\x1b"


class Recorder(TerminalOutput):
    """A terminal that keeps what it is sent."""

    written: list[str] = []

    def write(self, text: str) -> None:
        Recorder.written.append(text)


@pytest.fixture
def terminal(monkeypatch) -> list[str]:
    Recorder.written = []
    monkeypatch.setattr(TerminalOutput, "open", classmethod(lambda cls: Recorder(99, "/dev/tty", False)))
    return Recorder.written


def config(tmp_path, extra: str = "") -> str:
    hook = tmp_path / "hook.py"
    hook.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read())\n")
    path = tmp_path / "config.toml"
    path.write_text(f'[notify]\ndesktop = "osc777"\n{extra}\n[[hook]]\n'
                    f"command = [{json.dumps(sys.executable)}, {json.dumps(str(hook))}, "
                    f"{json.dumps(str(tmp_path / 'hook.jsonl'))}]\n")
    return str(path)


def test_notify_test_sends_each_signal_and_says_where(capsys, tmp_path, terminal):
    code = main(["notify", "test", "--demo", "--config", config(tmp_path, "progress = true")])
    out = capsys.readouterr().out
    assert code == 0
    sent = "".join(terminal)
    assert f"{E}]777;notify;hcwatch notify test succeeded;a test notification: your setup works{E}\\\x07" in sent
    assert f"{E}]9;4;1;50{E}\\" in sent and sent.endswith(f"{E}]9;4;0;0{E}\\")
    assert "desktop: OSC 777 (desktop = osc777) → /dev/tty" in out
    assert "bell: BEL → /dev/tty" in out and "progress: OSC 9;4" in out
    assert f"hook.py {tmp_path / 'hook.jsonl'}: exit 0 in " in out
    [obj] = [json.loads(line) for line in (tmp_path / "hook.jsonl").read_text().splitlines()]
    assert obj["test"] is True and obj["change"]["to"] == "succeeded"


def test_notify_test_with_no_terminal_and_a_failing_hook(capsys, tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[hook]]\ncommand = ["hcwatch-no-such-hook"]\n')
    code = main(["notify", "test", "--demo", "--config", str(cfg)])
    out = capsys.readouterr().out
    assert code == 1
    assert "→ nowhere (no terminal" in out
    assert "hook hcwatch-no-such-hook: could not start: hcwatch-no-such-hook: not found" in out


def test_watch_json_keeps_escapes_off_stdout_and_runs_hooks(capsys, tmp_path, terminal, monkeypatch):
    monkeypatch.setenv("HCWATCH_DEMO_SPEED", "20")
    ref = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"       # the demo's payments scan: succeeds at 20 s
    code = main(["watch", ref, "--demo", "--json", "--timeout", "40", "--config", config(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert E not in out and "\x07" not in out
    assert all(json.loads(line) for line in out.splitlines())
    assert terminal == [f"{E}]777;notify;payments-service scan succeeded;succeeded: 53 defects (6 major) · gate passed{E}\\\x07"]
    [obj] = [json.loads(line) for line in (tmp_path / "hook.jsonl").read_text().splitlines()]
    assert obj["ref"] == ref and obj["change"]["from"] == "running" and obj["change"]["to"] == "succeeded"


def test_watch_inside_tmux_without_passthrough_says_once_what_to_add(capsys, tmp_path, terminal, monkeypatch):
    import tui.cli.notify_cmd
    from tui.notify.detect import detect

    monkeypatch.setenv("HCWATCH_DEMO_SPEED", "20")
    answers = {"show": "off", "display": ""}
    monkeypatch.setattr(tui.cli.notify_cmd, "route_for", lambda settings: detect(
        settings.notify.desktop, {"TMUX": "/tmp/tmux-1/default,1,0", "TMUX_PANE": "%1"},
        lambda argv: answers.get(argv[1])))
    ref = "check:7f3c2a91d4e84b6c9a0f5e1d2c3b4a59"
    code = main(["watch", ref, "--demo", "--timeout", "40", "--config", config(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 0
    assert err.count("allow-passthrough") == 2 and err.count("\n") == 1     # one line, naming the setting
    assert "add 'set -g allow-passthrough all' to ~/.tmux.conf" in err
    assert terminal == [f"{E}Ptmux;{E}{E}]777;notify;payments-service scan succeeded;succeeded: 53 defects (6 major) · gate passed{E}{E}\\{E}\\\x07"]
