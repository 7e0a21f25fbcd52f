"""Benchmark: 50 concurrent runs through a real `langgraph dev` server.

Every model call is scripted with a fixed latency (no network, no key); each
run is a 3-task plan (two parallel tasks, then one that depends on both), so
one run is 5 model calls: classify, plan, and three tasks. Prints throughput,
p50/p99 run latency, the ideal latency of one run alone, and errors.

Usage: python bench/server_load.py [--runs 50] [--latency 0.2] [--jobs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PLAN = {"goal": "load", "tasks": [
    {"id": "a", "description": "part a", "agent": "coder", "dependencies": []},
    {"id": "b", "description": "part b", "agent": "coder", "dependencies": []},
    {"id": "c", "description": "join", "agent": "ask", "dependencies": ["a", "b"]}]}


def script(request):
    """The scripted model the server runs (imported through CODELAB_MODEL)."""
    time.sleep(float(os.environ.get("BENCH_LATENCY", "0.2")))
    if "ClassificationOutput" in request.tools:
        return {"agent": "architect", "is_atomic": False}
    if "PlanDraft" in request.tools:
        return PLAN
    return "done"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def one_run(client, context: dict) -> tuple[float, str | None]:
    start = time.perf_counter()
    try:
        thread = await client.threads.create()
        await client.runs.wait(thread["thread_id"], "orchestrator", context=context,
                               input={"messages": [{"role": "user", "content": "go"}]})
        # The thread's state, not the runs.wait body (which can lack the final state).
        values = (await client.threads.get_state(thread["thread_id"]))["values"]
        status = (values.get("final") or {}).get("status") if isinstance(values, dict) else None
        error = None if status == "completed" else f"final status {status!r}"
    except Exception as exc:  # noqa: BLE001 - counted and reported
        error = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - start, error


async def load(url: str, runs: int, workspace: str, token: str) -> None:
    from langgraph_sdk import get_client

    client = get_client(url=url, timeout=300, headers={"Authorization": f"Bearer {token}"})
    context = {"project_id": "load", "workspace": workspace}
    alone, error = await one_run(client, context)  # warm-up and the no-contention baseline
    assert error is None, error
    start = time.perf_counter()
    results = await asyncio.gather(*(one_run(client, context) for _ in range(runs)))
    wall = time.perf_counter() - start
    latencies = sorted(r[0] for r in results)
    errors = [r[1] for r in results if r[1]]
    q = statistics.quantiles(latencies, n=100)
    print(f"runs {runs} concurrent, 5 scripted model calls each")
    print(f"throughput      {runs / wall:8.2f} runs/s  ({runs * 3 / wall:.1f} tasks/s)")
    print(f"latency p50     {statistics.median(latencies):8.2f} s")
    print(f"latency p99     {q[98]:8.2f} s")
    print(f"one run alone   {alone:8.2f} s")
    print(f"errors          {len(errors):8d}")
    for err in errors[:5]:
        print("  ", err)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--jobs", type=int, default=50, help="langgraph dev --n-jobs-per-worker")
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="codelab-load-")
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
           "LANGSMITH_TRACING": "false", "CODELAB_HOME": home, "BENCH_LATENCY": str(args.latency),
           "CODELAB_MODEL": "scripted:server_load:script", "CODELAB_ALLOW_SCRIPTED_MODELS": "1",
           "CODELAB_WORKSPACE_ROOTS": home,
           "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}
    env.pop("DATABASE_URL", None)
    os.environ.update({"CODELAB_HOME": home, "CODELAB_MODEL": env["CODELAB_MODEL"]})
    from codelab_orchestrator.persistence.tokens import TokenRepository
    from codelab_orchestrator.project import repository

    _, token = TokenRepository().create("bench")
    repository().project_agents("bench", "load")
    repository().update("bench", "load", "orchestrator", config={"routing_strategy": "llm"})
    port = free_port()
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    log = open(Path(home) / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port),
                             "--n-jobs-per-worker", str(args.jobs)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                sys.exit(f"langgraph dev exited; see {home}/server.log")
            try:
                if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                sys.exit("langgraph dev did not start")
            time.sleep(0.2)
        asyncio.run(load(url, args.runs, home, token))
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


if __name__ == "__main__":
    main()
