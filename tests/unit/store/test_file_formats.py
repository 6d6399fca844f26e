"""Files written by hcwatch 0.1.0 (committed before the restructuring) still load to exactly the same objects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tui.store.state import StateStore
from tui.store.watchlist import Watchlist

FILES = Path(__file__).parent / "fixtures" / "files"


def _expected() -> dict:
    return json.loads((FILES / "expected.json").read_text())


def loaded_watchlist(folder: Path) -> list[str]:
    shutil.copy(FILES / "watchlist.toml", folder / "watchlist.toml")
    watchlist = Watchlist(folder / "watchlist.toml")
    watchlist.load()
    return [repr(task) for task in watchlist.tasks]


def loaded_state(folder: Path, name: str) -> dict[str, list[str]]:
    (folder / "state").mkdir()
    shutil.copy(FILES / name, folder / "state" / "state.jsonl")
    store = StateStore(folder / "state")
    result = {key: [repr(st.snapshot), *map(repr, st.history)] for key, st in store.load().items()}
    assert store.warnings == []
    return result


def test_watchlist_file_loads_as_before(tmp_path: Path) -> None:
    assert loaded_watchlist(tmp_path) == _expected()["watchlist"]


@pytest.mark.parametrize("name", ["state-v1.jsonl", "state-v2.jsonl"])
def test_state_files_of_both_versions_load_as_before(tmp_path: Path, name: str) -> None:
    assert loaded_state(tmp_path, name) == _expected()["state"]


if __name__ == "__main__":  # writes expected.json: run once, with the code the fixtures came from
    import tempfile

    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        data = {"watchlist": loaded_watchlist(Path(a)), "state": loaded_state(Path(b), "state-v2.jsonl")}
    (FILES / "expected.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
