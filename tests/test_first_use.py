"""Twenty processes start on a brand-new database at once (Alembic migrations, the starter
pack, the checkpointer's set-up): all succeed, on SQLite and on PostgreSQL.

The processes are forked from the test process after the imports, so they start in
milliseconds and really overlap (twenty fresh interpreters would take ~20 s of CPU to
import, spreading the starts out); each one opens its own connections.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, text

from codelab_orchestrator.persistence import AgentRepository, migrate, open_checkpointer
from codelab_orchestrator.persistence.defaults import DEFAULT_AGENTS
from codelab_orchestrator.persistence.engine import get_engine, make_engine

PROCESSES = 20


def _first_use(url: str, checkpoint_url: str, go, errors) -> None:
    go.wait(30)
    try:
        agents = AgentRepository(get_engine(url)).project_agents("first", "use")
        assert len(agents) == len(DEFAULT_AGENTS)
        with open_checkpointer(checkpoint_url) as saver:
            saver.get_tuple({"configurable": {"thread_id": "t", "checkpoint_ns": ""}})
    except BaseException:  # noqa: BLE001 - reported to the test, then a non-zero exit
        errors.put(traceback.format_exc(limit=3))
        os._exit(1)
    os._exit(0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(agents URL, checkpoint URL) of a database nobody has touched yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite'}", f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"
        return
    import psycopg

    from tests.conftest import PG_ADMIN_URL, _pg_available

    if not _pg_available():
        pytest.skip("PostgreSQL not reachable")
    name = f"codelab_fresh_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1), url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_twenty_processes_start_on_a_fresh_database_at_once(fresh_database):
    url, checkpoint_url = fresh_database
    ctx = multiprocessing.get_context("fork")
    go, errors = ctx.Event(), ctx.SimpleQueue()
    procs = [ctx.Process(target=_first_use, args=(url, checkpoint_url, go, errors))
             for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(60)
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert [p.exitcode for p in procs] == [0] * PROCESSES, failures[:2]

    engine = make_engine(url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM user_agents")).scalar_one() == len(
                DEFAULT_AGENTS)
            assert inspect(conn).has_table("sessions")
    finally:
        engine.dispose()
