"""The hard deadline on leaving: once asked to exit, the process is gone within seconds, its state saved first.

Textual's shutdown can hang for good when the terminal dies under it: its writer thread
ends on EIO, the queue of screen updates it left stays full, and the next write (the
shutdown's own "mouse off", before any Unmount handler has run) waits on `queue.put`
forever at 0 % CPU. Nothing on the event loop runs after that, so neither the signal
handlers asyncio dispatches nor a Textual timer can help. The deadline is a plain thread:
armed on any exit request (a key, a signal, a lost tty), it saves the state itself, puts
the terminal back as it found it when it can, and ends the process with os._exit.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

DEADLINE_SECONDS = 5.0  # the normal shutdown (polls stopped, state written) takes well under one
SAVE_SECONDS = 2.0  # a save that hangs (a dead network folder) must not hold the exit
# Leave the alternate screen, show the cursor, stop mouse reports, as Textual would on the way out.
RESET = "\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?2004l"


def _quiet(action: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):
        action()


def _bounded(action: Callable[[], object], seconds: float) -> None:
    """Run action in a daemon thread and wait at most `seconds` for it (it may be stuck in a write)."""
    worker = threading.Thread(target=_quiet, args=(action,), daemon=True, name="hcwatch-deadline-step")
    worker.start()
    worker.join(seconds)


class Deadline:
    """Ends the process `seconds` after `arm()` unless it has ended by then; `save` runs first (from a thread)."""

    def __init__(self, save: Callable[[], object], *, cleanup: Callable[[], object] | None = None,
                 seconds: float = DEADLINE_SECONDS, tty_fd: int | None = None, tty_mode: list | None = None,
                 exit: Callable[[int], object] = os._exit) -> None:
        self.save = save
        self.cleanup = cleanup  # last, just before the exit (the demo's temporary folder)
        self.seconds = seconds
        self.tty_fd = tty_fd
        self.tty_mode = tty_mode  # termios attributes from before the app started
        self._exit = exit
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.code = 0

    @property
    def armed(self) -> bool:
        return self._thread is not None

    def arm(self, code: int, *, save_now: bool = False) -> None:
        """Start the clock (the first call only; later ones can still ask for a save now).

        `save_now` is for a lost terminal: the normal shutdown will most likely not get as far
        as saving, and whatever killed the terminal may kill the process next.
        """
        with self._lock:
            if self._thread is None:
                self.code = code
                self._thread = threading.Thread(target=self._run, args=(save_now,), daemon=True,
                                                name="hcwatch-deadline")
                self._thread.start()
                return
        if save_now:  # from a signal handler perhaps: never wait here
            threading.Thread(target=_quiet, args=(self.save,), daemon=True, name="hcwatch-save").start()

    def _run(self, save_now: bool) -> None:
        if save_now:
            _bounded(self.save, SAVE_SECONDS)
        threading.Event().wait(self.seconds)
        self.expire()

    def expire(self) -> None:
        """The normal shutdown took too long: save, give the terminal back, leave now."""
        _bounded(self.save, SAVE_SECONDS)
        if self.cleanup is not None:
            _bounded(self.cleanup, SAVE_SECONDS)
        _bounded(self._restore_terminal, 0.5)
        self._exit(self.code)

    def _restore_terminal(self) -> None:
        if self.tty_fd is None or self.tty_mode is None:
            return
        import termios

        with contextlib.suppress(OSError, termios.error):
            termios.tcsetattr(self.tty_fd, termios.TCSANOW, self.tty_mode)
        with contextlib.suppress(OSError):
            os.write(self.tty_fd, RESET.encode())  # may block on a stuck terminal: we are in a daemon thread


def for_terminal(save: Callable[[], object], cleanup: Callable[[], object] | None = None,
                 seconds: float = DEADLINE_SECONDS) -> Deadline:
    """A Deadline that knows the terminal on stdin and its mode now (before Textual changes it)."""
    import sys
    import termios

    fd: int | None = None
    mode = None
    with contextlib.suppress(Exception):
        stdin = sys.__stdin__
        candidate = stdin.fileno() if stdin is not None else -1
        if candidate >= 0 and os.isatty(candidate):
            mode = termios.tcgetattr(candidate)
            fd = candidate
    return Deadline(save, cleanup=cleanup, seconds=seconds, tty_fd=fd, tty_mode=mode)
