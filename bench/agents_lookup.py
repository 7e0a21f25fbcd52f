"""Benchmark: agent lookups on a big agents table, SQLite and PostgreSQL.

Fills a fresh database with 1,000,000 rows (10,000 users x 10 projects x 10
agents, bulk insert), then times ``get_orchestrator`` and
``get_agents_by_role`` through the repository (p50/p99 of N random lookups).
Side by side, the same SQL with the role index dropped (the unique
(user, project, name) index still narrows to one project's 10 rows) and with
no index usable at all (full scan), as ratios to the indexed query.

Usage: python bench/agents_lookup.py [--users 10000] [--lookups 2000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import text

from codelab_orchestrator.persistence import AgentRepository
from codelab_orchestrator.persistence.defaults import DEFAULT_AGENTS
from codelab_orchestrator.persistence.engine import get_engine
from codelab_orchestrator.persistence.schemas import validate_config

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PROJECTS = 10
ROLE_SQL = ("SELECT id FROM user_agents {hint} WHERE user_id = :u AND project_id = :p "
            "AND role = :r")


def rows(users: int):
    now = datetime.now(UTC).isoformat()
    extra = [("reviewer", "custom"), ("tester", "custom"), ("docs", "ask"), ("fast", "orchestrator")]
    specs = [(s.name, s.role.value, json.dumps(validate_config(s.role, s.config).model_dump(mode="json")),
              s.status.value) for s in DEFAULT_AGENTS]
    specs += [(n, r, json.dumps(validate_config(r, {}).model_dump(mode="json")), "ready") for n, r in extra]
    for u in range(users):
        for p in range(PROJECTS):
            for name, role, config, status in specs:
                yield (f"user{u}", f"proj{p}", name, role, config, status, now, now)


def fill_sqlite(url: str, users: int) -> None:
    engine = get_engine(url)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        cur.executemany("INSERT INTO user_agents (user_id, project_id, name, role, config, status, "
                        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)", rows(users))
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def fill_postgres(url: str, users: int) -> None:
    get_engine(url)  # migrate
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        with conn.cursor().copy("COPY user_agents (user_id, project_id, name, role, config, status, "
                                "created_at, updated_at) FROM STDIN") as copy:
            for row in rows(users):
                copy.write_row(row)
        conn.commit()
        conn.execute("ANALYZE user_agents")
        conn.commit()


def timed(fn, samples: list[tuple[str, str]]) -> tuple[float, float]:
    times = []
    for user, project in samples:
        start = time.perf_counter()
        fn(user, project)
        times.append((time.perf_counter() - start) * 1000)
    q = statistics.quantiles(times, n=100)
    return statistics.median(times), q[98]


def bench(url: str, label: str, users: int, lookups: int) -> None:
    rng = random.Random(1)
    samples = [(f"user{rng.randrange(users)}", f"proj{rng.randrange(PROJECTS)}") for _ in range(lookups)]
    repo = AgentRepository(get_engine(url))
    engine = repo.engine
    results = {
        "get_orchestrator": timed(lambda u, p: repo.get_orchestrator(u, p), samples),
        "get_agents_by_role": timed(lambda u, p: repo.get_agents_by_role(u, p, "coder"), samples),
    }

    def sql_timing(hint: str = "", setup: str | None = None) -> tuple[float, float]:
        with engine.connect() as conn:
            if setup:
                conn.execute(text(setup))
            statement = text(ROLE_SQL.format(hint=hint))
            return timed(lambda u, p: conn.execute(statement, {"u": u, "p": p, "r": "orchestrator"}).all(),
                         samples[: lookups // 4])

    indexed = sql_timing()
    full_scan = (sql_timing(hint="NOT INDEXED") if engine.dialect.name == "sqlite"
                 else sql_timing(setup="SET enable_indexscan = off; SET enable_bitmapscan = off"))
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_user_agents_scope_role"))
    without_role_index = sql_timing()
    with engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_user_agents_scope_role ON user_agents (user_id, project_id, role)"))

    print(f"\n{label}: {users * PROJECTS * 10:,} rows")
    print(f"  {'repository call':34s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, (p50, p99) in results.items():
        print(f"  {name:34s} {p50:8.3f} {p99:8.3f}")
    print(f"  {'raw SQL (role lookup)':34s} {'p50 ms':>8s} {'p99 ms':>8s} {'p50 / indexed':>14s}")
    for name, (p50, p99) in (("with role index", indexed),
                             ("without role index (unique idx)", without_role_index),
                             ("no index usable (full scan)", full_scan)):
        print(f"  {name:34s} {p50:8.3f} {p99:8.3f} {p50 / indexed[0]:14.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if "sqlite" in backends:
        path = Path(tempfile.mkdtemp()) / "agents.sqlite"
        url = f"sqlite:///{path}"
        start = time.perf_counter()
        fill_sqlite(url, args.users)
        print(f"SQLite filled in {time.perf_counter() - start:.1f}s")
        bench(url, "SQLite", args.users, args.lookups)
    if "postgres" in backends:
        name = f"codelab_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
            start = time.perf_counter()
            fill_postgres(url, args.users)
            print(f"PostgreSQL filled in {time.perf_counter() - start:.1f}s")
            bench(url, "PostgreSQL", args.users, args.lookups)
        finally:
            get_engine(url).dispose()
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
