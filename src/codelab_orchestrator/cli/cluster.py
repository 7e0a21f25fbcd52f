"""``codelab serve --cluster``: one server process of a cluster on PostgreSQL + Redis.

``langgraph dev`` keeps threads in one process's memory (pickled into
``./.langgraph_api``), so a second server knows nothing of the first one's
threads. The cluster runs the same ``langgraph.json`` on the stock LangGraph
API server with the PostgreSQL + Redis runtime (``langhost`` and
``langgraph-runtime-pg``, the ``[cluster]`` extra, in its own virtual
environment): threads, runs, checkpoints, the store and the agents table live
in one PostgreSQL database, runs are queued there, and Redis carries the
streams, cancellations and each run's heartbeat. Any number of such processes,
on any number of machines, make one service: a run whose server stops
heartbeating is taken over by another, which resumes it from its last
checkpoint (finished tasks are not run again; see
:mod:`codelab_orchestrator.agents.fencing` for why a paused server that wakes
up cannot write any more).

This module only builds the server's environment and command line; it checks
what can be checked before starting (the database is PostgreSQL, Redis is
named) so that a mistake is one line, not a traceback from the server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..persistence.settings import is_postgres, libpq_url

DEFAULT_HEARTBEAT_S = 2.0  # a silent server's runs move after 2-4 heartbeats (default 120 s)
DEFAULT_JOBS = 10  # runs one server process executes at once
DEFAULT_PG_POOL = 5  # the runtime's own pool per process (+ the same again as overflow)
# The server's serializer blocks unregistered types in checkpoints (the announced default):
# the graph registers its own state types (see codelab_orchestrator.state.PlanChannel).
STRICT_ENV = {"LANGGRAPH_STRICT_MSGPACK": "true"}
INSTALL_HINT = ("install the cluster extra in its own virtual environment (it cannot share "
                "one with [dev]): python3 -m venv .venv-cluster && "
                ".venv-cluster/bin/pip install -e '.[cluster]', then run "
                ".venv-cluster/bin/codelab serve --cluster")


class ClusterConfigError(ValueError):
    """The environment cannot make a cluster server; the message says what to set."""


def cluster_env(environ: Mapping[str, str], *, heartbeat_s: float = DEFAULT_HEARTBEAT_S,
                jobs: int = DEFAULT_JOBS, pg_pool: int = DEFAULT_PG_POOL) -> dict[str, str]:
    """The variables a cluster server runs with, from ``DATABASE_URL`` and ``REDIS_URL``.

    Raises :class:`ClusterConfigError` when the database is not PostgreSQL (a SQLite file
    is one machine's) or Redis is not named."""
    database = (environ.get("DATABASE_URL") or "").strip()
    if not database:
        raise ClusterConfigError(
            "--cluster needs PostgreSQL: set DATABASE_URL=postgresql://user:pass@host:5432/db "
            "(every server of the cluster uses the same database)")
    if not is_postgres(database):
        raise ClusterConfigError(
            f"--cluster needs PostgreSQL, not {database.split(':', 1)[0]}: a SQLite file "
            "belongs to one machine, and every server of a cluster must share one database "
            "(set DATABASE_URL=postgresql://...)")
    redis = (environ.get("REDIS_URL") or "").strip()
    if not redis:
        raise ClusterConfigError("--cluster needs Redis: set REDIS_URL=redis://host:6379/0 "
                                 "(the servers' run queue wake-ups, streams and heartbeats)")
    if not redis.startswith(("redis://", "rediss://", "unix://")):
        raise ClusterConfigError(f"REDIS_URL must start with redis://, rediss:// or unix://, "
                                 f"got {redis.split(':', 1)[0]}")
    if heartbeat_s < 1:
        raise ClusterConfigError("--heartbeat must be at least 1 second")
    if jobs < 1 or pg_pool < 1:
        raise ClusterConfigError("--jobs and --pg-pool-size must be at least 1")
    return {
        "DATABASE_URI": libpq_url(database),
        "REDIS_URI": redis,
        "LANGGRAPH_RUNTIME_EDITION": "pg",
        "LG_BG_JOB_HEARTBEAT": f"{heartbeat_s:g}",
        "N_JOBS_PER_WORKER": str(jobs),
        "PG_POOL_SIZE": str(pg_pool),
        "PG_MAX_OVERFLOW": str(pg_pool),
        # The agents database's own pool (the same database), kept as small.
        "CODELAB_PG_POOL_SIZE": environ.get("CODELAB_PG_POOL_SIZE") or str(max(2, pg_pool // 2)),
        # migrate_runtime() has brought the runtime's schema up to date, under a lock.
        "LG_RUNTIME_PG_AUTO_MIGRATE": "false",
        **STRICT_ENV,
    }


def absolute_config(settings: dict[str, Any], base: Path) -> dict[str, Any]:
    """``settings`` (a langgraph.json) with every relative path made absolute against ``base``,
    so the server can run from another directory."""
    def fix(value: str) -> str:
        path, sep, attr = value.partition(":")
        if path.startswith("."):
            path = str((base / path).resolve())
        return path + sep + attr

    out = json.loads(json.dumps(settings))
    out["graphs"] = {name: fix(spec) for name, spec in out.get("graphs", {}).items()}
    out["dependencies"] = [fix(dep) for dep in out.get("dependencies", [])]
    if isinstance(out.get("env"), str):
        out["env"] = fix(out["env"])
    for section, key in (("auth", "path"), ("http", "app")):
        if isinstance(out.get(section), dict) and out[section].get(key):
            out[section][key] = fix(out[section][key])
    return out


def langhost_args(langhost: str, config: Path, *, host: str, port: int,
                  log_level: str = "INFO") -> list[str]:
    return [langhost, "serve", "--host", host, "--port", str(port), "--config", str(config),
            "--no-browser", "--server-log-level", log_level]


def find_langhost(python: str) -> str | None:
    """The ``langhost`` script of this interpreter's environment, if installed."""
    candidate = Path(python).with_name("langhost")
    return str(candidate) if candidate.exists() else None


RUNTIME_MIGRATION_LOCK = "langgraph-runtime-pg-migrations"


def migrate_runtime(database_uri: str) -> None:
    """Every schema the server sets up, brought up to date under one database lock: the
    runtime's (its own Alembic history, in ``alembic_version``), the checkpointer's and the
    store's. The server would set them up at start-up by itself, but without a lock: two
    servers starting together on a new database both create the same tables and one exits."""
    from langgraph.checkpoint.postgres import PostgresSaver  # noqa: PLC0415
    from langgraph.store.postgres import PostgresStore  # noqa: PLC0415
    from langgraph_runtime_pg.migrate import upgrade_head  # noqa: PLC0415 - [cluster] only

    from ..persistence.locks import setup_lock  # noqa: PLC0415

    with setup_lock(database_uri, RUNTIME_MIGRATION_LOCK):
        upgrade_head(database_uri)
        with PostgresSaver.from_conn_string(database_uri) as saver:
            saver.setup()
        with PostgresStore.from_conn_string(database_uri) as store:
            store.setup()
