"""watchlist.toml: round trip, hand edits, broken files left untouched, locking, crash safety."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.config.toml_reader import fast_loads
from tui.errors import AlreadyWatched, UserError, WatchlistError
from tui.model import TaskRef, WatchedTask
from tui.store.watchlist import HEADER, Watchlist

T0 = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


def task(ref: str, name: str | None = None, **kw) -> WatchedTask:
    return WatchedTask(TaskRef.parse(ref), name, added=kw.pop("added", T0), **kw)


@pytest.fixture
def wl(tmp_path: Path) -> Watchlist:
    return Watchlist(tmp_path / "cfg" / "watchlist.toml")


def test_missing_file_is_an_empty_list(wl: Watchlist) -> None:
    assert wl.load() == [] and wl.tasks == []
    assert not wl.path.parent.exists()


def test_round_trip_of_every_field(wl: Watchlist) -> None:
    entries = [
        task("check:2b31ed520xxxxxxebedb6e57xxxxxxxx", 'nightly "scan" \\ ünïcode ✓'),
        task("build:job_1-a", None, profile="prod-eu", paused=True),
        task("dws:05f2cff45100d5112f4bc00b794ea08e/job9", "dws job", added=datetime(2025, 5, 1, 23, 59, 58, 123456, tzinfo=UTC)),
        task("dws:lonejob", "no project yet"),
    ]
    for e in entries:
        wl.add(e)
    again = Watchlist(wl.path).load()
    assert again == entries
    text = wl.path.read_text()
    assert text.startswith(HEADER) and "version = 1\n" in text
    assert tomllib.loads(text)["task"][1] == {"ref": "build:job_1-a", "profile": "prod-eu", "added": T0, "paused": True}


def test_add_fills_dws_project_and_time_and_cleans_name(wl: Watchlist) -> None:
    t = wl.add(WatchedTask(TaskRef.parse("dws:job1"), "a\x1b[31mb\nc"), default_project="proj1")
    assert t.key == "dws:proj1/job1" and t.name == "a [31mb c"
    assert t.added is not None and t.added.tzinfo is not None
    assert Watchlist(wl.path).load() == [t]


def test_a_name_with_invisible_characters_is_kept_and_written_escaped(wl: Watchlist) -> None:
    # Someone who `cat`s the file sees \u202e, not text reordered by a bidi override.
    name = "pay\u202estnemy\u200bap"
    wl.add(task("check:a", name))
    text = wl.path.read_text()
    assert "\u202e" not in text and "\u200b" not in text and 'name = "pay\\u202estnemy\\u200bap"' in text
    assert Watchlist(wl.path).load()[0].name == name


def test_new_file_folder_created_mode_0600_and_mode_kept(wl: Watchlist) -> None:
    wl.add(task("check:a"))
    assert stat.S_IMODE(wl.path.stat().st_mode) == 0o600
    wl.path.chmod(0o640)
    wl.add(task("check:b"))
    assert stat.S_IMODE(wl.path.stat().st_mode) == 0o640
    leftovers = [p.name for p in wl.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_mutations(wl: Watchlist) -> None:
    wl.add(task("check:a", "alpha"))
    wl.add(task("build:b", "beta"))
    with pytest.raises(AlreadyWatched, match="check:a is already in the watch list as 'alpha'") as info:
        wl.add(task("check:a", "other"))
    assert info.value.task.name == "alpha"
    assert wl.rename("alpha", "Alpha 2").name == "Alpha 2"
    assert wl.set_paused("check:a", True).paused is True
    assert wl.rename("build:b", "").name is None
    removed = wl.remove("Alpha 2")
    assert removed.key == "check:a"
    assert [t.key for t in Watchlist(wl.path).load()] == ["build:b"]
    with pytest.raises(WatchlistError, match="no watched task matches 'check:a'"):
        wl.remove("check:a")


def test_find_by_ref_name_and_ambiguity(wl: Watchlist) -> None:
    wl.add(task("check:a", "same"))
    wl.add(task("build:b", "same"))
    wl.add(task("dws:p1/j1", "Deploy"))
    fresh = Watchlist(wl.path)
    assert fresh.find("check:a").key == "check:a"
    assert fresh.find("dws:j1").key == "dws:p1/j1"
    assert fresh.find("deploy").key == "dws:p1/j1"
    with pytest.raises(WatchlistError, match=r"'same' matches 2 watched tasks \(check:a, build:b\)"):
        fresh.find("same")
    with pytest.raises(UserError, match="no watched task matches 'nothing'"):
        fresh.find("nothing")


def test_hand_written_old_style_file_loads_and_extras_survive(wl: Watchlist) -> None:
    wl.path.parent.mkdir(parents=True)
    wl.path.write_text(
        "# my own notes\n"
        "owner = 'me'\n"
        "[[task]]\n"
        "ref = 'check:a'   # literal string\n"
        "colour = 'red'\n"
        "[[task]]\n"
        'ref = "build:b"\n'
        "added = 2026-01-02\n"
        "[[task]]\n"
        'ref = "dws:p/j"\n'
        'added = "2026-01-03T10:00:00+02:00"\n'
        "[task.meta]\n"
        "x = 1\n"
    )
    tasks = wl.load()
    assert [t.key for t in tasks] == ["check:a", "build:b", "dws:p/j"]
    assert tasks[0].profile == "default" and tasks[0].paused is False and tasks[0].added is None
    assert tasks[1].added == datetime(2026, 1, 2, tzinfo=UTC)
    assert tasks[2].added == datetime(2026, 1, 3, 8, tzinfo=UTC)
    wl.add(task("check:new"))
    data = tomllib.loads(wl.path.read_text())
    assert data["owner"] == "me" and data["version"] == 1
    assert data["task"][0]["colour"] == "red" and data["task"][2]["meta"] == {"x": 1}
    assert [t.key for t in Watchlist(wl.path).load()] == ["check:a", "build:b", "dws:p/j", "check:new"]


def test_hand_edit_between_two_saves_survives(wl: Watchlist) -> None:
    wl.add(task("check:a", "alpha"))
    # The user edits the file while the app runs: renames a task and adds one.
    text = wl.path.read_text().replace('name = "alpha"', 'name = "edited"')
    wl.path.write_text(text + '\n[[task]]\nref = "build:hand"\n')
    assert wl.changed_on_disk()
    wl.add(task("check:b"))
    assert not wl.changed_on_disk()
    got = {t.key: t.name for t in Watchlist(wl.path).load()}
    assert got == {"check:a": "edited", "build:hand": None, "check:b": None}


def test_two_objects_in_one_process_merge(wl: Watchlist) -> None:
    a, b = Watchlist(wl.path), Watchlist(wl.path)
    a.load(), b.load()
    a.add(task("check:a"))
    b.add(task("check:b"))
    a.remove("check:a")
    assert [t.key for t in Watchlist(wl.path).load()] == ["check:b"]


BROKEN = [
    ("syntax", 'version = 1\n[[task]]\nref = "check:a\n', 3, "invalid TOML"),
    ("wrong type", 'version = 1\n\n[[task]]\nref = "check:a"\npaused = "yes"\n', 5, "task 1: paused must be true or false"),
    ("name type", 'version = 1\n[[task]]\nref = "check:a"\nname = 3\n', 4, "task 1: name must be text"),
    ("profile", 'version = 1\n[[task]]\nref = "check:a"\nprofile = "a b"\n', 4, "task 1: profile must be a profile name"),
    ("added", 'version = 1\n[[task]]\nref = "check:a"\nadded = "yesterday"\n', 4, "task 1: added must be a date and time"),
    ("unknown service", 'version = 1\n[[task]]\nref = "check:a"\n[[task]]\nref = "ecs:b"\n', 5, "task 2: unknown service 'ecs'"),
    ("bad id", 'version = 1\n[[task]]\nref = "check:a/../b"\n', 3, "task 1: check id 'a/../b' contains '/'"),
    ("ref type", 'version = 1\n[[task]]\nref = 5\n', 3, "task 1: ref must be text"),
    ("no ref", 'version = 1\n[[task]]\nname = "x"\n', 2, "task 1 has no ref"),
    ("duplicate", '[[task]]\nref = "check:a"\n[[task]]\nref = "build:b"\n[[task]]\nref = "check:a"\n', 6,
     "task 3: check:a is listed twice (also task 1)"),
    ("version", 'version = 2\n[[task]]\nref = "check:a"\n', 1, "unsupported version 2"),
    ("version type", 'version = "1"\n', 1, "version must be a whole number"),
    ("task type", 'task = "check:a"\n', 1, "task entries must be [[task]] tables"),
]


@pytest.mark.parametrize(("kind", "text", "line", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_reported_and_never_overwritten(wl: Watchlist, kind: str, text: str, line: int, words: str) -> None:
    wl.path.parent.mkdir(parents=True)
    wl.path.write_text(text)
    before = wl.path.read_bytes()
    with pytest.raises(WatchlistError) as info:
        wl.load()
    message = str(info.value)
    assert message.startswith(f"{wl.path}:{line}: "), message
    assert words in message and "\n" not in message
    for mutate in (
        lambda: wl.add(task("build:new")),
        lambda: wl.remove("check:a"),
        lambda: wl.rename("check:a", "x"),
        lambda: wl.set_paused("check:a", True),
    ):
        with pytest.raises(WatchlistError) as again:
            mutate()
        assert str(again.value) == message
        assert wl.path.read_bytes() == before


def test_watchlist_that_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "w.toml").mkdir()
    wl = Watchlist(tmp_path / "w.toml")
    with pytest.raises(WatchlistError, match="w.toml: is a folder"):
        wl.load()
    with pytest.raises(WatchlistError, match="w.toml: is a folder"):
        wl.add(task("check:a"))


def test_not_utf8(wl: Watchlist) -> None:
    wl.path.parent.mkdir(parents=True)
    wl.path.write_bytes(b'[[task]]\nref = "check:a"\nname = "\xff"\n')
    with pytest.raises(WatchlistError, match=r"watchlist.toml:3: not UTF-8 text"):
        wl.load()


def test_fast_reader_agrees_with_tomllib() -> None:
    rng = random.Random(7)
    pieces = [
        "[[task]]", "  [[ task ]]  # c", 'ref = "check:a"', "ref='x'", "paused = true", "paused=false",
        "version = 1", "n = 0", "n = 007", "n = 12_3", "added = 2026-01-01T00:00:00Z",
        "added = 2026-01-01 00:00:00.123+05:30", "added = 2026-13-01T00:00:00Z", "added = 2026-01-01T00:00:00",
        "# comment", "", "   ", 'name = "tab\there"', 'name = "esc\\"aped"', 'a.b = 1', "[t]", 'k = "x" y',
        "k = 1\r", "\tk = 'a' # t", "k = 2",
    ]
    for _ in range(3000):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        fast = fast_loads(text)
        if fast is None:
            continue
        assert fast == tomllib.loads(text), text


def test_stale_temp_files_are_cleaned(wl: Watchlist) -> None:
    wl.path.parent.mkdir(parents=True)
    stale = wl.path.parent / f".{wl.path.name}.abc123.tmp"
    stale.write_text("half a file")
    wl.add(task("check:a"))
    assert not stale.exists()


ADDER = """
import sys
from tui.model import TaskRef, WatchedTask
from tui.store.watchlist import Watchlist
w = Watchlist(sys.argv[1])
for i in range(100):
    w.add(WatchedTask(TaskRef.parse(f"check:{sys.argv[2]}-{i}")))
"""


def test_two_processes_adding_100_each_lose_nothing(wl: Watchlist) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", ADDER, str(wl.path), tag], env=env, stderr=subprocess.PIPE)
        for tag in ("p1", "p2")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    keys = {t.key for t in Watchlist(wl.path).load()}
    assert keys == {f"check:p{n}-{i}" for n in (1, 2) for i in range(100)}


def _saver(path: Path, tag: str, fd: int) -> None:
    """Child body: add tasks forever, reporting each one after its save returned."""
    w = Watchlist(path)
    os.write(fd, b"ready\n")
    n = 0
    while True:
        key = f"check:{tag}-{n}"
        w.add(WatchedTask(TaskRef.parse(key), f"task {n}"))
        os.write(fd, f"+{key}\n".encode())
        if len(w.tasks) > 40:  # keep the file small so each save is quick
            old = w.tasks[0].key
            os.write(fd, f"?{old}\n".encode())
            w.remove(old)
            os.write(fd, f"-{old}\n".encode())
        n += 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_random_moments_never_loses_a_saved_task(wl: Watchlist) -> None:
    """200 times: a process saving in a loop is killed; the file parses and holds every saved task."""
    rng = random.Random(1234)
    present: set[str] = set()
    absent: set[str] = set()
    for round_no in range(200):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(r)
                _saver(wl.path, f"r{round_no}", w)
            finally:
                os._exit(1)
        os.close(w)
        with os.fdopen(r, "rb") as pipe:
            assert pipe.readline() == b"ready\n"
            time.sleep(rng.uniform(0, 0.02))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            for raw in pipe.read().decode().splitlines():
                op, key = raw[0], raw[1:]
                if op == "+":
                    present.add(key)
                elif op == "?":  # a removal under way: either outcome is right
                    present.discard(key)
                else:
                    absent.add(key)
        data = tomllib.loads(wl.path.read_text()) if wl.path.exists() else {"task": []}
        on_disk = {t["ref"] for t in data.get("task", [])}
        assert present <= on_disk, f"round {round_no}: lost {present - on_disk}"
        assert not (absent & on_disk)
        present = on_disk
    assert len(present) > 0
    temps = [p for p in wl.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(temps) <= 1  # at most the last killed writer's


def test_symlinked_watchlist_stays_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "watchlist.toml"
    real.parent.mkdir()
    real.write_text('version = 1\n[[task]]\nref = "check:a"\n')
    link = tmp_path / "cfg" / "watchlist.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    Watchlist(link).add(task("check:b"))
    assert link.is_symlink()
    assert [t.key for t in Watchlist(real).load()] == ["check:a", "check:b"]


def test_quick_reader_agrees_with_the_full_parser(tmp_path: Path) -> None:
    from tui.store.watchlist import quick_read

    rng = random.Random(3)
    alphabet = ["a", "Z", " ", "é", "✓", '"', "\\", "\t", "#", "'", "]", "="]
    tasks = []
    for i in range(300):
        service = rng.choice(["check", "build", "dws"])
        ref = f"dws:p{i}/j{i}" if service == "dws" and i % 2 else f"{service}:t{i}"
        name = rng.choice([None, "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8)))])
        added = rng.choice([None, T0, T0.replace(microsecond=rng.randint(0, 999999))])
        tasks.append(WatchedTask(TaskRef.parse(ref), name, rng.choice(["default", "p-2"]), added, rng.random() < 0.3))
    path = tmp_path / "w.toml"
    for chunk in range(0, 300, 30):
        wl = Watchlist(path)
        wl.tasks = tasks[chunk:chunk + 30]
        wl.save()
        text = path.read_text()
        quick = quick_read(text)
        # A comment after the last task is a hand edit: the full TOML parser reads the file.
        path.write_text(text + "# edited by hand\n")
        assert quick_read(path.read_text()) is None
        full = Watchlist(path).load()
        assert full == tasks[chunk:chunk + 30]
        if quick is not None:
            assert quick.tasks == full
    wl = Watchlist(path)
    wl.tasks = [t for t in tasks if not t.name or t.name.isalnum()]
    wl.save()
    assert quick_read(path.read_text()) is not None  # the common case does take the quick path
