"""Crash-safe file writes and inter-process file locks, shared by the watch list and the state store."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

try:  # POSIX only; elsewhere the lock degrades to a no-op rather than failing.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

NEW_FILE_MODE = 0o600
NEW_DIR_MODE = 0o700


def ensure_dir(folder: Path) -> None:
    """Create a folder (and parents) private to the user if it does not exist yet."""
    folder.mkdir(parents=True, exist_ok=True, mode=NEW_DIR_MODE)


def real_path(path: Path) -> Path:
    """The file a (possibly symlinked) path names: saving must replace the target, not the link.

    Dotfile managers often symlink config files; os.replace on the link would swap the link
    for a plain file and silently detach it from the user's dotfiles repository.
    """
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def lock_path(path: Path) -> Path:
    """The sidecar lock file of `path`: `.NAME.lock` in the same folder."""
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`'s sidecar lock file (blocking) for the duration.

    A sidecar is locked rather than the file itself because the file is replaced by
    rename on every save: a lock on the old inode would not exclude the next writer.
    """
    path = real_path(path)
    ensure_dir(path.parent)
    fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, NEW_FILE_MODE)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        # Closing the descriptor releases the flock; the kernel does the same if we are killed.
        os.close(fd)


def remove_stale_temps(path: Path) -> None:
    """Delete temporary files left by a writer that was killed mid-save.

    Only call this while holding `locked(path)`: every writer holds the lock while its
    temporary file exists, so any temporary file seen then belongs to a dead process.
    """
    path = real_path(path)
    prefix = _tmp_prefix(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(".tmp"):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `path` with `data` so that readers see the old file or the new one, never a mix.

    Temporary file in the same folder, flush + fsync, rename over, fsync the folder.
    The file's permission bits are kept; a new file is created 0600. `data` may come in
    pieces (written as they come, so the whole file need not be in memory at once).
    """
    path = real_path(path)
    ensure_dir(path.parent)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes | bytearray | memoryview):
                fh.write(data)
            else:
                for piece in data:
                    fh.write(piece)
            fh.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
