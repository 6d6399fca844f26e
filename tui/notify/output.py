"""Where escape sequences go from `hcwatch watch`: the controlling terminal, else stderr if it is one; never stdout."""

from __future__ import annotations

import contextlib
import os
import sys


class TerminalOutput:
    """Writes to /dev/tty (or a terminal on stderr), so `--json` on stdout stays clean."""

    def __init__(self, fd: int | None, path: str, owned: bool) -> None:
        self.fd = fd
        self.path = path    # "/dev/tty", "stderr" or "none", for `notify test`
        self._owned = owned

    @classmethod
    def open(cls) -> TerminalOutput:
        """The terminal to write to; one whose fd is None when there is none (cron, CI)."""
        with contextlib.suppress(OSError):
            return cls(os.open("/dev/tty", os.O_WRONLY | os.O_NOCTTY), "/dev/tty", True)
        stderr = sys.stderr
        with contextlib.suppress(Exception):
            if stderr is not None and stderr.isatty():
                return cls(stderr.fileno(), "stderr", False)
        return cls(None, "none", False)

    @property
    def available(self) -> bool:
        return self.fd is not None

    def write(self, text: str) -> None:
        if self.fd is None or not text:
            return
        data = text.encode("utf-8", "replace")
        with contextlib.suppress(OSError):
            while data:
                n = os.write(self.fd, data)
                data = data[n:]

    def close(self) -> None:
        if self._owned and self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
        self.fd = None
