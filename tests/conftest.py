"""Shared fixtures: an isolated data directory per test, and a throwaway
PostgreSQL database per test session (created and dropped here, so runs
never collide)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_URL = os.environ.get("CODELAB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch) -> Iterator[None]:
    """Every test gets its own CODELAB_HOME and, unless it sets one, the default SQLite file,
    and no settings layer (config files, CODELAB_* variables) from outside the test."""
    from codelab_orchestrator.config import ENV_NAMES
    from codelab_orchestrator.persistence.engine import dispose_engines

    monkeypatch.setenv("CODELAB_HOME", str(tmp_path / "home"))
    # No settings from the developer's own config file or shell (see codelab_orchestrator.config).
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for var in ("DATABASE_URL", "CODELAB_CHECKPOINT_URL", "CODELAB_USER", "CODELAB_PROJECT",
                "CODELAB_WORKSPACE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODELAB_WORKSPACE_ROOTS",
                "CODELAB_CORS_ORIGINS", *ENV_NAMES.values()):
        monkeypatch.delenv(var, raising=False)
    # Tests drive the graph with scripted models named in agent rows (also in the
    # subprocesses and `langgraph dev` servers they start, which inherit this).
    monkeypatch.setenv("CODELAB_ALLOW_SCRIPTED_MODELS", "1")
    yield
    dispose_engines()


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session; dropped at the end."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable")
    import psycopg

    name = f"codelab_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        from codelab_orchestrator.persistence.engine import dispose_engines

        dispose_engines()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, monkeypatch) -> str:
    """Run the test on both backends; sets DATABASE_URL for code that reads it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'agents.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database").replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
        _truncate_pg(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def _truncate_pg(url: str) -> None:
    """Tests on the shared per-session PostgreSQL database start from empty tables."""
    from sqlalchemy import inspect, text

    from codelab_orchestrator.persistence.engine import get_engine

    engine = get_engine(url)
    inspector = inspect(engine)
    for table in ("user_agents", "sessions", "api_tokens"):
        if inspector.has_table(table):
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {table} RESTART IDENTITY"))


@pytest.fixture
def repo(database_url):
    from codelab_orchestrator.persistence import AgentRepository
    from codelab_orchestrator.persistence.engine import get_engine

    return AgentRepository(get_engine(database_url))


@pytest.fixture
def orchestrate(monkeypatch):
    """Run the real graph against a scripted model; returns a helper object."""
    from tests.helpers import Orchestrator

    monkeypatch.setenv("CODELAB_MODEL", "scripted:test")
    helper = Orchestrator()
    yield helper
    helper.close()
