"""[keymap] mistakes found at load: unknown binding ids and keys bound twice, each with file:line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tui.app.keys import keymap_warnings, normalise
from tui.config.settings import load_config


def _warnings(tmp_path: Path, body: str) -> tuple[Path, list[str]]:
    path = tmp_path / "config.toml"
    path.write_text("interval = 10\n\n[keymap]\n" + body)
    settings = load_config(path, env={})
    return path, keymap_warnings(settings.keymap, settings.keymap_where)


def test_a_good_keymap_says_nothing(tmp_path):
    _, lines = _warnings(tmp_path, 'refresh = "r,f5"\nhelp = "?"\nadd = "plus"\n')
    assert lines == []


def test_an_unknown_binding_id_is_named_with_its_line_and_the_likely_one(tmp_path):
    path, lines = _warnings(tmp_path, 'refresh = "f5"\nrefrsh = "x"\n')
    assert lines == [f"{path}:5: unknown binding id 'refrsh' in [keymap] ignored (did you mean 'refresh'?)"]


def test_a_key_already_bound_to_another_action_is_a_conflict(tmp_path):
    path, lines = _warnings(tmp_path, 'sort = "a"\n')
    assert len(lines) == 1 and lines[0].startswith(f"{path}:4: key 'a' of sort") and "add" in lines[0]


def test_two_remapped_ids_on_one_key_are_reported_once(tmp_path):
    path, lines = _warnings(tmp_path, 'sort = "x"\nrefresh = "x"\n')
    assert len(lines) == 1 and "'x'" in lines[0] and "refresh" in lines[0] and "sort" in lines[0]


def test_a_remap_that_moves_the_other_action_away_is_no_conflict(tmp_path):
    _, lines = _warnings(tmp_path, 'sort = "a"\nadd = "plus"\n')
    assert lines == []


def test_keys_textual_keeps_for_itself_are_conflicts(tmp_path):
    path, lines = _warnings(tmp_path, 'filter = "ctrl+p"\n')
    assert lines == [f"{path}:4: key 'ctrl+p' of filter in [keymap] is already the command palette"]


def test_keys_are_compared_as_textual_names_them():
    assert normalise("?") == "question_mark" and normalise("/") == "slash" and normalise(" f5 ") == "f5"


def test_the_check_loads_no_textual():
    code = "import sys, tui.app.keys; print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_table_and_the_focused_pane_may_share_a_key():
    # j is the table's (next task) and the focused pane's (a line down): never live at once.
    assert keymap_warnings({"table.down": "j,n"}) == []
    assert keymap_warnings({"detail.line_down": "n"}) == []
    warned = keymap_warnings({"quit": "j"})
    assert len(warned) == 1 and "table.down" in warned[0]
