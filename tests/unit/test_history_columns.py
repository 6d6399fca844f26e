"""A history's columns packed small (tui.history_columns): numbered messages and 4-byte progress, read back exactly."""

from __future__ import annotations

import random
import sys
from array import array
from datetime import UTC, datetime, timedelta

from tui.history import ChangeLog
from tui.history_columns import number_messages, pack_progress
from tui.model import Change, Phase, TaskRef

REF = TaskRef.parse("check:2b31ed520ebedb6e57")
OTHER = TaskRef.parse("build:7c1c0dbd3b2f4d6c9b5e4f1a2b3c4d5e")
T0 = datetime(2026, 1, 31, 9, 30, 15, 123456, tzinfo=UTC)


def change(i: int, message: str, progress: float | None = None, ref: TaskRef = REF) -> Change:
    return Change(ref, Phase.RUNNING, Phase.RUNNING, T0 + timedelta(seconds=i), False, progress, message, False)


def held_bytes(log: ChangeLog) -> int:
    """What a log's columns hold (the arrays and the table list, not the strings they share)."""
    v = log.view()
    return sum(sys.getsizeof(a) for a in (v._t, v._c, v._p, v._mi, v._ms))


def test_messages_that_repeat_alternate_or_never_repeat_all_come_back_in_place() -> None:
    rng = random.Random(4)
    kinds = [lambda i: "scanning", lambda i: ("queued", "scanning")[i % 2], lambda i: f"#{i} succeeded in 4m0{i % 10}s",
             lambda i: rng.choice(["a", "b", "c", "d", "e", "f", "g"])]
    for kind in kinds:
        log = ChangeLog(50)
        appended: list[Change] = []
        views = []
        for i in range(400):
            c = change(i, kind(i), rng.choice([None, 12.5, 100.0]))
            log.append(c)
            appended.append(c)
            if i % 37 == 0:
                views.append((log.view(), appended[-50:]))
            assert log[-1] == c
        assert list(log) == appended[-50:]
        for view, expected in views:  # views handed out before compactions renumbered the table
            assert list(view) == expected


def test_a_repeated_message_is_one_string_and_costs_no_table_entry() -> None:
    log = ChangeLog(200, [change(i, "scanning " + "x" * (i // 100), float(i)) for i in range(200)])
    v = log.view()
    assert len(v._ms) == 2 and len({id(c.message) for c in log}) == 2


def test_a_log_of_200_changes_holds_about_15_bytes_a_change() -> None:
    log = ChangeLog(200, [change(i, f"step {i // 10}", float(i % 101)) for i in range(1000)])
    assert len(log) == 200
    # time 8 + code 1 + progress 4 + message number 2, plus the arrays' headers and the compaction's slack.
    assert held_bytes(log) <= 200 * 15 * 1.125 + 600


def test_a_progress_4_bytes_cannot_hold_widens_the_log_and_every_value_stays_exact() -> None:
    log = ChangeLog(200)
    exact = [change(i, "m", float(i)) for i in range(10)]
    log.extend(exact)
    before = log.view()
    assert before._p.typecode == "f"
    third = change(10, "m", 1 / 3)
    log.append(third)
    log.extend(change(11 + i, "m", 0.1 * i) for i in range(5))
    assert [c.progress for c in log] == [c.progress for c in exact] + [1 / 3] + [0.1 * i for i in range(5)]
    assert list(before) == exact  # a view handed out before keeps its values
    huge = ChangeLog(5, [change(0, "m", 1e300), change(1, "m", -1e-300)])
    assert [c.progress for c in huge] == [1e300, -1e-300]


def test_more_than_65535_different_messages_in_one_log_are_numbered_in_4_bytes() -> None:
    n = 70_000
    log = ChangeLog(100_000)
    for i in range(n):
        log.append(change(i, f"m{i}"))
    v = log.view()
    assert v._mi.typecode == "I" and len(v) == n
    assert v[0].message == "m0" and v[65_535].message == "m65535" and v[65_536].message == "m65536"
    assert v[-1].message == f"m{n - 1}"
    assert v.columns()[3] == [f"m{i}" for i in range(n)]


def test_logs_loaded_over_one_table_keep_their_messages_when_each_goes_on() -> None:
    a = [change(i, m, 50.0) for i, m in enumerate(["x", "y", "x"])]
    b = [change(i, m, 1 / 3, OTHER) for i, m in enumerate(["y", "x"])]
    every = a + b
    times = array("q", [(c.at - datetime(2020, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) for c in every])
    codes = array("B", [9] * len(every))  # running -> running, minor
    numbers, table = number_messages([c.message for c in every])
    assert table == ["x", "y"] and list(numbers) == [0, 1, 0, 1, 0]
    log_a, log_b = ChangeLog.loaded(200, [REF, OTHER], [3, 2], times, codes,
                                    pack_progress([c.progress for c in every]), numbers, table)
    assert list(log_a) == a and list(log_b) == b
    more_a, more_b = change(5, "z", 50.0), change(6, "w", None, OTHER)
    log_a.append(more_a)
    log_b.append(more_b)
    log_a.append(change(7, "y", 50.0))
    assert list(log_a) == [*a, more_a, change(7, "y", 50.0)]
    assert list(log_b) == [*b, more_b]
    assert table == ["x", "y"]  # the load's table is not written to


def test_a_column_is_packed_in_4_bytes_only_when_every_value_survives_it() -> None:
    assert pack_progress([0.0, 12.5, 100.0, float("nan")]).typecode == "f"
    for odd in (0.1, 1e300, 1 / 3):
        packed = pack_progress([50.0, odd])
        assert packed.typecode == "d" and packed[1] == odd
    memo = {"x": "x"}
    numbers, table = number_messages(["x", "y", "x", "y", "z"], memo)
    assert list(numbers) == [0, 1, 0, 1, 2] and table == ["x", "y", "z"] and table[0] is memo["x"]
