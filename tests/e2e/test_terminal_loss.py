"""The terminal dies under a busy TUI (a real pty whose master is closed): the process leaves within
seconds, its state saved and its watch list intact (issue 10, item 2)."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.e2e.test_e2e import demo_refs, env, hc, simulator_port  # noqa: F401  (fixtures)
from tui.store.state import StateStore

HCWATCH = [sys.executable, "-m", "tui"]
# The app's deadline is 5 s; the rest is room for a machine shared by many test runs.
# Before the deadline existed the process was still there after 200 s, at 0 % CPU.
BOUND = 30.0


def spawn(args: list[str], environ: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """hcwatch on a new pty that is its controlling terminal (so closing the master sends SIGHUP)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 80, 250, 0, 0))
    proc = subprocess.Popen(HCWATCH + args, stdin=slave, stdout=slave, stderr=slave,
                            env={**environ, "TERM": "xterm-256color"}, start_new_session=True,
                            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(slave)
    return proc, master


def read_for(master: int, seconds: float) -> bytes:
    got = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if select.select([master], [], [], 0.05)[0]:
            try:
                got += os.read(master, 65536)
            except OSError:
                break
    return got


def stuck_writing(pid: int) -> bool:
    """True when the app's main thread waits on a lock (Textual's full write queue, or the GIL), not its loop."""
    try:
        return "futex" in Path(f"/proc/{pid}/task/{pid}/wchan").read_text()
    except OSError:
        return False


def make_busy(proc: subprocess.Popen, master: int, seconds: float = 5.0) -> bool:
    """Keys that repaint the whole screen, 30 a second for `seconds`, while nobody reads.

    The pty fills, Textual's writer thread blocks in a write, its queue fills behind it, and
    the terminal then dies under all of that. Returns whether the main thread was left
    waiting on a lock at the end (the write queue, or the GIL): for the record only.
    """
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        os.write(master, b"isj")
        time.sleep(0.03)
    return stuck_writing(proc.pid)


def kill_terminal_while_busy(proc: subprocess.Popen, master: int, quit_first: bool) -> float:
    """Let it paint, make it busy, maybe press q, then close the terminal; the seconds it took to exit after."""
    try:
        assert len(read_for(master, 8)) > 1000, "the TUI did not paint"
        stuck = make_busy(proc, master)
        print("stuck writing" if stuck else "not stuck", end=", ")
        if quit_first:
            os.write(master, b"q")
            time.sleep(0.5)
    finally:
        os.close(master)
    start = time.monotonic()
    try:
        proc.wait(timeout=BOUND)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"still running {BOUND:.0f} s after its terminal closed")
    return time.monotonic() - start


@pytest.mark.parametrize("quit_first", [True, False], ids=["after q", "without q"])
def test_demo_leaves_soon_after_its_terminal_dies(tmp_path, quit_first):
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HCWATCH_", "HUAWEICLOUD_"))}
    environ.update(HOME=str(tmp_path), TMPDIR=str(tmp_path))
    proc, master = spawn(["--demo"], environ)
    seconds = kill_terminal_while_busy(proc, master, quit_first)
    print(f"exited {proc.returncode} {seconds:.1f} s after the terminal closed")
    assert proc.returncode in (0, 129, -signal.SIGHUP)  # after q our handler is gone: SIGHUP ends it at once
    assert not list(tmp_path.glob("hcwatch-demo-*"))  # its temporary folder removed on the way out


def test_state_and_watch_list_survive_the_terminal_dying(env, tmp_path):  # noqa: F811
    for ref, name in demo_refs():
        assert hc(env, "add", ref, "--name", name).returncode == 0
    watchlist = Path(env["HCWATCH_WATCHLIST"])
    before = watchlist.read_bytes()
    state_dir = tmp_path / "state"
    proc, master = spawn([], {**env, "HCWATCH_STATE_DIR": str(state_dir)})
    seconds = kill_terminal_while_busy(proc, master, quit_first=False)
    print(f"exited {proc.returncode} {seconds:.1f} s after the terminal closed")
    assert proc.returncode == 129
    assert watchlist.read_bytes() == before
    saved = StateStore(state_dir).load()
    assert set(saved) == {ref for ref, _ in demo_refs()}
    assert all(s.snapshot is not None and s.snapshot.fetched_at is not None for s in saved.values())
