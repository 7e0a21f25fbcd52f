"""Checkpointer factory: SQLite by default, PostgreSQL for a ``postgresql://`` URL.

The savers use a strict serializer (only LangGraph's safe types); the graph
adds its own state types with ``with_allowlist`` when it is compiled, so a
checkpoint can never make this process import an arbitrary class.
``setup()`` creates or migrates the saver's tables: it runs once per URL per
process, under a cross-process lock (:mod:`.locks`) so that any number of
processes may start on a fresh database at once (unlocked, concurrent set-ups on
PostgreSQL die on ``checkpoint_migrations_pkey``). Connections are closed on exit.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from .errors import connect_timeout, unavailable
from .locks import async_setup_lock, setup_lock
from .settings import checkpoint_url, is_postgres, libpq_url, sqlite_path

if TYPE_CHECKING:  # LangGraph is imported when a saver is made, after the database answered
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

_setup_done: set[str] = set()
# What PostgresSaver needs of its connections (autocommit for CREATE INDEX CONCURRENTLY,
# dict rows), and no server-side prepared statements so poolers like PgBouncer work.
PG_CONNECTION_KWARGS = {"autocommit": True, "prepare_threshold": 0}
_setup_lock = threading.Lock()
LOCK_NAME = "checkpointer-setup"


def strict_serde() -> JsonPlusSerializer:
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer  # noqa: PLC0415

    return JsonPlusSerializer(allowed_msgpack_modules=None)


def _once(url: str, setup: object) -> None:
    with _setup_lock:
        if url not in _setup_done:
            with setup_lock(url, LOCK_NAME):
                setup()  # type: ignore[operator]
            _setup_done.add(url)


def _setting() -> str:
    for var in ("CODELAB_CHECKPOINT_URL", "DATABASE_URL"):
        if os.environ.get(var):
            return var
    return "CODELAB_HOME"


def _sqlite_target(url: str) -> str:
    path = sqlite_path(url)
    if path is None:
        return ":memory:"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise unavailable("sessions", url, _setting(), exc) from None
    return str(path)


def _probe_postgres(url: str) -> None:
    """One direct connection first: a wrong URL fails now, in one line, instead of a pool
    retrying in the background until its 30 s timeout."""
    import psycopg  # noqa: PLC0415

    try:
        psycopg.connect(libpq_url(url), connect_timeout=max(2, math.ceil(connect_timeout()))).close()
    except psycopg.OperationalError as exc:
        raise unavailable("sessions", url, _setting(), exc) from None


async def _probe_postgres_async(url: str) -> None:
    import psycopg  # noqa: PLC0415

    try:
        conn = await psycopg.AsyncConnection.connect(
            libpq_url(url), connect_timeout=max(2, math.ceil(connect_timeout())))
        await conn.close()
    except psycopg.OperationalError as exc:
        raise unavailable("sessions", url, _setting(), exc) from None


@contextmanager
def _sqlite_errors(url: str) -> Iterator[None]:
    """A file that cannot be opened or written (a directory in the way, read-only): one line."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise unavailable("sessions", url, _setting(), exc) from None


@contextmanager
def open_checkpointer(url: str | None = None) -> Iterator[BaseCheckpointSaver]:
    """A ready-to-use synchronous saver for ``url`` (default :func:`checkpoint_url`)."""
    url = url or checkpoint_url()
    if is_postgres(url):
        _probe_postgres(url)
        from langgraph.checkpoint.postgres import PostgresSaver  # noqa: PLC0415
        from psycopg.rows import dict_row  # noqa: PLC0415
        from psycopg_pool import ConnectionPool  # noqa: PLC0415

        pool = ConnectionPool(
            libpq_url(url),
            min_size=1,
            max_size=10,
            kwargs={**PG_CONNECTION_KWARGS, "row_factory": dict_row},
            open=True,
        )
        try:
            saver = PostgresSaver(pool, serde=strict_serde())  # type: ignore[arg-type]
            _once(url, saver.setup)
            yield saver
        finally:
            pool.close()
        return

    with _sqlite_errors(url):
        conn = sqlite3.connect(_sqlite_target(url), check_same_thread=False, timeout=30)
    from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: PLC0415

    try:
        conn.execute("PRAGMA busy_timeout=30000")
        sqlite_saver = SqliteSaver(conn, serde=strict_serde())
        with _sqlite_errors(url), setup_lock(url, LOCK_NAME):  # a new file to WAL: needs it alone
            conn.execute("PRAGMA journal_mode=WAL")
            sqlite_saver.setup()  # cheap and idempotent; the connection is new
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL: survives a process crash, fewer fsyncs
        yield sqlite_saver
    finally:
        conn.close()


@asynccontextmanager
async def open_async_checkpointer(url: str | None = None) -> AsyncIterator[BaseCheckpointSaver]:
    """The asyncio twin of :func:`open_checkpointer` (AsyncSqliteSaver / AsyncPostgresSaver)."""
    url = url or checkpoint_url()
    if is_postgres(url):
        await _probe_postgres_async(url)
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver  # noqa: PLC0415
        from psycopg.rows import dict_row  # noqa: PLC0415
        from psycopg_pool import AsyncConnectionPool  # noqa: PLC0415

        pool = AsyncConnectionPool(
            libpq_url(url),
            min_size=1,
            max_size=10,
            kwargs={**PG_CONNECTION_KWARGS, "row_factory": dict_row},
            open=False,
        )
        await pool.open()
        try:
            saver = AsyncPostgresSaver(pool, serde=strict_serde())  # type: ignore[arg-type]
            if url not in _setup_done:
                async with async_setup_lock(url, LOCK_NAME):
                    await saver.setup()
                _setup_done.add(url)
            yield saver
        finally:
            await pool.close()
        return

    import aiosqlite  # noqa: PLC0415
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver  # noqa: PLC0415

    with _sqlite_errors(url):
        conn = await aiosqlite.connect(_sqlite_target(url), timeout=30)
    try:
        await conn.execute("PRAGMA busy_timeout=30000")
        async_saver = AsyncSqliteSaver(conn, serde=strict_serde())
        with _sqlite_errors(url):
            async with async_setup_lock(url, LOCK_NAME):
                await conn.execute("PRAGMA journal_mode=WAL")
                await async_saver.setup()
        await conn.execute("PRAGMA synchronous=NORMAL")
        yield async_saver
    finally:
        await conn.close()
