"""Sessions: one row per thread, and a lease so that one run at a time works on it.

A row says whose session it is (``user_id``, ``project_id``: every read is scoped by
both, like the agents), where it runs (workspace, orchestrator), its last request
and how its last run ended (``status``). Listing sessions reads this table, never
the checkpoints.

The lease is two columns, ``lease_owner`` and ``lease_expires_at``. A run takes it
with one conditional ``UPDATE`` (free, expired, or already ours), renews it from a
background thread while it lives (every ``ttl / 3``) and clears it when it ends.
A second run finds it taken and is refused, or waits (the LangGraph server's
``multitask_strategy`` ``reject`` and ``enqueue``). A crashed run stops renewing:
its lease expires after ``ttl`` (15 s by default), and at once when the owner was
a process on this machine that no longer exists (the owner id carries the host,
the pid and the process's start time, so a reused pid is not mistaken for it).
On PostgreSQL, times are the database server's, so clocks of several machines
need not agree.

Every method is synchronous, cheap and runs in its own short transaction, so a
graph node may call :meth:`SessionStore.register` too.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Interval, Table, and_, delete, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .engine import WRITE, get_engine
from .models import SessionRow
from .owners import describe_owner, new_owner_id, owner_is_dead

DEFAULT_LEASE_TTL_S = 15.0
LAST_REQUEST_CHARS = 200
WAIT_POLL_S = 0.25
_table: Table = SessionRow.__table__  # type: ignore[assignment]  # Core statements


class SessionError(Exception):
    """A session cannot be used as asked; the message says why, in one line."""


class SessionNotFoundError(SessionError, LookupError):
    pass


def session_not_found(thread_id: str, user_id: str, project_id: str) -> SessionNotFoundError:
    """The one error for a thread that does not exist and for another user's or project's:
    the message does not tell which."""
    return SessionNotFoundError(
        f"no session {thread_id!r} in {user_id}/{project_id} (sessions belong to one user "
        "and project: check --user/--project)")


class SessionBusyError(SessionError):
    def __init__(self, thread_id: str, holder: SessionRecord | None):
        self.thread_id, self.holder = thread_id, holder
        where = f" ({holder.holder})" if holder is not None and holder.holder else ""
        super().__init__(f"session {thread_id} is already running{where}")


# -- records ----------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SessionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    user_id: str
    project_id: str
    workspace: str | None
    orchestrator: str | None
    created_at: datetime
    updated_at: datetime
    last_request: str | None
    status: str
    running: bool  # a live run holds the lease right now
    holder: str | None  # "pid N on host" while running

    @property
    def state(self) -> str:
        """``running``; ``interrupted`` (a run died holding the lease: resume continues it);
        else how the last run ended."""
        if self.running:
            return "running"
        return "interrupted" if self.holder else self.status

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json") | {"state": self.state}


def short_request(text: str | None) -> str | None:
    if text is None:
        return None
    flat = " ".join(str(text).split())
    return flat if len(flat) <= LAST_REQUEST_CHARS else flat[: LAST_REQUEST_CHARS - 1] + "…"


# -- the store --------------------------------------------------------------------------


class SessionStore:
    def __init__(self, engine: Engine | None = None):
        self.engine = engine or get_engine()
        self._write_engine = self.engine.execution_options(**WRITE)
        self._pg = self.engine.dialect.name == "postgresql"

    # Times: the database server's on PostgreSQL (several machines, one clock); on SQLite
    # (one file, one machine) this machine's, in UTC.
    def _now(self) -> Any:
        return func.now() if self._pg else literal(datetime.now(UTC), _table.c.updated_at.type)

    def _later(self, seconds: float) -> Any:
        if self._pg:
            return func.now() + literal(timedelta(seconds=seconds), Interval())
        return literal(datetime.now(UTC) + timedelta(seconds=seconds), _table.c.updated_at.type)

    def _live(self) -> Any:
        return and_(_table.c.lease_owner.is_not(None), _table.c.lease_expires_at > self._now())

    def _record(self, row: Any) -> SessionRecord:
        data = dict(row._mapping)
        live = bool(data.pop("live", False))
        owner = data.pop("lease_owner")
        data.pop("lease_expires_at")
        data["created_at"], data["updated_at"] = _aware(data["created_at"]), _aware(data["updated_at"])
        return SessionRecord(**data, running=live and not owner_is_dead(owner),
                             holder=describe_owner(owner))

    def _select(self) -> Any:
        return select(*_table.c, self._live().label("live"))

    # -- rows ---------------------------------------------------------------------------

    def register(self, thread_id: str, *, user_id: str, project_id: str,
                 workspace: str | None = None, orchestrator: str | None = None,
                 last_request: str | None = None) -> SessionRecord:
        """Create the session, or update the fields given (None keeps a field as it is).

        One ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` the row is the caller's: a thread
        of another user or project is never changed and raises :class:`SessionNotFoundError`.
        """
        now = self._now()
        values = {"thread_id": thread_id, "user_id": user_id, "project_id": project_id,
                  "workspace": workspace, "orchestrator": orchestrator,
                  "last_request": short_request(last_request), "status": "new",
                  "created_at": now, "updated_at": now}
        dialect = postgresql if self._pg else sqlite
        statement = dialect.insert(_table).values(values)
        changes = {"updated_at": statement.excluded.updated_at}
        for name in ("workspace", "orchestrator", "last_request"):
            if values[name] is not None:
                changes[name] = statement.excluded[name]
        statement = statement.on_conflict_do_update(
            index_elements=["thread_id"], set_=changes,
            where=and_(_table.c.user_id == statement.excluded.user_id,
                       _table.c.project_id == statement.excluded.project_id),
        ).returning(_table.c.thread_id)
        with self._write_engine.begin() as conn:
            if conn.execute(statement).first() is None:
                raise session_not_found(thread_id, user_id, project_id)
        record = self.get(thread_id, user_id=user_id, project_id=project_id)
        assert record is not None
        return record

    def get(self, thread_id: str, *, user_id: str, project_id: str) -> SessionRecord | None:
        query = self._select().where(_table.c.thread_id == thread_id,
                                     _table.c.user_id == user_id,
                                     _table.c.project_id == project_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else self._record(row)

    def require(self, thread_id: str, *, user_id: str, project_id: str) -> SessionRecord:
        """The caller's session, or :class:`SessionNotFoundError` (whether it does not exist
        or belongs to someone else: the message does not tell which)."""
        record = self.get(thread_id, user_id=user_id, project_id=project_id)
        if record is None:
            raise session_not_found(thread_id, user_id, project_id)
        return record

    def list(self, user_id: str, project_id: str, limit: int = 20) -> builtins.list[SessionRecord]:
        """The caller's sessions, most recently active first."""
        query = (self._select()
                 .where(_table.c.user_id == user_id, _table.c.project_id == project_id)
                 .order_by(_table.c.updated_at.desc(), _table.c.thread_id).limit(limit))
        with self.engine.connect() as conn:
            return [self._record(row) for row in conn.execute(query)]

    def delete(self, thread_id: str, *, user_id: str, project_id: str) -> bool:
        """Forget the caller's session (not its checkpoints); refused while a run holds it."""
        scoped = and_(_table.c.thread_id == thread_id, _table.c.user_id == user_id,
                      _table.c.project_id == project_id)
        with self._write_engine.begin() as conn:
            row = conn.execute(self._select().where(scoped).with_for_update()).first()
            if row is None:
                return False
            record = self._record(row)
            if record.running:
                raise SessionBusyError(thread_id, record)
            return conn.execute(delete(_table).where(scoped)).rowcount == 1

    # -- the lease ----------------------------------------------------------------------

    def acquire(self, thread_id: str, owner: str, ttl: float = DEFAULT_LEASE_TTL_S) -> bool:
        """Take the run lease if it is free, expired, already ``owner``'s, or held by a dead
        process of this machine. False: a live run holds it."""
        take = dict(lease_owner=owner, lease_expires_at=self._later(ttl), updated_at=self._now())
        with self._write_engine.begin() as conn:
            free = or_(_table.c.lease_owner.is_(None), _table.c.lease_owner == owner,
                       _table.c.lease_expires_at <= self._now())
            if conn.execute(update(_table).where(_table.c.thread_id == thread_id, free)
                            .values(**take)).rowcount == 1:
                return True
            holder = conn.execute(select(_table.c.lease_owner)
                                  .where(_table.c.thread_id == thread_id)).first()
            if holder is None:
                raise SessionNotFoundError(f"no session {thread_id!r}: register it first")
            if holder[0] is None or not owner_is_dead(holder[0]):
                return False
            # Compare-and-set on the dead owner: of two processes taking over, one wins.
            return conn.execute(update(_table).where(_table.c.thread_id == thread_id,
                                                     _table.c.lease_owner == holder[0])
                                .values(**take)).rowcount == 1

    def renew(self, thread_id: str, owner: str, ttl: float = DEFAULT_LEASE_TTL_S) -> bool:
        """Extend ``owner``'s lease; False if it is no longer ``owner``'s (it expired and
        another run took it)."""
        with self._write_engine.begin() as conn:
            return conn.execute(update(_table).where(_table.c.thread_id == thread_id,
                                                     _table.c.lease_owner == owner)
                                .values(lease_expires_at=self._later(ttl))).rowcount == 1

    def release(self, thread_id: str, owner: str, status: str | None = None) -> bool:
        """Give the lease up, recording how the run ended (``status``) if given."""
        values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None,
                                  "updated_at": self._now()}
        if status is not None:
            values["status"] = status
        with self._write_engine.begin() as conn:
            return conn.execute(update(_table).where(_table.c.thread_id == thread_id,
                                                     _table.c.lease_owner == owner)
                                .values(**values)).rowcount == 1


# -- one run at a time ------------------------------------------------------------------


@dataclass
class Lease:
    """A held run lease. Set ``status`` to record how the run ended when it is released;
    ``lost`` is set if renewing found the lease taken (this process was paused past the
    TTL and another run took the session over)."""

    thread_id: str
    owner: str
    ttl: float
    status: str | None = None
    lost: threading.Event = field(default_factory=threading.Event)


class _Renewer(threading.Thread):
    def __init__(self, store: SessionStore, lease: Lease):
        super().__init__(name=f"lease-{lease.thread_id}", daemon=True)
        self.store, self.lease, self.stopped = store, lease, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.lease.ttl / 3):
            try:
                if not self.store.renew(self.lease.thread_id, self.lease.owner, self.lease.ttl):
                    self.lease.lost.set()
                    return
            except Exception:  # noqa: BLE001 - a database hiccup: try again next tick
                continue

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


@contextmanager
def session_lease(thread_id: str, *, user_id: str, project_id: str, wait: bool = False,
                  ttl: float = DEFAULT_LEASE_TTL_S, store: SessionStore | None = None,
                  on_wait: Callable[[SessionRecord | None], None] | None = None,
                  wait_timeout: float | None = None) -> Iterator[Lease]:
    """Hold ``thread_id``'s run lease for the duration of the block.

    The session is created in the caller's scope if it does not exist yet; a thread of
    another user or project raises :class:`SessionNotFoundError`. If a live run holds
    the lease: :class:`SessionBusyError` at once, or with ``wait`` poll until it ends
    (``on_wait`` is called once, with the holder, before waiting). The lease is renewed
    in the background until the block ends, then released with ``lease.status`` (if the
    block raised and set none, the session keeps the status it had).
    """
    store = store or SessionStore()
    store.register(thread_id, user_id=user_id, project_id=project_id)
    lease = Lease(thread_id, new_owner_id(), ttl)
    deadline = None if wait_timeout is None else time.monotonic() + wait_timeout
    announced = False
    while not store.acquire(thread_id, lease.owner, ttl):
        holder = store.get(thread_id, user_id=user_id, project_id=project_id)
        if not wait or (deadline is not None and time.monotonic() > deadline):
            raise SessionBusyError(thread_id, holder)
        if not announced and on_wait is not None:
            on_wait(holder)
        announced = True
        time.sleep(WAIT_POLL_S)
    renewer = _Renewer(store, lease)
    renewer.start()
    try:
        yield lease
    finally:
        renewer.stop()
        store.release(thread_id, lease.owner, lease.status)
