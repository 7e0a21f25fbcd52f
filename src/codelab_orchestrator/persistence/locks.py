"""Cross-process locks around one-time database set-up (schema migrations, the
checkpointer's tables), so any number of processes may start on a fresh database at once.

PostgreSQL: a session-level advisory lock on a dedicated connection, taken by
polling ``pg_try_advisory_lock``. Not the blocking ``pg_advisory_lock``: the
checkpointer's set-up runs ``CREATE INDEX CONCURRENTLY``, which waits for every
transaction holding an older snapshot, and a process blocked in
``SELECT pg_advisory_lock(...)`` holds one while it waits for us: both would wait
for ever, and PostgreSQL cannot see the cycle (the lock and the index build are on
two different connections of the holder). A poll is a short statement, so the
index build only waits for it a moment.

SQLite: ``flock`` on a ``<database>.lock`` file beside the database (the file is
left in place: deleting lock files reopens the race). An in-memory database is
private to its connection: nothing to lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from .settings import is_postgres, libpq_url, sqlite_path

LOCK_TIMEOUT_S = 300.0
_POLL_S = (0.02, 0.1)  # jittered poll interval while another process holds the lock


class SetupLockTimeout(TimeoutError):
    pass


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name`` (PostgreSQL's bigint)."""
    digest = hashlib.blake2b(f"codelab:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_file(url: str) -> Path | None:
    path = sqlite_path(url)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".lock")


def _timeout(name: str) -> SetupLockTimeout:
    return SetupLockTimeout(f"waited {LOCK_TIMEOUT_S:.0f} s for the {name} set-up lock held by "
                            "another process: is one stuck?")


@contextmanager
def setup_lock(url: str, name: str) -> Iterator[None]:
    """Hold the cross-process lock ``name`` of the database at ``url`` (blocking)."""
    if is_postgres(url):
        import psycopg  # noqa: PLC0415

        key = advisory_key(name)
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while not (conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone() or [0])[0]:
                if time.monotonic() > deadline:
                    raise _timeout(name)
                time.sleep(random.uniform(*_POLL_S))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        return
    path = lock_file(url)
    if path is None:
        yield
        return
    with _flocked(path):
        yield


@contextmanager
def _flocked(path: Path) -> Iterator[None]:
    import fcntl  # noqa: PLC0415 - POSIX only, like the rest of the sandboxing

    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@asynccontextmanager
async def async_setup_lock(url: str, name: str) -> AsyncIterator[None]:
    """The asyncio twin of :func:`setup_lock`: waiting never blocks the event loop."""
    if is_postgres(url):
        import psycopg  # noqa: PLC0415

        key = advisory_key(name)
        async with await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True) as conn:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
                if row and row[0]:
                    break
                if time.monotonic() > deadline:
                    raise _timeout(name)
                await asyncio.sleep(random.uniform(*_POLL_S))
            try:
                yield
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
        return
    path = lock_file(url)
    if path is None:
        yield
        return
    import fcntl  # noqa: PLC0415

    with open(path, "a+b") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
