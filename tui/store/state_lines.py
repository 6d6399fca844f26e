"""The state file's task lines: read a chunk at a time, and written again from the old file where unchanged.

Reading: the lines are parsed a chunk (~256 KB) at a time, one json.loads per chunk, so what a load
leaves behind is the tasks, not a heap fragmented by every line's parsed values at once.
Writing: a line not changed since it was read or written is copied from the file on disk (its
place in it is remembered, ~50 bytes a task) rather than kept in memory as text (the whole file
again) or encoded again; if the file is not the one this process last read or wrote, every line
is encoded.
"""

from __future__ import annotations

import json
import mmap
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["CHUNK", "FileId", "Line", "file_id", "lines_of", "old_lines", "span", "write_order"]

CHUNK = 1 << 18  # bytes of lines parsed together: the temporaries of a load stay this small


class FileId(NamedTuple):
    """Which file a remembered place is in: a write replaces the file (a new inode, size and time)."""

    dev: int
    ino: int
    size: int
    mtime_ns: int


def file_id(st: os.stat_result) -> FileId:
    return FileId(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class Line(NamedTuple):
    """One task line of a chunk: its place in the file (span), its text, its value (None: parse it alone)."""

    span: int
    text: str
    value: Any


def span(offset: int, length: int) -> int:
    """A line's place in the file as one int (offset, length)."""
    return offset << 32 | length


def lines_of(raw: bytes, start: int) -> Iterator[list[Line]]:
    """The task lines after `start` (the end of the header line), a chunk at a time.

    One json.loads over a chunk's lines joined into an array is a third faster than one per
    line; if anything is wrong with a line of the chunk, its values are None (each line is then
    parsed alone, so a damaged line loses only its task).
    """
    end = len(raw)
    pos = start
    while pos < end:
        stop = raw.find(b"\n", min(pos + CHUNK, end))
        stop = end if stop < 0 else stop
        lines: list[Line] = []
        texts: list[str] = []
        offset = pos
        for line in raw[pos:stop].split(b"\n"):
            if line and not line.isspace():
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    text = "\ufffd"  # not JSON: counted as an unreadable line
                texts.append(text)
                lines.append(Line(span(offset, len(line)), text, None))
            offset += len(line) + 1
        pos = stop + 1
        try:
            values = json.loads("[" + ",".join(texts) + "]")
        except (ValueError, RecursionError):
            values = None
        if values is not None and len(values) == len(lines):
            lines = [Line(s, t, v) for (s, t, _), v in zip(lines, values, strict=True)]
        yield lines


def old_lines(path: Path, known: FileId | None) -> mmap.mmap | None:
    """The file's contents (mapped, not read into memory) if it is still the one `known` names."""
    if known is None:
        return None
    try:
        with open(path, "rb") as fh:
            if file_id(os.fstat(fh.fileno())) != known or known.size == 0:
                return None
            return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def write_order(header: bytes, lines: Iterable[tuple[str, bytes]], places: dict[str, int]) -> Iterator[bytes]:
    """The file's bytes in pieces: the header, then each (key, line) with a newline; `places` gets each line's span."""
    yield header + b"\n"
    pos = len(header) + 1
    for key, line in lines:
        places[key] = span(pos, len(line))
        pos += len(line) + 1
        yield line
        yield b"\n"
