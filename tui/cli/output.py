"""Standard output of the headless commands: lines that survive a reader who stops reading (`| head`).

A closed pipe is not an error of hcwatch: the command ends quietly with the status it would
have had (DESIGN.md). Once stdout is gone it is pointed at /dev/null, so neither a later line
nor the interpreter's last flush can raise again or print "Exception ignored" at exit.
"""

from __future__ import annotations

import os
import shutil
import sys


class Stdout:
    """Writes lines to sys.stdout; remembers when the reader went away."""

    def __init__(self) -> None:
        self.closed = False

    def reset(self) -> None:
        """A new command starts with a reader (tests run many commands in one process)."""
        self.closed = False

    def say(self, text: str) -> None:
        """Print one line (flushed: a follower reads each change as it happens)."""
        if self.closed:
            return
        try:
            print(text, file=sys.stdout, flush=True)
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        self.closed = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # no file descriptor behind sys.stdout (tests capture it)
            pass

    @staticmethod
    def width() -> int | None:
        """Columns of the terminal stdout is on; None when it is a pipe or a file (full width)."""
        try:
            if not sys.stdout.isatty():
                return None
        except (AttributeError, ValueError):
            return None
        return shutil.get_terminal_size().columns


STDOUT = Stdout()
