"""Engines for the agents database: one per URL per process, migrated on first use.

SQLite gets WAL and a busy timeout, and write transactions start with
``BEGIN IMMEDIATE``: a deferred transaction that reads and then writes fails
at once with "database is locked" when another process wrote in between,
whatever the busy timeout; taking the write lock up front makes it wait instead.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from .errors import connect_timeout, unavailable
from .settings import database_url, is_postgres, sqlite_path

SQLITE_BUSY_TIMEOUT_S = 30.0
POOL_SIZE_ENV = "CODELAB_PG_POOL_SIZE"  # PostgreSQL connections kept per process (x3 when busy)
WRITE = {"codelab_write": True}  # execution option: this transaction will write

_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the SQLite pragmas applied on every connection."""
    if is_postgres(url):
        # No pre-ping: it costs a round trip per query; a dropped connection surfaces as an
        # OperationalError, which the graph nodes retry (TRANSIENT_RETRY). The pool's size is
        # settable because several server processes share one server's connection limit.
        # connect_timeout: an unreachable server fails in seconds (libpq's minimum is 2 s).
        timeout = max(2, math.ceil(connect_timeout()))
        size = int(os.environ.get(POOL_SIZE_ENV) or 10)
        return create_engine(url, pool_size=size, max_overflow=2 * size, pool_recycle=1800,
                             connect_args={"connect_timeout": timeout})
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise unavailable("agents", url, _setting(), exc) from None
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    )
    _configure_sqlite(engine, in_memory=path is None)
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_conn.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        writes = conn.get_execution_options().get("codelab_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The process-wide engine for ``url`` (default :func:`database_url`), schema up to date."""
    url = url or database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            _check_connection(engine, url)
            _engines[url] = engine
        if migrate and url not in _migrated:
            if not _at_head(engine):
                from .migrate import upgrade  # noqa: PLC0415 - alembic import is slow; only when needed

                upgrade(engine)
            _migrated.add(url)
    return engine


def _at_head(engine: Engine) -> bool:
    """The schema is at the newest revision (one query; Alembic is not imported for it)."""
    from .migrations import HEAD_REVISION, VERSION_TABLE  # noqa: PLC0415

    try:
        with engine.connect() as conn:
            versions = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    except DBAPIError:  # no version table yet
        return False
    return versions == [HEAD_REVISION]


def _setting() -> str:
    return "DATABASE_URL" if os.environ.get("DATABASE_URL") else "CODELAB_HOME"


def _check_connection(engine: Engine, url: str) -> None:
    """Connect once when the engine is made: a wrong URL fails here, in one line."""
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        engine.dispose()
        raise unavailable("agents", url, _setting(), exc) from None


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before a process forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _migrated.clear()
