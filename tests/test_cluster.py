"""Two `codelab serve --cluster` processes on one throwaway PostgreSQL database and Redis.

- a thread created on one server runs and is resumed (an approval) on the other, with the
  server's strict msgpack serializer: nothing is blocked;
- 20 concurrent multi-task runs spread over both servers finish without an error;
- a server paused (SIGSTOP) in the middle of a plan: the other takes the plan over; woken
  up (SIGCONT), the paused one calls no model and writes no file any more;
- a server killed (SIGKILL) in the middle of a plan: the other finishes it within 15 s of
  the kill without running a finished task again.

Slow (two servers start in ~15 s on two cores). Needs the cluster's virtual environment
(``.venv-cluster``), redis-server and PostgreSQL; CI has all three (CODELAB_REQUIRE_CLUSTER).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from tests import cluster as harness
from tests.conftest import PG_ADMIN_URL, _pg_available

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

USER = "cluster-user"
HEARTBEAT_S = 2
LEASE_TTL_S = 4
LATENCY_S = 0.4  # every scripted model call
TAKEOVER_LIMIT_S = 15


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = harness.missing() or (None if _pg_available() else f"no PostgreSQL at {PG_ADMIN_URL}")
    if reason:
        if os.environ.get("CODELAB_REQUIRE_CLUSTER"):
            pytest.fail(reason)
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("cluster")
    (directory / "workspaces").mkdir()
    with harness.throwaway_database(PG_ADMIN_URL) as database, \
            harness.redis_server(directory) as redis:
        env = harness.server_env(
            database, redis, directory / "workspaces", directory / "calls.jsonl",
            CODELAB_HOME=str(directory / "home"), CODELAB_TASK_LEASE_TTL=str(LEASE_TTL_S),
            CLUSTER_LATENCY=str(LATENCY_S))
        servers = harness.Cluster(database, redis, directory, env)
        try:
            servers.start(2, heartbeat=str(HEARTBEAT_S))
            yield servers
        finally:
            servers.stop()


@pytest.fixture
def project(cluster, monkeypatch):
    """A project of USER with scripted agents in the cluster's database, and a token."""
    from codelab_orchestrator.persistence.tokens import TokenRepository
    from codelab_orchestrator.project import repository

    monkeypatch.setenv("DATABASE_URL", cluster.database_url)
    monkeypatch.setenv("CODELAB_MODEL", harness.MODEL)
    name = f"p{uuid.uuid4().hex[:6]}"
    repository().project_agents(USER, name)
    repository().update(USER, name, "orchestrator", config={"routing_strategy": "llm"})
    _, token = TokenRepository().create(USER)
    return name, {"Authorization": f"Bearer {token}"}


def _clients(cluster, headers):
    from langgraph_sdk import get_client

    return [get_client(url=s.url, headers=headers, timeout=120) for s in cluster.servers]


def _workspace(cluster, name: str) -> Path:
    path = cluster.directory / "workspaces" / name
    path.mkdir()
    return path


def _calls(cluster, job: str | None = None) -> list[dict]:
    calls = harness.read_calls(cluster.directory / "calls.jsonl")
    return [c for c in calls if job is None or c["job"] == job]


async def _finished_state(client, thread_id: str, timeout: float = 90) -> dict:
    """The thread's state once its plan has a final answer (read from the thread, never
    from a runs.wait body)."""
    deadline = time.monotonic() + timeout
    while True:
        state = await client.threads.get_state(thread_id)
        values = state["values"] or {}
        if values.get("final") and not state["next"]:
            return values
        assert time.monotonic() < deadline, f"thread {thread_id} did not finish: {values.get('plan')}"
        await asyncio.sleep(0.25)


async def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return found


def test_a_thread_moves_between_servers_and_an_approval_resumes_on_the_other(cluster, project):
    from codelab_orchestrator.persistence.sessions import SessionStore
    from codelab_orchestrator.project import repository

    name, headers = project
    repository().update(USER, name, "orchestrator", config={"approval_threshold_tasks": 2})
    workspace = _workspace(cluster, "approval")
    a, b = _clients(cluster, headers)

    async def scenario() -> tuple[dict, dict, dict]:
        thread = (await a.threads.create())["thread_id"]
        run = await a.runs.create(thread, "orchestrator", context={
            "project_id": name, "workspace": str(workspace)},
            input={"messages": [{"role": "user", "content": "job approval"}]})
        await a.runs.join(thread, run["run_id"])
        waiting = await b.threads.get_state(thread)  # the other server sees the interrupt
        resumed = await b.runs.create(thread, "orchestrator", command={"resume": "approve"})
        await b.runs.join(thread, resumed["run_id"])
        return waiting, await _finished_state(a, thread), {"thread": thread}

    waiting, values, ids = asyncio.run(scenario())
    interrupts = [i["value"] for task in waiting["tasks"] for i in task.get("interrupts", [])]
    assert waiting["next"] == ["architect_plan"] and interrupts[0]["type"] == "approval_required"
    assert values["plan"]["status"] == "completed" and values["final"]["status"] == "completed"
    assert sorted(p.name.split("_")[0] for p in workspace.iterdir()) == ["a", "b", "c"]
    for server in cluster.servers:  # the servers run with the strict serializer...
        environ = Path(f"/proc/{server.pid}/environ").read_bytes().split(b"\0")
        assert b"LANGGRAPH_STRICT_MSGPACK=true" in environ
    logs = cluster.logs()  # ...and it blocked none of the state's types
    assert "Blocked deserialization" not in logs and "unregistered type" not in logs
    listed = [s.thread_id for s in SessionStore().list(USER, name)]  # `codelab sessions list`
    assert listed == [ids["thread"]]
    shown = CliRunner().invoke(app, ["sessions", "show", ids["thread"], "--user", USER,
                                     "--project", name, "--json"])  # read from PostgreSQL
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["plan"]["status"] == "completed"


def test_twenty_concurrent_runs_over_two_servers_finish_without_errors(cluster, project):
    name, headers = project
    clients = _clients(cluster, headers)

    async def one(index: int) -> tuple[str, dict, str]:
        client = clients[index % 2]
        workspace = _workspace(cluster, f"load-{index}")
        thread = (await client.threads.create())["thread_id"]
        run = await client.runs.create(thread, "orchestrator", context={
            "project_id": name, "workspace": str(workspace)},
            input={"messages": [{"role": "user", "content": f"job load{index}"}]})
        other = clients[(index + 1) % 2]
        await other.runs.join(thread, run["run_id"])
        values = await _finished_state(other, thread)
        status = (await client.runs.get(thread, run["run_id"]))["status"]
        return thread, values, status

    async def scenario() -> list[tuple[str, dict, str]]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    results = asyncio.run(scenario())
    errors = [(thread, values.get("final"), status) for thread, values, status in results
              if values["final"]["status"] != "completed" or status != "success"
              or [t["status"] for t in values["plan"]["tasks"]] != ["done"] * 3]
    assert errors == []
    runners = {c["pid"] for c in _calls(cluster) if c["job"].startswith("load")}
    assert runners == {s.pid for s in cluster.servers}  # both servers ran some of them


def _start_five(cluster, headers, name: str, job: str) -> tuple[str, str, Path]:
    workspace = _workspace(cluster, job)
    a, _ = _clients(cluster, headers)

    async def start() -> tuple[str, str]:
        thread = (await a.threads.create())["thread_id"]
        run = await a.runs.create(thread, "orchestrator", context={
            "project_id": name, "workspace": str(workspace)},
            input={"messages": [{"role": "user", "content": f"job {job}"}]})
        return thread, run["run_id"]

    thread, run = asyncio.run(start())
    return thread, run, workspace


def _mid_plan_call(cluster, job: str):
    """A first model call (the one that asks for a write) of task c or d, in flight."""
    calls = _calls(cluster, job)
    ended = {(c["pid"], c["task"], c["step"]) for c in calls if c["event"] == "end"}
    for call in calls:
        if (call["event"] == "start" and call["task"] in ("c", "d") and call["step"] == 1
                and (call["pid"], call["task"], 1) not in ended):
            return call
    return None


def test_a_paused_server_that_wakes_up_after_a_takeover_neither_calls_nor_writes(
        cluster, project):
    name, headers = project
    job = "five-paused"
    thread, run, workspace = _start_five(cluster, headers, name, job)
    by_pid = {s.pid: s for s in cluster.servers}

    async def scenario() -> dict:
        call = await _wait_for(lambda: _mid_plan_call(cluster, job), 60, "a mid-plan call")
        paused = by_pid[call["pid"]]
        other = next(s for s in cluster.servers if s is not paused)
        paused.signal(signal.SIGSTOP)
        paused_at = time.time()
        try:
            took_over = await _wait_for(
                lambda: [c for c in _calls(cluster, job) if c["pid"] == other.pid
                         and c["event"] == "start" and c["t"] > paused_at],
                TAKEOVER_LIMIT_S + 10, "the other server to take the plan over")
        finally:
            paused.signal(signal.SIGCONT)
        woke_at = time.time()
        client = _clients(cluster, headers)[cluster.servers.index(other)]
        values = await _finished_state(client, thread)
        await asyncio.sleep(LEASE_TTL_S + 2)  # whatever the woken server would still do
        return {"call": call, "paused": paused, "paused_at": paused_at, "woke_at": woke_at,
                "took_over": took_over[0]["t"] - paused_at, "values": values,
                "final": await _finished_state(client, thread),
                "status": (await client.runs.get(thread, run))["status"]}

    seen = asyncio.run(scenario())
    paused, woke_at = seen["paused"], seen["woke_at"]
    assert seen["took_over"] <= TAKEOVER_LIMIT_S
    late_calls = [c for c in _calls(cluster) if c["pid"] == paused.pid and c["event"] == "start"
                  and c["t"] > woke_at]
    assert late_calls == []  # no model call from the woken server
    # No write: the only writes it could still make are those asked for by its model calls in
    # flight during the pause (they end after it wakes up); none of them is anywhere, neither
    # in the workspace nor in the task worktrees (in the shared data directory).
    calls = _calls(cluster, job)
    in_flight = {c["task"] for c in calls if c["pid"] == paused.pid and c["event"] == "end"
                 and c["step"] == 1 and c["t"] > seen["paused_at"]}
    assert seen["call"]["task"] in in_flight
    forbidden = {f"{task}_{paused.pid}_{job}.txt" for task in in_flight}
    roots = (workspace, cluster.directory / "home" / "gitspace")
    assert [p for root in roots for p in root.rglob("*.txt") if p.name in forbidden] == []
    # The result has one file per task, and the paused server's are from before the pause.
    writers = {name.split("_")[0]: int(name.split("_")[1])
               for name in (p.name for p in workspace.iterdir() if p.suffix == ".txt")}
    done_before = {c["task"] for c in calls if c["pid"] == paused.pid and c["step"] == 2
                   and c["event"] == "end" and c["t"] < seen["paused_at"]}
    assert sorted(writers) == ["a", "b", "c", "d", "e"]
    assert {task for task, pid in writers.items() if pid == paused.pid} <= done_before
    final = seen["final"]
    assert final["final"]["status"] == "completed"
    assert [t["status"] for t in final["plan"]["tasks"]] == ["done"] * 5
    assert seen["values"]["final"] == final["final"]  # the woken server changed nothing
    # The woken server's run failed on its lost lease, before the other server finished: the
    # run ends as that server's success (and the woken one recorded nothing in between).
    assert "LeaseLostError" in paused.log.read_text() and seen["status"] == "success"
    assert paused.alive()


def test_a_killed_servers_plan_is_finished_by_the_other_without_rerunning_done_tasks(
        cluster, project):
    name, headers = project
    job = "five-killed"
    thread, run, workspace = _start_five(cluster, headers, name, job)
    by_pid = {s.pid: s for s in cluster.servers}

    async def scenario() -> dict:
        call = await _wait_for(lambda: _mid_plan_call(cluster, job), 60, "a mid-plan call")
        killed = by_pid[call["pid"]]
        other = next(s for s in cluster.servers if s is not killed)
        killed.signal(signal.SIGKILL)
        killed_at = time.time()
        killed.proc.wait(10)
        took_over = await _wait_for(
            lambda: [c for c in _calls(cluster, job) if c["pid"] == other.pid
                     and c["event"] == "start"], TAKEOVER_LIMIT_S + 10, "a takeover")
        client = _clients(cluster, headers)[cluster.servers.index(other)]
        values = await _finished_state(client, thread)
        return {"killed": killed, "killed_at": killed_at, "other": other,
                "took_over": took_over[0]["t"] - killed_at, "values": values,
                "status": (await client.runs.get(thread, run))["status"]}

    seen = asyncio.run(scenario())
    assert seen["took_over"] <= TAKEOVER_LIMIT_S
    calls = _calls(cluster, job)
    done_before = {c["task"] for c in calls if c["pid"] == seen["killed"].pid
                   and c["step"] == 2 and c["event"] == "end" and c["t"] < seen["killed_at"]}
    rerun = {c["task"] for c in calls if c["pid"] == seen["other"].pid} & done_before
    assert done_before and rerun == set()  # finished tasks were not run again
    values = seen["values"]
    assert values["final"]["status"] == "completed" and seen["status"] == "success"
    assert [t["status"] for t in values["plan"]["tasks"]] == ["done"] * 5
