"""Task leases and fencing on PostgreSQL: a worker that lost its lease neither acts nor records.

A pause is simulated in-process by blocking the event loop (as SIGSTOP would stop the whole
process): the lease cannot be renewed meanwhile, expires, and "another worker" (a thread of
the test) takes it over. The real cross-process case (SIGSTOP/SIGCONT of a server) is in
tests/test_cluster.py.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import threading
import time

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from sqlalchemy import text

from codelab_orchestrator.agents import fencing
from codelab_orchestrator.context import Context
from codelab_orchestrator.persistence.engine import get_engine
from codelab_orchestrator.persistence.leases import TaskLeases, task_leases
from tests.scripted import Script, plan, task_id_of

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_database, monkeypatch) -> str:
    url = pg_database.replace("postgresql://", "postgresql+psycopg://", 1)
    monkeypatch.setenv("DATABASE_URL", url)
    with get_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM task_leases"))
    return url


@pytest.fixture(autouse=True)
def _collect_garbage():
    """A run that fails mid-step leaves reference cycles holding dynamically built pydantic
    classes; when the garbage collector later frees them inside an ``ast`` compile (pytest
    rewriting a module it imports late), CPython 3.11 fails with "AST constructor recursion
    depth mismatch". Collect them here, where no compile is running."""
    yield
    gc.collect()


def _expire(url: str, key: str) -> None:
    with get_engine(url).begin() as conn:
        conn.execute(text("UPDATE task_leases SET expires_at = now() - interval '1 second' "
                          "WHERE key = :k"), {"k": key})


def test_a_lease_is_taken_only_when_free_or_expired_and_every_taking_moves_the_epoch(pg):
    store = TaskLeases(get_engine(pg))
    assert store.acquire("s:task:p:t:1", "a", 30) == 1
    assert store.acquire("s:task:p:t:1", "b", 30) is None  # live: refused
    assert store.renew("s:task:p:t:1", "a", 1, 30)
    assert store.holds([("s:task:p:t:1", "a", 1)]) == {"s:task:p:t:1": True}

    _expire(pg, "s:task:p:t:1")  # a was paused past its lease
    assert store.acquire("s:task:p:t:1", "b", 30) == 2
    assert not store.renew("s:task:p:t:1", "a", 1, 30)  # a wakes up: too late
    assert store.holds([("s:task:p:t:1", "a", 1)]) == {"s:task:p:t:1": False}
    assert store.holds([("s:task:p:t:1", "b", 2)]) == {"s:task:p:t:1": True}

    store.release("s:task:p:t:1", "b", 2)  # released: free at once, and b still "holds" it
    assert store.holds([("s:task:p:t:1", "b", 2)]) == {"s:task:p:t:1": True}
    assert store.acquire("s:task:p:t:1", "c", 30) == 3
    assert store.holds([("s:task:p:t:1", "b", 2)]) == {"s:task:p:t:1": False}


def test_a_dead_processs_lease_is_taken_at_once(pg):
    """A `codelab run` killed with SIGKILL leaves a live-looking lease; its process is gone,
    so resuming on this machine does not wait for it to expire."""
    dead = subprocess.run(
        [sys.executable, "-c", "from codelab_orchestrator.persistence.owners import new_owner_id;"
                               "print(new_owner_id())"], capture_output=True, text=True, check=True,
    ).stdout.strip()
    store = TaskLeases(get_engine(pg))
    assert store.acquire("s:task:p:t:2", dead, 60) == 1
    assert store.acquire("s:task:p:t:2", "elsewhere", 60) == 2


def test_sqlite_has_no_leases(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'a.sqlite'}")
    assert task_leases() is None

    async def scenario() -> object:
        async with fencing.hold("s:task:p:t:1") as fence:
            await fencing.check()
            return fence

    assert asyncio.run(scenario()) is None


def test_a_second_worker_waits_for_the_first_ones_lease_to_expire(pg, monkeypatch):
    monkeypatch.setenv(fencing.LEASE_TTL_ENV, "2")
    store = task_leases()
    assert store is not None and store.acquire("s:task:p:t:1", "crashed", 1.5) == 1

    async def scenario() -> tuple[float, int | None]:
        started = time.monotonic()
        async with fencing.hold("s:task:p:t:1") as fence:
            assert fence is not None
            await fencing.check()
            return time.monotonic() - started, fence.epoch

    waited, epoch = asyncio.run(scenario())
    assert 1.0 < waited < 3.0 and epoch == 2


def test_renewal_keeps_a_running_attempt_and_a_lost_lease_cancels_it(pg, monkeypatch):
    monkeypatch.setenv(fencing.LEASE_TTL_ENV, "1.5")

    async def scenario() -> str:
        async with fencing.hold("s:task:p:t:9") as fence:
            assert fence is not None
            await asyncio.sleep(2.5)  # longer than the TTL: the renewals keep it
            await fencing.check()
            time.sleep(2.0)  # the whole process stops (loop blocked): the lease expires
            assert task_leases().acquire("s:task:p:t:9", "other", 30) == 2
            await asyncio.sleep(5)  # the next renewal finds it taken and cancels this
        return "not stopped"

    with pytest.raises(fencing.LeaseLostError, match="taken over"):
        asyncio.run(scenario())


def _pausing_writer(paused: threading.Event, resumed: threading.Event):
    """Task ``a``: its first model call "pauses the process" (blocks the event loop) until
    another worker has taken the lease over, then answers with a write_file call."""

    async def run(request):
        task = task_id_of(request)
        if any(isinstance(m, ToolMessage) for m in request.messages):
            return f"wrote {task}.txt"
        if task == "a":
            paused.set()
            resumed.wait(20)  # blocking on purpose: nothing else of this process runs
        return AIMessage(content="", tool_calls=[{
            "name": "write_file", "args": {"path": f"{task}.txt", "content": task},
            "id": f"call-{task}"}])

    return run


def test_a_worker_paused_past_its_lease_writes_nothing_and_records_nothing(
        pg, orchestrate, tmp_path, monkeypatch):
    monkeypatch.setenv(fencing.LEASE_TTL_ENV, "1.5")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id,
                                  workspace=str(workspace))
    paused, resumed = threading.Event(), threading.Event()
    script = orchestrate.use(Script(
        classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
        plans=[plan(("a", "coder"))], task=_pausing_writer(paused, resumed)))
    taken: list[int | None] = []

    def other_worker() -> None:
        paused.wait(30)
        store = task_leases()
        key = (f"{orchestrate.thread}:task:"
               f"{orchestrate.state().values['plan'].id}:a:1")
        deadline = time.monotonic() + 10
        while (epoch := store.acquire(key, "other-server:1:x", 60)) is None:
            assert time.monotonic() < deadline, "the lease never expired"
            time.sleep(0.1)
        taken.append(epoch)
        resumed.set()

    thief = threading.Thread(target=other_worker)
    thief.start()
    with pytest.raises(fencing.LeaseLostError, match="taken over"):
        orchestrate.send("build it")
    thief.join(5)

    assert taken == [2]
    assert not (workspace / "a.txt").exists()  # the write_file call never ran
    assert script.counts["task"] == 1  # and no model call after the pause
    task = orchestrate.state().values["plan"].task("a")
    # Nothing recorded: the step that started it is the one that failed, so the session is
    # where it was before; the worker that took over continues the same attempt's run.
    assert task.status == "pending" and task.result is None and task.attempts == 0


def test_an_attempt_with_its_lease_records_its_result(pg, orchestrate, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id,
                                  workspace=str(workspace))
    orchestrate.use(Script(
        classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
        plans=[plan(("a", "coder"), ("b", "coder", ["a"]))],
        task=lambda req: f"result of {task_id_of(req)}"))
    values = orchestrate.send("build it")
    assert values["final"].status == "completed"
    with get_engine(pg).connect() as conn:
        rows = conn.execute(text("SELECT key, epoch, expires_at <= now() FROM task_leases "
                                 "ORDER BY key")).all()
    assert [(key.rsplit(":", 3)[-2], epoch, released) for key, epoch, released in rows] == [
        ("a", 1, True), ("b", 1, True)]  # held once each, released when done


class _Run:  # stands for the supervisor's record of one run
    pass


def test_one_lost_lease_stops_every_attempt_of_the_run(pg, monkeypatch):
    monkeypatch.setenv(fencing.LEASE_TTL_ENV, "1.5")

    async def attempt(key: str) -> str:
        async with fencing.hold(key):
            await asyncio.sleep(20)
        return "not stopped"

    async def scenario() -> list:
        fencing.enter_run(_Run())
        running = [asyncio.create_task(attempt(f"s:task:p:{t}:1")) for t in ("x", "y")]
        await asyncio.sleep(0.3)
        _expire(pg, "s:task:p:x:1")  # x's worker was cut off; another took x over
        assert task_leases().acquire("s:task:p:x:1", "elsewhere|m|1|1|n", 30) == 2
        return await asyncio.gather(*running, return_exceptions=True)

    results = asyncio.run(scenario())
    assert [type(r) for r in results] == [fencing.LeaseLostError, fencing.LeaseLostError]


def test_a_waiting_attempt_gives_up_when_the_holder_elsewhere_is_alive(pg, monkeypatch):
    """The stale side of a takeover: its lease is held, and renewed, by a live worker."""
    monkeypatch.setenv(fencing.LEASE_TTL_ENV, "2")
    store = task_leases()
    other = "elsewhere|m|1|1|n"
    assert store.acquire("s:task:p:z:1", other, 2) == 1
    stop = threading.Event()

    def keep_renewing() -> None:
        while not stop.wait(0.3):
            store.renew("s:task:p:z:1", other, 1, 2)

    renewer = threading.Thread(target=keep_renewing)
    renewer.start()

    async def scenario() -> float:
        started = time.monotonic()
        with pytest.raises(fencing.LeaseLostError, match="being run by another worker"):
            async with fencing.hold("s:task:p:z:1"):
                pass
        return time.monotonic() - started

    try:
        assert asyncio.run(scenario()) < 1.5
    finally:
        stop.set()
        renewer.join()
