"""Backend behaviour: concurrent first use from processes, the role index,
Alembic upgrade/downgrade, and the checkpointer factory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import inspect, text

from codelab_orchestrator.persistence import migrate
from codelab_orchestrator.persistence.defaults import DEFAULT_AGENTS
from codelab_orchestrator.persistence.engine import get_engine, make_engine

SEED_SCRIPT = textwrap.dedent(
    """
    import sys
    from codelab_orchestrator.persistence import AgentRepository
    repo = AgentRepository()
    sys.stdin.read(1)  # wait for the go signal so both processes start together
    print(len(repo.project_agents("race", "proj")))
    """
)


def test_two_processes_seed_at_once_without_duplicates(database_url):
    get_engine(database_url)  # schema exists; the race is on the rows
    procs = [
        subprocess.Popen([sys.executable, "-c", SEED_SCRIPT], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outs = [p.communicate("g", timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]
    assert {out.strip() for out, _ in outs} == {str(len(DEFAULT_AGENTS))}
    with get_engine(database_url).connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM user_agents WHERE user_id='race' AND project_id='proj'")
        ).scalar_one()
    assert count == len(DEFAULT_AGENTS)


def test_two_processes_migrate_a_new_sqlite_file_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    script = "import sys; sys.stdin.read(1); from codelab_orchestrator.persistence import AgentRepository; print(len(AgentRepository().project_agents('a','b')))"
    env = {"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(3)]
    outs = [p.communicate("g", timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outs]


def _plan(engine, sql: str) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
            return " ".join(str(r[-1]) for r in rows)
        conn.execute(text("SET enable_seqscan = off"))  # tiny table: ask what index it would use
        return " ".join(r[0] for r in conn.execute(text("EXPLAIN " + sql)).all())


def test_explain_uses_role_index(repo, database_url):
    for user in range(20):
        repo.seed_defaults(f"user{user}", "proj")
    engine = get_engine(database_url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE user_agents"))
    sql = ("SELECT * FROM user_agents WHERE user_id = 'user7' AND project_id = 'proj' "
           "AND role = 'orchestrator'")
    assert "ix_user_agents_scope_role" in _plan(engine, sql)


def test_alembic_upgrade_and_downgrade(database_url):
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        inspector = inspect(engine)
        assert inspector.has_table("user_agents") and inspector.has_table("api_tokens")
        assert inspector.has_table("sessions") and inspector.has_table("codelab_alembic_version")
        assert not inspector.has_table("alembic_version")  # left to other tools
        index_names = {ix["name"] for ix in inspector.get_indexes("user_agents")}
        assert "ix_user_agents_scope_role" in index_names
        assert "version" in {c["name"] for c in inspector.get_columns("user_agents")}
        migrate.downgrade(engine, "0001")
        inspector = inspect(engine)
        assert not inspector.has_table("sessions") and not inspector.has_table("api_tokens")
        assert "version" not in {c["name"] for c in inspector.get_columns("user_agents")}
        migrate.downgrade(engine, "base")
        assert not inspect(engine).has_table("user_agents")
        assert not inspect(engine).has_table("api_tokens")
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)  # and back, for the tests after this one
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


@pytest.mark.parametrize("other_tool", [None, "a1b2c3d4e5f6"])
def test_our_revision_moves_out_of_alembic_version_and_other_tools_keep_theirs(database_url,
                                                                               other_tool):
    """A database migrated before the own version table (our "0001" in ``alembic_version``)
    upgrades cleanly; a LangGraph runtime's revision in ``alembic_version`` is left alone."""
    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "0001")
        with engine.begin() as conn:  # what 0001 used to leave behind
            conn.execute(text("ALTER TABLE codelab_alembic_version RENAME TO alembic_version"))
            if conn.dialect.name == "postgresql":
                conn.execute(text("ALTER TABLE alembic_version RENAME CONSTRAINT "
                                  "codelab_alembic_version_pkc TO alembic_version_pkc"))
            if other_tool:
                conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": other_tool})
            conn.execute(text("INSERT INTO user_agents (user_id, project_id, name, role, config,"
                              " status, created_at, updated_at) VALUES ('legacy', 'p', 'x', "
                              "'coder', '{}', 'ready', '2026-01-01', '2026-01-01')"))
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()
        with engine.begin() as conn:
            assert conn.execute(text("SELECT version FROM user_agents WHERE user_id = 'legacy'")
                                ).scalar_one() == 1
            if other_tool:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                    (other_tool,)]
                conn.execute(text("DROP TABLE alembic_version"))
            else:
                assert not inspect(conn).has_table("alembic_version")
            conn.execute(text("DELETE FROM user_agents WHERE user_id = 'legacy'"))
    finally:
        engine.dispose()


def test_postgres_config_column_is_jsonb(database_url):
    engine = get_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("JSONB is PostgreSQL's")
    columns = {c["name"]: c for c in inspect(engine).get_columns("user_agents")}
    assert columns["config"]["type"].__class__.__name__ == "JSONB"


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_head_revision_constant_matches_alembic():
    """get_engine skips Alembic when the database is at HEAD_REVISION: it must be the real head."""
    from alembic.script import ScriptDirectory

    from codelab_orchestrator.persistence.migrations import HEAD_REVISION

    script = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    assert script.get_current_head() == HEAD_REVISION
