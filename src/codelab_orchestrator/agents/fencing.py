"""Fencing: a task attempt acts and writes only while it holds its lease.

In a cluster (``codelab serve --cluster``) a server that stops heartbeating has
its runs taken over by another server, which continues them from their last
checkpoint. The first server may not be dead: paused (SIGSTOP, a long GC or VM
pause), cut off from the network, or just slow. When it wakes up, its run is
still in memory, in the middle of a task, and would go on calling the model,
running tools and recording results over the other server's work.

So each attempt (session thread, plan, task, attempt number) holds a lease in
PostgreSQL (:mod:`codelab_orchestrator.persistence.leases`):

- :func:`hold` takes it when the attempt starts (waiting, if needed, until the
  previous holder's lease has expired) and renews it every ``ttl / 3`` while the
  attempt runs; it releases it when the attempt ends;
- :func:`check` runs before and after every model call and tool call (the
  :class:`~codelab_orchestrator.agents.middleware.LeaseFence` middleware). It
  costs nothing while the last renewal is recent: a renewal is trusted for 90%
  of the TTL counted from when it was *sent*, and the database counts the
  lease's expiry from when it *received* it, so the holder stops trusting its
  lease before anyone else can take it. Past that, it renews first; if the lease
  was taken over the attempt stops with :class:`LeaseLostError`, and if the
  database cannot be reached with :class:`LeaseUnconfirmedError` (fail closed);
- a renewal that finds the lease taken over cancels the attempt at once (a
  model call or a command in flight is cancelled too);
- :func:`confirm` runs in ``execute_task`` before it records results: if any of
  its attempts was taken over, nothing is recorded (the node fails with
  :class:`LeaseLostError`, so the run writes no new checkpoint);
- one lost lease fences the whole run (:class:`RunScope`): its other attempts
  are cancelled and none of them may take a lease any more. A woken server
  otherwise kept an attempt that had not got its lease before the pause, which
  then took the lease the moment the other server released it;
- an attempt waiting for a lease gives up (:class:`LeaseLostError`) when it sees
  the holder, a process elsewhere, renew it or another worker take it: someone
  alive is running this attempt, so this run is the stale one. A taker-over
  waits for a holder that stopped renewing (paused, dead), never for a live one.

With a SQLite database there are no leases (one machine; see
:func:`~codelab_orchestrator.persistence.leases.task_leases`) and all of this
is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from functools import partial
from typing import Any, TypeVar

from ..persistence.leases import TaskLeases, task_leases
from ..persistence.owners import describe_owner, new_owner_id

LEASE_TTL_ENV = "CODELAB_TASK_LEASE_TTL"
DEFAULT_TTL_S = 8.0
ACQUIRE_POLL_S = 0.25
TRUST = 0.9  # a renewal is trusted for this share of the TTL
RECENT_LIMIT = 10_000

T = TypeVar("T")
# Lease statements are synchronous and short; they run here, not on the loop's default
# executor, which other work (nodes' database reads) may keep busy.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="codelab-lease")
_current: ContextVar[Fence | None] = ContextVar("codelab_fence", default=None)
_recent: OrderedDict[str, Fence] = OrderedDict()  # attempt thread id -> this process's fence
_scope: ContextVar[RunScope | None] = ContextVar("codelab_fence_scope", default=None)
_scopes: weakref.WeakKeyDictionary[Any, RunScope] = weakref.WeakKeyDictionary()
_PROCESS = "|".join(new_owner_id().split("|")[:4])  # host|machine|pid|start time


class RunScope:
    """The attempts of one run: when one loses its lease, the run is stale as a whole."""

    def __init__(self) -> None:
        self.lost: str | None = None
        self.fences: weakref.WeakSet[Fence] = weakref.WeakSet()

    def lose(self, reason: str) -> None:
        if self.lost is None:
            self.lost = reason
            for fence in list(self.fences):
                fence.cancel_holder(reason)


def enter_run(run: Any) -> RunScope:
    """Make the attempts started from here on (in this context) part of ``run``'s scope (one
    per run: ``run`` is the supervisor's record of it)."""
    scope = _scopes.get(run)
    if scope is None:
        scope = _scopes[run] = RunScope()
    _scope.set(scope)
    return scope


class LeaseLostError(RuntimeError):
    """Another worker took this task attempt over: this one must not act or write."""


class LeaseUnconfirmedError(RuntimeError):
    """The lease could not be renewed (database unreachable): stop rather than risk it."""


def lease_ttl() -> float:
    raw = os.environ.get(LEASE_TTL_ENV, "").strip()
    if not raw:
        return DEFAULT_TTL_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{LEASE_TTL_ENV} must be a number of seconds, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{LEASE_TTL_ENV} must be at least 1 second, got {raw!r}")
    return value


async def _db(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_executor, partial(func, *args))


class Fence:
    """This process's lease on one attempt."""

    def __init__(self, store: TaskLeases, key: str, ttl: float):
        self.store, self.key, self.ttl = store, key, ttl
        self.owner = new_owner_id()  # host|machine|pid|start time|nonce: unique per attempt run
        self.epoch: int | None = None
        self.lost: str | None = None
        self._valid_until = 0.0
        self._holder: asyncio.Task[Any] | None = None
        self._renewer: asyncio.Task[None] | None = None
        self.scope = _scope.get()
        if self.scope is not None:
            self.scope.fences.add(self)

    async def acquire(self) -> None:
        """Take the lease, waiting while another worker's lease runs out; start renewing it.
        Gives up if that worker (in another process) shows it is alive, by renewing it."""
        first_seen = None
        while True:
            self._stop_if_run_lost()
            sent = time.monotonic()
            epoch = await _db(self.store.acquire, self.key, self.owner, self.ttl)
            if epoch is not None:
                break
            holder = await _db(self.store.holder, self.key)
            if holder is not None and not holder[0].startswith(_PROCESS + "|"):
                if first_seen is None:
                    first_seen = holder
                elif holder != first_seen:  # renewed, or taken by yet another worker
                    self._lose(f"task attempt {self.key} is being run by another worker "
                               f"({describe_owner(holder[0])}); this run is stale and stops")
                    raise LeaseLostError(self.lost)
            await asyncio.sleep(ACQUIRE_POLL_S)
        self.epoch, self._valid_until = epoch, sent + TRUST * self.ttl
        self._holder = asyncio.current_task()
        self._renewer = asyncio.get_running_loop().create_task(
            self._renew_forever(), name=f"codelab-lease {self.key}")
        _remember(self)

    def _stop_if_run_lost(self) -> None:
        if self.scope is not None and self.scope.lost is not None and self.lost is None:
            self.lost = self.scope.lost
        if self.lost is not None:
            raise LeaseLostError(self.lost)

    async def check(self) -> None:
        """Raise unless this worker certainly still holds the lease."""
        self._stop_if_run_lost()
        if time.monotonic() < self._valid_until:
            return
        try:
            renewed = await self._renew()
        except Exception as exc:  # noqa: BLE001 - any failure to confirm means stop
            raise LeaseUnconfirmedError(
                f"task attempt {self.key}: its lease could not be renewed ({exc}); "
                "stopped rather than risk writing over another worker") from exc
        if not renewed:
            raise LeaseLostError(self.lost)

    async def _renew(self) -> bool:
        assert self.epoch is not None
        sent = time.monotonic()
        if await _db(self.store.renew, self.key, self.owner, self.epoch, self.ttl):
            self._valid_until = max(self._valid_until, sent + TRUST * self.ttl)
            return True
        self._lose()
        return False

    async def _renew_forever(self) -> None:
        while self.lost is None:
            await asyncio.sleep(self.ttl / 3)
            with contextlib.suppress(Exception):  # a hiccup: the trust runs out, checks fail
                await self._renew()

    def _lose(self, reason: str | None = None) -> None:
        if self.lost is not None:
            return
        self.lost = reason or (
            f"task attempt {self.key} was taken over by another worker (its lease expired "
            "while this one was paused or cut off); nothing more is run or recorded here")
        self.cancel_holder(self.lost)
        if self.scope is not None:
            self.scope.lose(self.lost)

    def cancel_holder(self, reason: str) -> None:
        """Stop the attempt holding this lease (the run it belongs to is stale)."""
        if self.lost is None:
            self.lost = reason
        holder = self._holder
        if holder is not None and not holder.done() and holder is not asyncio.current_task():
            holder.cancel(reason)

    async def close(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(BaseException):
                await self._renewer
        if self.epoch is not None and self.lost is None:
            with contextlib.suppress(Exception):  # it expires by itself anyway
                await _db(self.store.release, self.key, self.owner, self.epoch)


def _remember(fence: Fence) -> None:
    _recent[fence.key] = fence
    _recent.move_to_end(fence.key)
    while len(_recent) > RECENT_LIMIT:
        _recent.popitem(last=False)


@contextlib.asynccontextmanager
async def hold(key: str) -> AsyncIterator[Fence | None]:
    """Hold ``key``'s lease for the block (None: no leases on this database).

    A lease lost in the block surfaces as :class:`LeaseLostError`, also when the
    renewal cancelled the block's task. Re-entrant: a block inside one holding the same key
    uses that lease."""
    current = _current.get()
    if current is not None and current.key == key:  # already held here (an outer block)
        yield current
        return
    store = await _db(task_leases)
    if store is None:
        yield None
        return
    fence = Fence(store, key, lease_ttl())
    await fence.acquire()
    token = _current.set(fence)
    try:
        yield fence
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if fence.lost is None or task is None or not task.cancelling():
            raise
        task.uncancel()
        raise LeaseLostError(fence.lost) from None
    finally:
        _current.reset(token)
        await fence.close()


async def check() -> None:
    """Before (and after) a model call or a tool call: stop if the attempt's lease is lost."""
    fence = _current.get()
    if fence is not None:
        await fence.check()


async def confirm(keys: Iterable[str]) -> None:
    """Raise :class:`LeaseLostError` if any attempt in ``keys`` that this process ran was taken
    over since: its results must not be recorded. Attempts it did not run are skipped."""
    scope = _scope.get()
    if scope is not None and scope.lost is not None:
        raise LeaseLostError(f"{scope.lost}; nothing was recorded here")
    fences = [f for key in keys if (f := _recent.pop(key, None)) is not None
              and f.epoch is not None]
    lost = [f.key for f in fences if f.lost is not None]
    by_store: dict[int, list[Fence]] = {}
    for fence in fences:
        by_store.setdefault(id(fence.store), []).append(fence)
    for group in by_store.values():
        held = await _db(group[0].store.holds, [(f.key, f.owner, f.epoch) for f in group])
        lost += [key for key, ok in held.items() if not ok and key not in lost]
    if lost:
        if scope is not None:
            scope.lose(f"task attempt {lost[0]} was taken over by another worker")
        raise LeaseLostError(
            f"{len(lost)} task attempt(s) of this run were taken over by another worker "
            f"({', '.join(sorted(lost))}); nothing was recorded here")
