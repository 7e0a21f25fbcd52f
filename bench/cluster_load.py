"""Benchmark: 50 concurrent 5-task plans on a cluster of 1 and of 2 server processes, side by
side, and the takeover time after a SIGKILL.

Each configuration gets a fresh PostgreSQL database and a private Redis, and
`codelab serve --cluster` processes started from the cluster's virtual environment
(``.venv-cluster``). Every model call is scripted (tests/cluster_script.py) with a fixed
latency; a run is classify, plan and five tasks (a, b; c after a; d after b; e after c and
d) of two model calls each: 12 calls, 8 on the critical path. Runs are created alternately
on each server; a run's latency is from its creation to its thread's final state (read
from the thread, not a runs.wait body). Prints runs/s, p50/p90 latency, errors, and the
servers' CPU seconds per run (user + system of the server processes and their children,
git included, from /proc).

Takeover: on 2 servers, one 5-task plan is started, the server running it is killed with
SIGKILL in the middle of the plan (during a model call of task c or d), and the time until
the other server's first model call for that plan is measured; the killed server is
restarted for the next round. Tasks finished before the kill and run again afterwards are
counted (expected: 0).

Usage: python bench/cluster_load.py [--runs 50] [--latency 0.2] [--jobs 10]
       [--heartbeat 2] [--lease-ttl 8] [--takeovers 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import cluster as harness  # noqa: E402

PG_ADMIN = os.environ.get("CODELAB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
USER, PROJECT = "bench", "cluster"


def _prepare(database: str, directory: Path) -> dict[str, str]:
    """Agents and a token in the fresh database (this process talks to it directly)."""
    os.environ.update({"DATABASE_URL": database, "CODELAB_MODEL": harness.MODEL,
                       "CODELAB_HOME": str(directory / "home")})
    from codelab_orchestrator.persistence.engine import dispose_engines
    from codelab_orchestrator.persistence.tokens import TokenRepository
    from codelab_orchestrator.project import repository

    dispose_engines()
    repository().project_agents(USER, PROJECT)
    repository().update(USER, PROJECT, "orchestrator", config={"routing_strategy": "llm"})
    _, token = TokenRepository().create(USER)
    return {"Authorization": f"Bearer {token}"}


async def _final(client, thread: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = await client.threads.get_state(thread)
        values = state["values"] or {}
        if values.get("final") and not state["next"]:
            return values
        if time.monotonic() > deadline:
            raise TimeoutError(f"thread {thread} did not finish")
        await asyncio.sleep(0.1)


async def _one(clients: list, index: int, workspace: Path) -> tuple[float, str | None]:
    client = clients[index % len(clients)]
    directory = workspace / f"run-{index}"
    directory.mkdir()
    started = time.perf_counter()
    try:
        thread = (await client.threads.create())["thread_id"]
        run = await client.runs.create(
            thread, "orchestrator", input={"messages": [{"role": "user", "content": f"job five{index}"}]},
            context={"project_id": PROJECT, "workspace": str(directory)})
        await client.runs.join(thread, run["run_id"])
        values = await _final(client, thread)
        status = (await client.runs.get(thread, run["run_id"]))["status"]
        tasks = [t["status"] for t in values["plan"]["tasks"]]
        error = None
        if values["final"]["status"] != "completed" or tasks != ["done"] * 5 or status != "success":
            error = f"final {values['final']['status']}, tasks {tasks}, run {status}"
    except Exception as exc:  # noqa: BLE001 - counted and reported
        error = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, error


def load(servers: int, args: argparse.Namespace) -> dict:
    from langgraph_sdk import get_client

    directory = Path(tempfile.mkdtemp(prefix=f"codelab-cluster-{servers}-"))
    (directory / "ws").mkdir()
    with harness.throwaway_database(PG_ADMIN) as database, harness.redis_server(directory) as redis:
        headers = _prepare(database, directory)
        env = harness.server_env(database, redis, directory / "ws", directory / "calls.jsonl",
                                 CODELAB_HOME=str(directory / "home"),
                                 CLUSTER_LATENCY=str(args.latency),
                                 CODELAB_TASK_LEASE_TTL=str(args.lease_ttl))
        cluster = harness.Cluster(database, redis, directory, env)
        try:
            cluster.start(servers, heartbeat=str(args.heartbeat), jobs=str(args.jobs))
            clients = [get_client(url=s.url, headers=headers, timeout=600) for s in cluster.servers]

            async def run_all() -> tuple[float, list]:
                await _one(clients, -1, directory / "ws")  # warm-up (imports, first queries)
                cpu_before = sum(s.cpu_seconds() for s in cluster.servers)
                started = time.perf_counter()
                results = await asyncio.gather(*(_one(clients, i, directory / "ws")
                                                 for i in range(args.runs)))
                wall = time.perf_counter() - started
                cpu = sum(s.cpu_seconds() for s in cluster.servers) - cpu_before
                return wall, results, cpu

            wall, results, cpu = asyncio.run(run_all())
        finally:
            cluster.stop()
    latencies = sorted(r[0] for r in results)
    errors = [r[1] for r in results if r[1]]
    deciles = statistics.quantiles(latencies, n=10)
    return {"servers": servers, "runs/s": args.runs / wall, "p50": statistics.median(latencies),
            "p90": deciles[8], "errors": errors, "cpu/run": cpu / args.runs, "wall": wall}


def _mid_plan_call(calls: list[dict], job: str) -> dict | None:
    calls = [c for c in calls if c["job"] == job]
    ended = {(c["pid"], c["task"], c["step"]) for c in calls if c["event"] == "end"}
    for call in calls:
        if (call["event"] == "start" and call["task"] in ("c", "d")
                and call["step"] == 1 and (call["pid"], call["task"], 1) not in ended):
            return call
    return None


def takeovers(args: argparse.Namespace) -> list[tuple[float, int]]:

    directory = Path(tempfile.mkdtemp(prefix="codelab-takeover-"))
    (directory / "ws").mkdir()
    log = directory / "calls.jsonl"
    measured: list[tuple[float, int]] = []
    with harness.throwaway_database(PG_ADMIN) as database, harness.redis_server(directory) as redis:
        headers = _prepare(database, directory)
        env = harness.server_env(database, redis, directory / "ws", log,
                                 CODELAB_HOME=str(directory / "home"),
                                 CLUSTER_LATENCY=str(max(args.latency, 0.4)),
                                 CODELAB_TASK_LEASE_TTL=str(args.lease_ttl))
        cluster = harness.Cluster(database, redis, directory, env)
        try:
            cluster.start(2, heartbeat=str(args.heartbeat))
            for round_ in range(args.takeovers):
                job = f"fivekill{round_}-{uuid.uuid4().hex[:4]}"
                measured.append(asyncio.run(_takeover(cluster, headers, job, log, directory)))
                cluster.servers = [s for s in cluster.servers if s.alive()]
                cluster.start(1, heartbeat=str(args.heartbeat))  # back to two servers
        finally:
            cluster.stop()
    return measured


async def _takeover(cluster, headers: dict, job: str, log: Path,
                    directory: Path) -> tuple[float, int]:
    from langgraph_sdk import get_client

    client = get_client(url=cluster.servers[0].url, headers=headers, timeout=600)
    workspace = directory / "ws" / job
    workspace.mkdir()
    thread = (await client.threads.create())["thread_id"]
    await client.runs.create(thread, "orchestrator", context={
        "project_id": PROJECT, "workspace": str(workspace)},
        input={"messages": [{"role": "user", "content": f"job {job}"}]})
    deadline = time.monotonic() + 120
    while (call := _mid_plan_call(harness.read_calls(log), job)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the plan never reached task c or d")
        await asyncio.sleep(0.02)
    victim = next(s for s in cluster.servers if s.pid == call["pid"])
    survivor = next(s for s in cluster.servers if s is not victim)
    victim.signal(signal.SIGKILL)
    killed_at = time.time()
    victim.proc.wait(10)
    while not (after := [c for c in harness.read_calls(log) if c["job"] == job
                         and c["pid"] == survivor.pid and c["event"] == "start"]):
        if time.time() - killed_at > 120:
            raise TimeoutError("no takeover within 120 s")
        await asyncio.sleep(0.02)
    other = get_client(url=survivor.url, headers=headers, timeout=600)
    await _final(other, thread)
    calls = [c for c in harness.read_calls(log) if c["job"] == job]
    done_before = {c["task"] for c in calls if c["pid"] == victim.pid and c["step"] == 2
                   and c["event"] == "end" and c["t"] < killed_at}
    rerun = {c["task"] for c in calls if c["pid"] == survivor.pid} & done_before
    return after[0]["t"] - killed_at, len(rerun)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per model call")
    parser.add_argument("--jobs", type=int, default=10, help="runs one server executes at once")
    parser.add_argument("--heartbeat", type=float, default=2.0)
    parser.add_argument("--lease-ttl", type=float, default=8.0)
    parser.add_argument("--takeovers", type=int, default=3)
    args = parser.parse_args()
    if reason := harness.missing():
        sys.exit(reason)
    print(f"{args.runs} concurrent 5-task plans (12 scripted model calls of {args.latency:g} s "
          f"each, 8 on the critical path), {args.jobs} runs at once per server, "
          f"heartbeat {args.heartbeat:g} s, task lease {args.lease_ttl:g} s; {os.cpu_count()} cores")
    rows = [load(1, args), load(2, args)]
    print(f"{'servers':>7} {'runs/s':>7} {'p50 s':>7} {'p90 s':>7} {'errors':>6} {'CPU s/run':>9}")
    for row in rows:
        print(f"{row['servers']:>7} {row['runs/s']:>7.2f} {row['p50']:>7.2f} {row['p90']:>7.2f} "
              f"{len(row['errors']):>6} {row['cpu/run']:>9.3f}")
        for error in row["errors"][:3]:
            print("   ", error)
    print(f"2 servers / 1 server: {rows[1]['runs/s'] / rows[0]['runs/s']:.2f}x runs/s")
    if args.takeovers:
        results = takeovers(args)
        times = sorted(t for t, _ in results)
        print(f"takeover after SIGKILL ({len(times)} rounds): min {times[0]:.1f} s, "
              f"median {statistics.median(times):.1f} s, max {times[-1]:.1f} s; "
              f"finished tasks run again: {sum(r for _, r in results)}")


if __name__ == "__main__":
    main()
