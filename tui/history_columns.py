"""How a change history's columns are packed small: messages numbered in a table, progress in 4 bytes."""

from __future__ import annotations

from array import array
from typing import Any

__all__ = ["H_MAX", "number_messages", "own_table", "pack_progress"]

H_MAX = 65535  # the last message number 2 bytes hold (array 'H'); a larger table is numbered in 4 ('I')


def own_table(mi: array[int], ms: list[Any], lo: int, hi: int, shared: bool = False) -> tuple[array[int], list[Any]]:
    """The numbers of positions lo..hi renumbered into a table of just the messages they use.

    The table is `ms` itself when they use all of it and it is not `shared` with other logs (a
    table is only ever appended to, so the views that share it stay valid).
    """
    part = mi[lo:hi]
    used = dict.fromkeys(part)  # table positions in first use
    if len(used) == len(ms):
        return part, ms[:] if shared else ms
    table = list(map(ms.__getitem__, used))
    renumber = dict(zip(used, range(len(used)), strict=True))
    return array("H" if len(table) <= H_MAX + 1 else "I", map(renumber.__getitem__, part)), table


def number_messages(messages: list[Any], memo: dict[str, str] | None = None) -> tuple[array[int], list[Any]]:
    """(numbers, table) of a column of messages: equal messages get one number (and, by `memo`, one string)."""
    used = dict.fromkeys(messages)
    table = list(map(memo.setdefault, used, used)) if memo is not None else list(used)
    numbers = dict(zip(used, range(len(used)), strict=True))
    return array("H" if len(table) <= H_MAX + 1 else "I", map(numbers.__getitem__, messages)), table


def pack_progress(values: list[float]) -> array[float]:
    """A column of progress values (NaN for none) in 4 bytes each when every one is exact in them, else 8."""
    wide = array("d", values)
    narrow = array("f", wide)
    return narrow if array("d", narrow).tobytes() == wide.tobytes() else wide
