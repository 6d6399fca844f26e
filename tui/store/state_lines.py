"""The state file's task lines: read a chunk at a time, and written again from the old file where unchanged.

Reading: the lines are parsed a chunk (~64 KB) at a time, one json.loads per chunk, so what a load
leaves behind is the tasks, not a heap fragmented by every line's parsed values at once.
Writing: a line not changed since it was read or written is copied from the file on disk (its
place in it is remembered, ~50 bytes a task) rather than kept in memory as text (the whole file
again) or encoded again; if the file is not the one this process last read or wrote, every line
is encoded.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["CHUNK", "FileId", "OldFile", "file_id", "lines_of", "old_lines", "span", "write_order"]

CHUNK = 1 << 16  # bytes of lines parsed together: the temporaries of a load stay this small (256 KB left 1 MB more)


class FileId(NamedTuple):
    """Which file a remembered place is in: a write replaces the file (a new inode, size and time)."""

    dev: int
    ino: int
    size: int
    mtime_ns: int


def file_id(st: os.stat_result) -> FileId:
    return FileId(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def span(offset: int, length: int) -> int:
    """A line's place in the file as one int (offset, length)."""
    return offset << 32 | length


def lines_of(raw: bytes, start: int) -> Iterator[tuple[list[int], list[str], list[Any]]]:
    """The task lines after `start` (the end of the header line), a chunk at a time: their places
    in the file (span), texts and values.

    One json.loads over a chunk's lines joined into an array is a third faster than one per
    line; if anything is wrong with a line of the chunk, its values are None (each line is then
    parsed alone, so a damaged line loses only its task).
    """
    end = len(raw)
    pos = start
    while pos < end:
        stop = raw.find(b"\n", min(pos + CHUNK, end))
        stop = end if stop < 0 else stop
        spans: list[int] = []
        texts: list[str] = []
        offset = pos
        for line in raw[pos:stop].split(b"\n"):
            if line and not line.isspace():
                try:
                    texts.append(line.decode("utf-8"))
                except UnicodeDecodeError:
                    texts.append("\ufffd")  # not JSON: counted as an unreadable line
                spans.append(offset << 32 | len(line))
            offset += len(line) + 1
        pos = stop + 1
        try:
            values = json.loads("[" + ",".join(texts) + "]")
        except (ValueError, RecursionError):
            values = None
        if values is None or len(values) != len(texts):
            values = [None] * len(texts)
        yield spans, texts, values


class OldFile:
    """The file last read or written, open for reading lines back (os.pread: a file cut short meanwhile
    is an OSError, not a crash as a mapping of it would be, and nothing is held in memory)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size

    def read(self, offset: int, n: int) -> bytes:
        data = os.pread(self.fd, n, offset)
        if len(data) != n:
            raise OSError(f"{n - len(data)} bytes missing: the state file changed while it was saved")
        return data

    def close(self) -> None:
        os.close(self.fd)


def old_lines(path: Path, known: FileId | None) -> OldFile | None:
    """The file, open, if it is still the one `known` names."""
    if known is None or known.size == 0:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if file_id(os.fstat(fd)) == known:
            return OldFile(fd, known.size)
    except OSError:
        pass
    os.close(fd)
    return None


def write_order(header: bytes, keys: Iterable[str], kept: dict[str, int],
                old: OldFile | None, encode: Callable[[str], bytes | None], places: dict[str, int]) -> Iterator[bytes]:
    """The new file's bytes in pieces: the header, then each task's line and a newline; `places` gets each line's span.

    A line is copied from `old` at `kept[key]` (lines that follow each other there read back in one
    piece of about CHUNK bytes), else `encode(key)` (None: the task is gone, no line), called as the
    file is written so that a save holds one encoded line, not every changed task's (megabytes after
    a restart's first polls, which fragmented the heap). Every copied line is checked in the bytes
    read to be its task's, between two newlines: the FileId can match a file it does not name (an
    inode reused by another process's save on a filesystem with coarse times), and one unchecked
    line glued two tasks into one unreadable line. A line that fails is encoded instead.
    """
    yield header + b"\n"
    pos = len(header) + 1
    run: list[tuple[str, int, int]] = []  # (key, offset, length): lines next to each other in `old`

    def copied() -> bytes:
        nonlocal pos
        first, last = run[0][1], run[-1][1] + run[-1][2]
        data = old.read(first - 1, last - first + 2)  # type: ignore[union-attr]  # with the newlines around
        pieces: list[bytes] = []
        for key, off, n in run:
            at = off - first + 1
            head = b'["' + key.encode("utf-8") + b'",'
            if data[at - 1] == 10 and data[at + n] == 10 and data.startswith(head, at):
                line = data[at:at + n]
            else:
                line = encode(key)  # not in the file as remembered: encoded after all
                if line is None:
                    continue
            places[key] = pos << 32 | len(line)
            pos += len(line) + 1
            pieces += (line, b"\n")
        run.clear()
        return b"".join(pieces)

    size = 0 if old is None else old.size
    for key in keys:
        place = kept.get(key, 0)
        off, n = place >> 32, place & 0xFFFFFFFF
        if old is not None and off and off + n < size:
            if run and (off != run[-1][1] + run[-1][2] + 1 or off - run[0][1] >= CHUNK):
                yield copied()
            run.append((key, off, n))
            continue
        line = encode(key)
        if line is None:
            continue
        if run:
            yield copied()
        places[key] = pos << 32 | len(line)
        pos += len(line) + 1
        yield line + b"\n"
    if run:
        yield copied()
