"""Task leases in PostgreSQL: the right to write one task attempt's results.

A lease row per attempt (``key``: the attempt's thread id) says which worker
(``owner``) may run it and until when (``expires_at``, the database server's
clock, so the clocks of several machines need not agree). Every acquisition
raises ``epoch``: a worker that remembers an older epoch knows the attempt was
taken over, even if the new owner has since released it.

- :meth:`TaskLeases.acquire` takes a lease that is free or expired, in one
  ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expires_at <= now()`` (of two
  workers taking over at once, exactly one gets it), or at once when its holder
  was a process of this machine that no longer exists (a killed ``codelab run``
  resumed right away: :func:`~codelab_orchestrator.persistence.owners.owner_is_dead`);
- :meth:`TaskLeases.renew` extends it only while (owner, epoch) is unchanged;
- :meth:`TaskLeases.holds` tells whether nobody took it over since;
- :meth:`TaskLeases.release` expires it at once (the row and its epoch stay, so
  a released lease still fences the worker that released it).

Leases exist only on PostgreSQL (:func:`task_leases` returns None on SQLite):
what they guard against, a server that stops (paused, cut off) while another
one takes its run over, takes several servers, and several servers take one
PostgreSQL database. The methods are synchronous and short (one statement
each); callers in asyncio run them on a worker thread.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from sqlalchemy import Engine, text

from .engine import WRITE, get_engine
from .owners import owner_is_dead
from .settings import database_url, is_postgres

SWEEP_CHANCE = 0.01  # one acquisition in a hundred forgets leases expired a day ago

_ACQUIRE = text("""
    INSERT INTO task_leases (key, owner, epoch, expires_at, acquired_at)
    VALUES (:key, :owner, 1, now() + make_interval(secs => :ttl), now())
    ON CONFLICT (key) DO UPDATE
        SET owner = excluded.owner, epoch = task_leases.epoch + 1,
            expires_at = excluded.expires_at, acquired_at = excluded.acquired_at
        WHERE task_leases.expires_at <= now()
    RETURNING epoch""")
_RENEW = text("""
    UPDATE task_leases SET expires_at = now() + make_interval(secs => :ttl)
    WHERE key = :key AND owner = :owner AND epoch = :epoch RETURNING epoch""")
_RELEASE = text("""
    UPDATE task_leases SET expires_at = now()
    WHERE key = :key AND owner = :owner AND epoch = :epoch""")
_TAKE_FROM_DEAD = text("""
    UPDATE task_leases SET owner = :owner, epoch = epoch + 1,
        expires_at = now() + make_interval(secs => :ttl), acquired_at = now()
    WHERE key = :key AND owner = :dead AND epoch = :epoch RETURNING epoch""")
_HOLDERS = text("SELECT key, owner, epoch FROM task_leases WHERE key = ANY(:keys)")
_HOLDER = text("SELECT owner, epoch, expires_at FROM task_leases WHERE key = :key")
_SWEEP = text("DELETE FROM task_leases WHERE expires_at < now() - interval '1 day'")


class TaskLeases:
    """Leases on one PostgreSQL database (the agents database, ``DATABASE_URL``)."""

    def __init__(self, engine: Engine):
        self.engine = engine.execution_options(**WRITE)

    def acquire(self, key: str, owner: str, ttl: float) -> int | None:
        """The new epoch if ``owner`` now holds ``key`` for ``ttl`` seconds, else None (a live
        lease of another worker)."""
        with self.engine.begin() as conn:
            if random.random() < SWEEP_CHANCE:
                conn.execute(_SWEEP)
            row = conn.execute(_ACQUIRE, {"key": key, "owner": owner, "ttl": ttl}).first()
            if row is None:
                holder = conn.execute(_HOLDERS, {"keys": [key]}).first()
                if holder is not None and owner_is_dead(holder[1]):
                    # Compare-and-set on the dead owner: of two takers, one wins.
                    row = conn.execute(_TAKE_FROM_DEAD, {
                        "key": key, "owner": owner, "ttl": ttl, "dead": holder[1],
                        "epoch": holder[2]}).first()
        return None if row is None else int(row[0])

    def renew(self, key: str, owner: str, epoch: int, ttl: float) -> bool:
        """Extend the lease; False if another worker took it over."""
        with self.engine.begin() as conn:
            return conn.execute(_RENEW, {"key": key, "owner": owner, "epoch": epoch,
                                         "ttl": ttl}).first() is not None

    def holds(self, grants: Iterable[tuple[str, str, int]]) -> dict[str, bool]:
        """For each (key, owner, epoch): whether nobody took the lease over since."""
        wanted = {key: (owner, epoch) for key, owner, epoch in grants}
        if not wanted:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(_HOLDERS, {"keys": list(wanted)}).all()
        current = {key: (owner, int(epoch)) for key, owner, epoch in rows}
        return {key: current.get(key) == grant for key, grant in wanted.items()}

    def holder(self, key: str) -> tuple[str, int, object] | None:
        """(owner, epoch, expires_at) of ``key``'s lease, if there is a row."""
        with self.engine.connect() as conn:
            row = conn.execute(_HOLDER, {"key": key}).first()
        return None if row is None else (row[0], int(row[1]), row[2])

    def release(self, key: str, owner: str, epoch: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(_RELEASE, {"key": key, "owner": owner, "epoch": epoch})


def task_leases(url: str | None = None) -> TaskLeases | None:
    """The lease store of the agents database when it is PostgreSQL, else None."""
    url = url or database_url()
    return TaskLeases(get_engine(url)) if is_postgres(url) else None
