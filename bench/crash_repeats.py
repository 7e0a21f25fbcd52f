"""Benchmark: model calls repeated after a SIGKILL in the middle of a task (target 0).

Each trial runs ``tests/crash_worker.py`` (an atomic coder task) against a local
OpenAI-compatible server. The task makes 5 tool steps; step k runs a command that
drops a marker file and sleeps. The worker is killed with SIGKILL while step k
(k random in 1..5) is running, at a random moment, then the same thread is run
again to the end. Every model request is keyed by how many tool results it
carries; a key answered before the kill and asked again after it is a repeated
call. Trials run on SQLite and, when it answers, PostgreSQL.

Usage: python bench/crash_repeats.py [--trials 10] [--seed 5]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.openai_server import OpenAIServer, tool_names, tool_results  # noqa: E402

STEPS = 5


def script(body: dict) -> dict:
    if "ClassificationOutput" in tool_names(body):
        return {"tool_calls": [{"name": "ClassificationOutput",
                                "arguments": {"agent": "coder", "is_atomic": True}}]}
    done = len(tool_results(body))
    if done < STEPS:
        step = done + 1
        return {"tool_calls": [{"name": "run_command", "arguments": {"command": (
            f"python3 -c \"import time, pathlib; p = pathlib.Path('step{step}'); "
            "first = not p.exists(); p.write_text('x'); time.sleep(0.6 if first else 0)\"")}}]}
    return {"content": "all steps done"}


def trial(database_url: str, rng: random.Random) -> tuple[int, int]:
    """(repeated answered calls, calls in all) for one kill-and-resume."""
    workspace = Path(tempfile.mkdtemp())
    kill_step = rng.randint(1, STEPS)
    with OpenAIServer(script) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "k",
               "CODELAB_MODEL": "openai:gpt-test", "DATABASE_URL": database_url,
               "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "tests.crash_worker", uuid.uuid4().hex, str(workspace)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not (workspace / f"step{kill_step}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker ended early: {proc.stderr.read()[-2000:]}")
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = Counter(len(tool_results(b)) for b in server.requests
                         if "ClassificationOutput" not in tool_names(b))
        resumed = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                 timeout=180)
        if "FINAL completed" not in resumed.stdout:
            raise RuntimeError(f"resume failed: {resumed.stderr[-2000:]}")
        after = Counter(len(tool_results(b)) for b in server.requests
                        if "ClassificationOutput" not in tool_names(b)) - before
    return sum(after[key] for key in before), sum(before.values()) + sum(after.values())


def _postgres() -> str | None:
    try:
        import psycopg

        admin = "postgresql://postgres@127.0.0.1:5432/test"
        name = f"codelab_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception:  # noqa: BLE001 - no PostgreSQL: SQLite only
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    os.environ.setdefault("CODELAB_HOME", tempfile.mkdtemp(prefix="codelab-bench-"))
    backends = {"sqlite": f"sqlite:///{tempfile.mkdtemp()}/agents.sqlite"}
    if pg := _postgres():
        backends["postgres"] = pg
    print(f"{'backend':9s} {'trials':>6s} {'model calls':>11s} {'repeated after SIGKILL':>23s}")
    for name, url in backends.items():
        results = [trial(url, rng) for _ in range(args.trials)]
        print(f"{name:9s} {len(results):6d} {sum(r[1] for r in results):11d} "
              f"{sum(r[0] for r in results):23d}", flush=True)


if __name__ == "__main__":
    main()
