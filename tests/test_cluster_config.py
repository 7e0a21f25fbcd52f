"""`codelab serve --cluster` before anything starts: what it refuses, what it would run, and
the server-side fixes for the PostgreSQL runtime (which run only inside a cluster server)."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.cli import cluster as cluster_mod
from codelab_orchestrator.server import runtime_pg
from codelab_orchestrator.server.http import OriginGuard
from tests.cluster import free_port

ROOT = Path(__file__).resolve().parents[1]
PG = "postgresql+psycopg://app:secret@db.example:5432/codelab"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_cluster_needs_postgresql_and_redis():
    with pytest.raises(cluster_mod.ClusterConfigError, match="needs PostgreSQL: set DATABASE_URL"):
        cluster_mod.cluster_env({"REDIS_URL": "redis://r:6379/0"})
    with pytest.raises(cluster_mod.ClusterConfigError, match="SQLite file belongs to one machine"):
        cluster_mod.cluster_env({"DATABASE_URL": "sqlite:////tmp/a.sqlite",
                                 "REDIS_URL": "redis://r:6379/0"})
    with pytest.raises(cluster_mod.ClusterConfigError, match="needs Redis: set REDIS_URL"):
        cluster_mod.cluster_env({"DATABASE_URL": PG})
    with pytest.raises(cluster_mod.ClusterConfigError, match="must start with redis://"):
        cluster_mod.cluster_env({"DATABASE_URL": PG, "REDIS_URL": "http://r:6379"})
    with pytest.raises(cluster_mod.ClusterConfigError, match="at least 1 second"):
        cluster_mod.cluster_env({"DATABASE_URL": PG, "REDIS_URL": "redis://r"}, heartbeat_s=0.5)


def test_the_cluster_environment():
    env = cluster_mod.cluster_env({"DATABASE_URL": PG, "REDIS_URL": "redis://r:6379/0"},
                                  heartbeat_s=3, jobs=4, pg_pool=6)
    assert env == {
        "DATABASE_URI": "postgresql://app:secret@db.example:5432/codelab",  # libpq form
        "REDIS_URI": "redis://r:6379/0", "LANGGRAPH_RUNTIME_EDITION": "pg",
        "LG_BG_JOB_HEARTBEAT": "3", "N_JOBS_PER_WORKER": "4", "PG_POOL_SIZE": "6",
        "PG_MAX_OVERFLOW": "6", "CODELAB_PG_POOL_SIZE": "3", "LG_RUNTIME_PG_AUTO_MIGRATE": "false",
        "LANGGRAPH_STRICT_MSGPACK": "true"}


def test_relative_paths_of_the_config_become_absolute(tmp_path):
    settings = json.loads((ROOT / "langgraph.json").read_text())
    fixed = cluster_mod.absolute_config(settings, ROOT)
    assert fixed["graphs"]["orchestrator"] == f"{ROOT}/src/codelab_orchestrator/graph.py:graph"
    assert fixed["auth"]["path"] == f"{ROOT}/src/codelab_orchestrator/server/auth.py:auth"
    assert fixed["http"]["app"] == f"{ROOT}/src/codelab_orchestrator/server/http.py:app"
    assert fixed["dependencies"] == [str(ROOT)] and fixed["env"] == f"{ROOT}/.env.example"
    assert settings["graphs"]["orchestrator"].startswith("./")  # the original is left alone


@pytest.fixture
def exec_args(monkeypatch):
    captured: dict = {}

    def fake_execve(path, args, env):
        captured.update(path=path, args=args, env=env)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", fake_execve)
    return captured


def test_serve_cluster_refuses_sqlite_in_one_line(exec_args, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/agents.sqlite")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    result = invoke("serve", "--cluster", "--port", str(free_port()))
    assert result.exit_code == 2 and not exec_args
    assert "--cluster needs PostgreSQL, not sqlite" in result.output
    assert "Traceback" not in result.output


def test_serve_cluster_without_the_extra_says_how_to_install_it(exec_args, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", PG)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(cluster_mod, "find_langhost", lambda python: None)
    result = invoke("serve", "--cluster", "--port", str(free_port()))
    assert result.exit_code == 2 and not exec_args
    assert "langhost" in result.output and ".venv-cluster" in result.output


def test_serve_cluster_runs_langhost_with_the_cluster_settings(exec_args, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    # The environment's database is only read for the tokens hint here; the cluster's
    # settings come from a PostgreSQL URL (nothing connects to it: migrations are recorded).
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'agents.sqlite'}")
    monkeypatch.setattr(cluster_mod, "find_langhost", lambda python: "/opt/cluster/bin/langhost")
    migrated: list[str] = []
    monkeypatch.setattr(cluster_mod, "migrate_runtime", migrated.append)
    real = cluster_mod.cluster_env
    monkeypatch.setattr(cluster_mod, "cluster_env", lambda environ, **kw: real(
        {"DATABASE_URL": PG, "REDIS_URL": "redis://r:6379/0"}, **kw))
    port = str(free_port())
    result = invoke("serve", "--cluster", "--port", port, "--heartbeat", "3", "--jobs", "7",
                    "--workspace-root", str(tmp_path))
    assert result.exit_code == 0, result.output
    args, env = exec_args["args"], exec_args["env"]
    assert exec_args["path"] == "/opt/cluster/bin/langhost" and args[1] == "serve"
    assert args[args.index("--port") + 1] == port and "--no-browser" in args
    config = json.loads(Path(args[args.index("--config") + 1]).read_text())
    assert Path(config["graphs"]["orchestrator"].rsplit(":", 1)[0]).is_file()
    assert config["auth"]["path"].startswith("/") and config["http"]["app"].startswith("/")
    assert env["LG_BG_JOB_HEARTBEAT"] == "3" and env["N_JOBS_PER_WORKER"] == "7"
    assert env["LANGGRAPH_STRICT_MSGPACK"] == "true" and env["LANGSMITH_TRACING"] == "false"
    assert env["CODELAB_WORKSPACE_ROOTS"] == str(tmp_path.resolve())
    assert migrated == ["postgresql://app:secret@db.example:5432/codelab"]
    assert "db.example:5432/codelab" in result.output and "secret" not in result.output
    assert invoke("serve", "--cluster", "--reload", "--port", str(free_port())).exit_code == 2


def test_the_runtime_fixes_do_nothing_outside_a_cluster_server(monkeypatch):
    monkeypatch.delenv("LANGGRAPH_RUNTIME_EDITION", raising=False)
    assert runtime_pg.install() is False
    monkeypatch.setenv("LANGGRAPH_RUNTIME_EDITION", "pg")  # but the runtime is not installed here
    assert runtime_pg.install() is False
    assert ("codelab_orchestrator.state", "PlanPatch") in runtime_pg.checkpoint_allowlist()


def test_the_origin_guard_hands_the_lifespan_straight_to_the_router():
    """LangGraph API puts a store middleware between a custom app and its router that fails
    before the PostgreSQL runtime's lifespan has created the store."""
    started: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        started.append("runtime")
        yield

    class NeedsTheStore:
        def __init__(self, inner):
            self.inner = inner

        async def __call__(self, scope, receive, send):
            if scope["type"] == "lifespan":
                raise RuntimeError("Store requires setup_store()/start_pool() first")
            await self.inner(scope, receive, send)

    server = Starlette(lifespan=lifespan,
                       middleware=[Middleware(OriginGuard), Middleware(NeedsTheStore)])
    with TestClient(server):
        pass
    assert started == ["runtime"]
