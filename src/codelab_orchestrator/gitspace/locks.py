"""Serialising our git operations on one repository, across threads and processes.

Git itself only guards a single write with ``*.lock`` files and fails (rather
than waits) when one exists. We wrap each of our read-modify-write sequences
(merge into the integration ref, create or move a worktree, record a base) in
a :class:`FileLock`: a ``flock`` on a file in the data directory plus a
thread lock. The kernel drops a ``flock`` when its process dies, so a held
lock is never stale; a git ``*.lock`` file that we find *while holding ours*
in a place only we write was left by a killed process, and is removed
(:func:`clear_stale`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

try:  # POSIX; elsewhere the thread lock alone serialises one process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

_registry_guard = threading.Lock()
_registry: dict[str, _Entry] = {}


class _Entry:
    """One lock file's in-process state: a re-entrant thread lock and the open descriptor."""

    def __init__(self) -> None:
        self.rlock = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


class FileLock:
    """Exclusive, re-entrant within a thread, shared by every object naming the same file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        key = str(self.path.resolve()) if self.path.exists() else str(self.path.absolute())
        with _registry_guard:
            self._entry = _registry.setdefault(key, _Entry())

    def __enter__(self) -> FileLock:
        entry = self._entry
        entry.rlock.acquire()
        try:
            if entry.depth == 0:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
                if fcntl is not None:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX)
                    except BaseException:
                        os.close(fd)
                        raise
                entry.fd = fd
            entry.depth += 1
        except BaseException:
            entry.rlock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        entry = self._entry
        entry.depth -= 1
        if entry.depth == 0 and entry.fd is not None:
            fd, entry.fd = entry.fd, None
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        entry.rlock.release()


def clear_stale(paths: Iterable[Path]) -> list[Path]:
    """Remove the given git ``*.lock`` files if present; return those removed.

    Call only while holding the :class:`FileLock` that every writer of those
    files holds: then nobody alive can own them.
    """
    removed = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def stale_ref_locks(common_dir: Path, prefix: str) -> Iterator[Path]:
    """``*.lock`` files under ``refs/<prefix>`` (our private namespace) in ``common_dir``."""
    root = common_dir / prefix
    if root.is_dir():
        yield from root.rglob("*.lock")
