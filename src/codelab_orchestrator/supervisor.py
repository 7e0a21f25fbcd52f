"""The task attempts of one session run, as asyncio tasks owned by that run.

``execute_task`` starts attempts here and returns as soon as any finishes;
the others keep running while ``route`` decides what became ready, and the
next ``execute_task`` of the same run picks them up again. Nothing outlives
the run:

- a run is identified by its LangGraph ``RunControl`` (one per run);
- every node of the run marks the run *active* while it executes
  (:func:`active`); when no node has been active for
  :data:`ORPHAN_GRACE_S` (the run ended: finished, interrupted, drained,
  cancelled or crashed between nodes), a watchdog cancels what is left;
- cancelling an attempt cancels its model call in flight, and waits for a
  file operation in flight to finish, so nothing is written after
  :meth:`RunTasks.cancel` returns.

A process-wide registry maps runs to their tasks; an entry disappears with
the run's last task.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import Any

from langgraph.runtime import Runtime

ORPHAN_GRACE_S = 1.0  # no node of the run active this long: the run is over
COLLECT_WINDOW_S = 0.003  # attempts finishing this close together come back in one step
STOP_POLL_S = 0.05  # how often a waiting execute_task checks for a stop request
CANCEL_WAIT_S = 5.0  # an attempt gets this long to unwind after cancel()
PROJECT_FRESH_S = 2.0  # agent rows read by a step are reused by the run's next steps this long

_runs: dict[int, RunTasks] = {}


class RunTasks:
    """Attempts keyed by ``plan/task/attempt`` for one run."""

    def __init__(self, run_key: int, control: Any) -> None:
        self.run_key = run_key
        self.control = control  # held so its id cannot be reused while this entry lives
        self.tasks: dict[str, asyncio.Task[Any]] = {}
        self.active = 0
        self.last_active = time.monotonic()
        self._project: tuple[float, Any] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        # plan id -> budget.ledger.PlanLedger: the plan's spend, shared live by its attempts
        self.ledgers: dict[str, Any] = {}

    def has(self, key: str) -> bool:
        return key in self.tasks

    def start(self, key: str, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` under ``key`` (in the caller's context: config, callbacks, stream)."""
        if key in self.tasks:
            work.close()
            return
        self.tasks[key] = asyncio.get_running_loop().create_task(work, name=f"codelab-task {key}")
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    async def wait_first(
        self, keys: Iterable[str], stop: Callable[[], str | None] = lambda: None
    ) -> tuple[dict[str, asyncio.Task[Any]], str | None]:
        """Wait until one of ``keys`` finishes or ``stop()`` gives a reason.

        Returns (and forgets) the finished tasks, plus the stop reason if any.
        """
        waiting = {key: self.tasks[key] for key in keys if key in self.tasks}
        reason = None
        while waiting and not (reason := stop()):
            done, pending = await asyncio.wait(waiting.values(), timeout=STOP_POLL_S,
                                               return_when=asyncio.FIRST_COMPLETED)
            if done:
                if pending:
                    await asyncio.wait(pending, timeout=COLLECT_WINDOW_S,
                                       return_when=asyncio.FIRST_COMPLETED)
                break
        finished = {key: task for key, task in waiting.items() if task.done()}
        for key in finished:
            self.tasks.pop(key, None)
        return finished, reason

    async def cancel(self, keys: Iterable[str] | None = None) -> list[str]:
        """Cancel ``keys`` (default: all) and wait until they have unwound."""
        chosen = list(self.tasks) if keys is None else [k for k in keys if k in self.tasks]
        tasks = [self.tasks.pop(key) for key in chosen]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CANCEL_WAIT_S)
            for task in tasks:  # retrieve outcomes so asyncio does not log them as lost
                if task.done() and not task.cancelled():
                    task.exception()
        self._forget_if_idle()
        return chosen

    def recent_project(self) -> Any:
        """The project this run loaded less than :data:`PROJECT_FRESH_S` ago, else None: one
        read of the agents table serves a burst of steps (it is on every task's path)."""
        if self._project is not None and time.monotonic() - self._project[0] < PROJECT_FRESH_S:
            return self._project[1]
        return None

    def keep_project(self, project: Any) -> None:
        self._project = (time.monotonic(), project)

    async def _watch(self) -> None:
        while self.tasks:
            await asyncio.sleep(ORPHAN_GRACE_S / 4)
            if self.active == 0 and time.monotonic() - self.last_active > ORPHAN_GRACE_S:
                await self.cancel()
                return
        self._forget_if_idle()

    def _forget_if_idle(self) -> None:
        # Only this entry: a later one of the same run (after this one went idle) stays.
        if not self.tasks and self.active == 0 and _runs.get(self.run_key) is self:
            del _runs[self.run_key]


def _run_key(runtime: Runtime[Any] | None) -> int:
    control = getattr(runtime, "control", None)
    return id(control) if control is not None else 0


def run_tasks(runtime: Runtime[Any] | None) -> RunTasks:
    """The attempts of the run ``runtime`` belongs to."""
    key = _run_key(runtime)
    tasks = _runs.get(key)
    if tasks is None:
        tasks = _runs[key] = RunTasks(key, getattr(runtime, "control", None))
    return tasks


@contextlib.asynccontextmanager
async def active(runtime: Runtime[Any] | None) -> AsyncIterator[RunTasks | None]:
    """Mark the run active while a node executes; on cancellation stop its attempts."""
    tasks = _runs.get(_run_key(runtime))
    if tasks is not None:
        tasks.active += 1
    try:
        yield tasks
    except asyncio.CancelledError:
        if tasks is not None:
            await asyncio.shield(tasks.cancel())
        raise
    finally:
        if tasks is not None:
            tasks.active -= 1
            tasks.last_active = time.monotonic()
            tasks._forget_if_idle()


def stop_requested(runtime: Runtime[Any] | None) -> str | None:
    """Why the run should stop now (a drain: Ctrl-C, shutdown), or None."""
    control = getattr(runtime, "control", None)
    if control is not None and control.drain_requested:
        return control.drain_reason or "stop requested"
    return None
