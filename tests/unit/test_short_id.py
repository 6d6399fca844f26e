"""The one middle cut of ids and REFs (table, `list`) and its way back as a REF (`rename`, `remove`)."""

from __future__ import annotations

import pytest

from tui.errors import WatchlistError
from tui.model import TaskRef, WatchedTask, short_id, short_id_matches
from tui.store.watchlist import Watchlist

A = "2c9080e8845b207101845b245e1e0001"
B = "2c9080e8845b207101845b245e1e0002"
PROJECT = "05f2cff45100d5112f4bc00b794ea08e"


def test_two_ids_of_one_project_stay_apart_when_cut():
    for width in (12, 16, 23):
        a, b = short_id(A, width), short_id(B, width)
        assert len(a) == width and a != b and "…" in a
        assert short_id_matches(a, A) and not short_id_matches(a, B)
    assert short_id(A, 40) == A


def test_a_cut_does_not_match_an_id_it_is_not_a_cut_of():
    assert not short_id_matches("2c90…0001", "ffff" + A[4:])
    assert not short_id_matches("2c90", A)          # a prefix alone is not a cut
    assert short_id_matches("2c90...0001", A)       # three dots typed for the ellipsis


@pytest.fixture
def watchlist(tmp_path) -> Watchlist:
    wl = Watchlist(tmp_path / "watchlist.toml")
    wl.load()
    for job in (A, B):
        wl.add(WatchedTask(TaskRef.parse(f"dws:{PROJECT}/{job}")))
    return wl


def test_the_tables_and_lists_cuts_name_their_task(watchlist):
    key_b = f"dws:{PROJECT}/{B}"
    assert watchlist.find(short_id(B, 23)).key == key_b           # the table's name cell
    assert watchlist.find(f"dws:{short_id(B, 12)}").key == key_b  # with its service
    assert watchlist.find(short_id(key_b, 30)).key == key_b       # a REF cut as `list` used to print it
    assert watchlist.rename(short_id(B, 16), "second").name == "second"


def test_a_cut_that_fits_two_tasks_is_refused_naming_both(watchlist):
    with pytest.raises(WatchlistError, match="matches 2 watched tasks") as caught:
        watchlist.find("2c9080e8…")
    assert A in str(caught.value) and B in str(caught.value)
    with pytest.raises(WatchlistError, match="no watched task matches"):
        watchlist.find("2c9080e8…e1e000")  # a cut of neither
