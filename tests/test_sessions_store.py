"""The sessions table and its run lease, on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from codelab_orchestrator.persistence.engine import get_engine
from codelab_orchestrator.persistence.owners import new_owner_id, owner_is_dead, process_start_time
from codelab_orchestrator.persistence.sessions import (
    SessionBusyError,
    SessionNotFoundError,
    SessionStore,
    session_lease,
)


@pytest.fixture
def store(database_url) -> SessionStore:
    return SessionStore(get_engine(database_url))


def _owner_of(pid: int) -> str:
    """The owner id the process ``pid`` of this machine would have."""
    host, machine, _pid, _start, nonce = new_owner_id().split("|")
    return f"{host}|{machine}|{pid}|{process_start_time(pid)}|{nonce}"


def test_register_is_an_upsert_scoped_to_its_user_and_project(store):
    first = store.register("t1", user_id="ann", project_id="shop", workspace="/w",
                           orchestrator="fast", last_request="fix   the\nbug " + "x" * 300)
    assert (first.status, first.state, first.running) == ("new", "new", False)
    assert first.last_request.startswith("fix the bug x") and len(first.last_request) == 200
    again = store.register("t1", user_id="ann", project_id="shop", last_request="second")
    assert (again.workspace, again.orchestrator, again.last_request) == ("/w", "fast", "second")
    assert again.created_at == first.created_at and again.updated_at >= first.updated_at

    with pytest.raises(SessionNotFoundError, match="no session 't1' in bob/shop"):
        store.register("t1", user_id="bob", project_id="shop", last_request="hijack")
    with pytest.raises(SessionNotFoundError):
        store.register("t1", user_id="ann", project_id="other")
    assert store.get("t1", user_id="bob", project_id="shop") is None
    assert store.require("t1", user_id="ann", project_id="shop").last_request == "second"


def test_list_shows_only_the_callers_sessions_newest_first(store):
    for i in range(5):
        store.register(f"a{i}", user_id="ann", project_id="shop", last_request=f"r{i}")
        time.sleep(0.01)
    store.register("b0", user_id="bob", project_id="shop")
    store.register("a-other", user_id="ann", project_id="garden")
    assert [s.thread_id for s in store.list("ann", "shop")] == ["a4", "a3", "a2", "a1", "a0"]
    assert [s.thread_id for s in store.list("ann", "shop", limit=2)] == ["a4", "a3"]
    assert [s.thread_id for s in store.list("bob", "shop")] == ["b0"]
    assert not store.delete("b0", user_id="ann", project_id="shop")
    assert store.delete("b0", user_id="bob", project_id="shop")
    assert store.list("bob", "shop") == []


def test_lease_is_exclusive_renewable_and_released_with_the_outcome(store):
    store.register("t", user_id="u", project_id="p")
    me, other = new_owner_id(), new_owner_id()
    assert store.acquire("t", me, ttl=5)
    assert store.acquire("t", me, ttl=5)  # re-entrant for its owner
    assert not store.acquire("t", other, ttl=5)
    record = store.get("t", user_id="u", project_id="p")
    assert record.running and record.state == "running" and record.holder.startswith("pid ")
    with pytest.raises(SessionBusyError):
        store.delete("t", user_id="u", project_id="p")
    assert store.renew("t", me, ttl=5) and not store.renew("t", other, ttl=5)
    assert not store.release("t", other, "failed")
    assert store.release("t", me, "completed")
    record = store.get("t", user_id="u", project_id="p")
    assert (record.running, record.state, record.holder) == (False, "completed", None)
    assert store.acquire("t", other, ttl=5)
    with pytest.raises(SessionNotFoundError):
        store.acquire("never-registered", me)


def test_lease_of_another_machine_expires_after_its_ttl(store):
    store.register("t", user_id="u", project_id="p")
    elsewhere = "otherhost|0123456789ab|4242|777|abcd1234"
    assert not owner_is_dead(elsewhere)  # never judged from here
    assert store.acquire("t", elsewhere, ttl=0.5)
    assert not store.acquire("t", new_owner_id(), ttl=5)
    time.sleep(0.7)
    record = store.get("t", user_id="u", project_id="p")
    assert (record.running, record.state) == (False, "interrupted")
    assert store.acquire("t", new_owner_id(), ttl=5)


def test_lease_of_a_dead_local_process_is_free_at_once(store):
    store.register("t", user_id="u", project_id="p")
    proc = subprocess.Popen(["sleep", "30"])
    try:
        owner = _owner_of(proc.pid)
        assert not owner_is_dead(owner)
        assert store.acquire("t", owner, ttl=60)
        assert not store.acquire("t", new_owner_id(), ttl=5)
        proc.kill()
        time.sleep(0.1)  # not reaped yet: a zombie holds nothing either
        assert owner_is_dead(owner)
        assert store.acquire("t", new_owner_id(), ttl=5)
    finally:
        proc.kill()
        proc.wait()
    reused = f"{owner.rsplit('|', 3)[0]}|{proc.pid}|1|x"  # same pid, another start time
    assert owner_is_dead(reused)


def test_session_lease_rejects_or_waits_and_renews(store):
    holding, release = threading.Event(), threading.Event()

    def first_run():
        with session_lease("t", user_id="u", project_id="p", ttl=0.6, store=store) as lease:
            holding.set()
            release.wait(10)
            lease.status = "completed"

    runner = threading.Thread(target=first_run)
    runner.start()
    assert holding.wait(10)
    time.sleep(1.0)  # longer than the TTL: only renewal keeps it
    with (pytest.raises(SessionBusyError, match="session t is already running \\(pid "),
          session_lease("t", user_id="u", project_id="p", store=store)):
        pass
    with (pytest.raises(SessionNotFoundError),  # another user's thread: not even a wait
          session_lease("t", user_id="eve", project_id="p", store=store, wait=True)):
        pass

    waited: list = []
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    with session_lease("t", user_id="u", project_id="p", store=store, wait=True,
                       on_wait=waited.append) as lease:
        assert time.monotonic() - started >= 0.4
        assert store.get("t", user_id="u", project_id="p").status == "completed"
        lease.status = "failed"
    runner.join(5)
    assert len(waited) == 1 and waited[0].running
    record = store.get("t", user_id="u", project_id="p")
    assert (record.running, record.status) == (False, "failed")


def test_a_lease_taken_over_is_reported_lost(store):
    with session_lease("t", user_id="u", project_id="p", ttl=0.3, store=store) as lease:
        with get_engine(store.engine.url.render_as_string(hide_password=False)).begin() as conn:
            from sqlalchemy import text

            conn.execute(text("UPDATE sessions SET lease_owner = 'x|y|1|2|3'"))
        assert lease.lost.wait(2)
    assert store.get("t", user_id="u", project_id="p").holder == "pid 1 on x"
