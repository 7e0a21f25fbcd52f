"""Probe: data integrity under concurrency, with real processes, on SQLite and PostgreSQL.

``updates``: 20 processes update one agent row at once, each changing a
different field (19 orchestrator config fields and the status), released
together; afterwards the row is read back and every change that is missing
counts as a lost update.

``first-use``: N processes start at once on a brand-new database (Alembic
migrations, the starter pack, the checkpointer's ``setup()``); a process that
exits non-zero is a failure.

``runs``: N ``codelab run REQUEST --thread T`` processes on one session at once
(a scripted model whose task holds for a few seconds, so the runs overlap);
counts the runs whose task executed and the runs refused as busy.

``--src DIR`` runs the code of another checkout (e.g. an export of main) for a
before/after comparison; the default is this one.

Usage:
  python bench/integrity_probe.py updates   [--rounds 4] [--backends sqlite,postgres]
  python bench/integrity_probe.py first-use [--rounds 3] [--procs 20] [--backends sqlite,postgres]
  python bench/integrity_probe.py runs      [--rounds 3] [--procs 2] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import psycopg

PG_ADMIN = os.environ.get("CODELAB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[1]

# One change per field; each differs from the starter pack's value.
CHANGES: list[tuple[str, object]] = [
    ("temperature", 0.7), ("system_prompt", "probe"), ("max_tokens", 1234),
    ("model", "openai:probe-model"), ("tools", ["read_file"]), ("allowed_commands", ["ls"]),
    ("metadata.capabilities", ["probe"]), ("metadata.risk_level", "high"),
    ("metadata.cost_per_call", 0.5), ("metadata.estimated_duration", 99.0),
    ("max_parallel_agents", 7), ("approval_threshold_cost", 3.5),
    ("approval_threshold_tasks", 13), ("error_handling", "fail_fast"), ("max_replans", 5),
    ("max_task_attempts", 4), ("max_plan_tasks", 33), ("routing_strategy", "llm"),
    ("routing_confidence_threshold", 0.5),
]

UPDATE_WORKER = textwrap.dedent(
    """
    import json, sys
    from codelab_orchestrator.persistence import AgentRepository
    user, project, agent_id, field, value = sys.argv[1:6]
    repo = AgentRepository()
    repo.get(user, project, int(agent_id))  # connected: the pool keeps this connection
    print("ready", flush=True)
    sys.stdin.read(1)  # the go signal: every process is imported and connected by now
    if field == "status":
        repo.update(user, project, int(agent_id), status=value)
    else:
        patch = json.loads(value)
        for part in reversed(field.split(".")):
            patch = {part: patch}
        repo.update(user, project, int(agent_id), config=patch)
    print("ok")
    """
)

FIRST_USE_WORKER = textwrap.dedent(
    """
    import sys
    from codelab_orchestrator.persistence import AgentRepository, open_checkpointer
    import langgraph.checkpoint.postgres, langgraph.checkpoint.sqlite, alembic.command
    print("ready", flush=True)
    sys.stdin.read(1)
    n = len(AgentRepository().project_agents("probe", "first-use"))
    with open_checkpointer() as saver:
        pass
    print(n)
    """
)


SRC = ROOT / "src"


def _env(url: str, home: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "CODELAB_HOME": str(home),
            "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT}"}


def _release(procs: list[subprocess.Popen], timeout: float = 300) -> tuple[list, float]:
    """Wait until every process says it is ready, then let them all go at once; returns
    (returncode, stdout, stderr) per process and the seconds from the go signal to the end."""
    for p in procs:
        p.stdout.readline()
    started = time.perf_counter()
    for p in procs:
        p.stdin.write("g")
        p.stdin.flush()
    out = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=timeout)
        out.append((p.returncode, stdout, stderr))
    return out, time.perf_counter() - started


def _spawn(script: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", script, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _new_database(backend: str, tmp: Path) -> tuple[str, object]:
    if backend == "sqlite":
        path = tmp / f"{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}", None
    name = f"codelab_probe_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def _drop_database(name: object) -> None:
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _lookup(config: dict, dotted: str) -> object:
    for part in dotted.split("."):
        config = config[part]
    return config


def probe_updates(backend: str, rounds: int) -> None:
    import json  # noqa: PLC0415

    from codelab_orchestrator.persistence import AgentRepository  # noqa: PLC0415
    from codelab_orchestrator.persistence.engine import dispose_engines, get_engine  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        url, dbname = _new_database(backend, Path(tmp))
        try:
            repo = AgentRepository(get_engine(url))
            for r in range(rounds):
                project = f"round{r}"
                agents = repo.project_agents("probe", project)
                orch = next(a for a in agents if a.role.value == "orchestrator")
                jobs = [(f, json.dumps(v)) for f, v in CHANGES] + [("status", "busy")]
                procs = [_spawn(UPDATE_WORKER, ["probe", project, str(orch.id), f, v],
                                _env(url, Path(tmp)))
                         for f, v in jobs]
                results, elapsed = _release(procs)
                errors = [err.strip().splitlines()[-1] for rc, _, err in results if rc != 0]
                after = repo.get("probe", project, orch.id)
                config = after.config.model_dump(mode="json")
                kept = sum(_lookup(config, f) == v for f, v in CHANGES)
                kept += after.status.value == "busy"
                print(f"{backend:8} round {r + 1}: {len(jobs)} updates, kept {kept}, "
                      f"lost {len(jobs) - kept - len(errors)}, errors {len(errors)} "
                      f"({elapsed:.2f} s){'  first error: ' + errors[0] if errors else ''}",
                      flush=True)
        finally:
            dispose_engines()
            _drop_database(dbname)


def probe_first_use(backend: str, rounds: int, procs_n: int) -> None:
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            url, dbname = _new_database(backend, Path(tmp))
            try:
                procs = [_spawn(FIRST_USE_WORKER, [], _env(url, Path(tmp))) for _ in range(procs_n)]
                results, elapsed = _release(procs)
                failed = [err.strip().splitlines()[-1] if err.strip() else f"rc {rc}"
                          for rc, _, err in results if rc != 0]
                print(f"{backend:8} round {r + 1}: {procs_n} processes on a fresh database, "
                      f"{procs_n - len(failed)} ok, {len(failed)} failed ({elapsed:.2f} s)"
                      f"{'  first error: ' + failed[0][:160] if failed else ''}", flush=True)
            finally:
                _drop_database(dbname)


CLI = "from codelab_orchestrator.cli import app; app()"


def probe_runs(backend: str, rounds: int, procs_n: int) -> None:
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            url, dbname = _new_database(backend, Path(tmp))
            log = Path(tmp) / "tasks.log"
            env = _env(url, Path(tmp)) | {"CODELAB_MODEL": "scripted:tests.session_script:script",
                                          "CODELAB_ALLOW_SCRIPTED_MODELS": "1",
                                          "CODELAB_TEST_LOG": str(log),
                                          "CODELAB_TEST_GATE": str(Path(tmp) / "gate")}
            try:
                subprocess.run([sys.executable, "-c", CLI, "agents", "update", "orchestrator",
                                "-c", '{"routing_strategy": "llm"}'], env=env, check=True,
                               capture_output=True)
                procs = [subprocess.Popen([sys.executable, "-c", CLI, "run", f"request {i}",
                                           "--thread", "T", "-w", tmp, "--json"], env=env,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                         for i in range(procs_n)]
                # Hold every task until each process has started its task or ended.
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    started = log.read_text().count("started") if log.exists() else 0
                    if started + sum(p.poll() is not None for p in procs) >= procs_n:
                        break
                    time.sleep(0.1)
                time.sleep(0.5)
                (Path(tmp) / "gate").touch()
                results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
                executed = log.read_text().count("started") if log.exists() else 0
                busy = sum(rc == 4 for rc, _ in results)
                other = [err.strip().splitlines()[-1] for rc, err in results
                         if rc not in (0, 4) and err.strip()]
                print(f"{backend:8} round {r + 1}: {procs_n} runs on one session at once: "
                      f"{executed} executed the task, {busy} refused as busy, "
                      f"{sum(rc == 0 for rc, _ in results)} exited 0"
                      f"{'  other error: ' + other[0][:160] if other else ''}", flush=True)
            finally:
                _drop_database(dbname)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probe", choices=["updates", "first-use", "runs"])
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--procs", type=int, default=None)
    parser.add_argument("--src", type=Path, default=None, help="Source tree to test.")
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    if args.src is not None:
        global SRC
        SRC = args.src.resolve()
    for backend in args.backends.split(","):
        if args.probe == "updates":
            probe_updates(backend, args.rounds or 4)
        elif args.probe == "first-use":
            probe_first_use(backend, args.rounds or 3, args.procs or 20)
        else:
            probe_runs(backend, args.rounds or 3, args.procs or 2)


if __name__ == "__main__":
    main()
