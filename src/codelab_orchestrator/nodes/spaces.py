"""Where a plan's tasks write: one git worktree per writing task (:mod:`..gitspace`).

The nodes use this module to give each task attempt its directory, to commit
and integrate a finished attempt (the orchestrator merges, not the model), to
throw away failed or cancelled work, and to deliver the plan's integrated
result at the end. Git work is blocking (milliseconds to seconds): it runs in
a worker thread, shielded, so a stop waits for a git operation in flight
instead of leaving a half-written ref or worktree behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..context import Context
from ..gitspace import ApplyResult, GitSpaceError, PlanSpace
from ..persistence import AgentRecord
from ..persistence.settings import data_dir
from ..state import Plan, Task
from ..tools import WRITING_TOOLS

T = TypeVar("T")
_open: dict[str, PlanSpace] = {}  # plan id -> its space, opened once per process
_views: dict[tuple[str, tuple[str, ...]], str] = {}  # (plan, writing deps) -> shared checkout


class MergeConflictError(RuntimeError):
    """A finished task's changes conflict with work already integrated."""


async def shielded(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(*args)`` in a thread; if the caller is cancelled meanwhile, it still finishes
    before the cancellation goes on (git must not be interrupted half-way)."""
    future = asyncio.get_running_loop().run_in_executor(None, lambda: work(*args, **kwargs))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
        raise


def writes(agent: AgentRecord) -> bool:
    """Whether the agent's tools can change files (it then gets a worktree of its own)."""
    return bool(WRITING_TOOLS.intersection(agent.config.tools))


async def plan_space(plan: Plan, context: Context, thread_id: str | None,
                     pool_size: int) -> PlanSpace:
    """The plan's space; the first call records its base (the workspace as it is now)."""
    space = _open.get(plan.id)
    if space is None:
        space = await shielded(lambda: PlanSpace.open(
            context.workspace, data_dir(), plan.id, thread_id=thread_id,
            owner=f"{context.user_id}/{context.project_id}", pool_size=pool_size))
        _open[plan.id] = space
    return space


def conflict_source(task: Task, plan: Plan) -> str | None:
    """The task whose conflicting result this attempt must resolve: its own (a retry after a
    conflict), or the one a Debug task took over after a conflict."""
    if task.conflict:
        return task.id
    origin = task.origin or ""
    if origin.startswith("debug:"):
        failed = next((t for t in plan.tasks if t.id == origin.split(":", 1)[1]), None)
        if failed is not None and failed.conflict:
            return failed.id
    return None


async def task_directory(space: PlanSpace, task: Task, plan: Plan, writing: bool,
                         writers: frozenset[str]) -> str:
    """The directory the attempt's tools work in: the base merged with what the task's writing
    dependencies produced (``writers``: the plan's tasks whose agents can write; readers
    change nothing, so they leave no result to merge)."""
    deps = [d for d in task.dependencies if d in writers]
    if writing:
        path = await shielded(space.task_worktree, task.id, task.attempts, deps,
                              resolve_conflict_of=conflict_source(task, plan))
        return str(path)
    key = (space.plan_id, tuple(sorted(deps)))  # readers of the same inputs share one view
    if key not in _views:
        _views[key] = str(await shielded(space.shared_view, deps))
    return _views[key]


async def commit(space: PlanSpace, task: Task, agent: str, summary: str) -> list[str]:
    """Record the attempt's worktree as its result commit; the paths it changed."""
    message = f"{task.id}: {task.description[:60]}\n\n{summary[:500]}"
    await shielded(space.commit_task, task.id, task.attempts, agent, message)
    return await shielded(space.attempt_changes, task.id, task.attempts)


async def merge(space: PlanSpace, task: Task) -> None:
    """Merge the committed (and checked) result into the plan's integration ref;
    :class:`MergeConflictError` (with the paths and hunks) if it conflicts."""
    merged = await shielded(space.integrate, task.id, task.attempts)
    if not merged.clean:
        raise MergeConflictError(merged.describe())


async def baseline(space: PlanSpace, task: Task,
                   measure: Callable[[], Awaitable[dict]]) -> dict:
    """The project's tests on the attempt's start, measured once, before the agent works (a
    recorded baseline survives a crash; the measurement's leftovers are cleaned away)."""
    known = await shielded(space.baseline, task.id, task.attempts)
    if known is None:
        known = await measure()
        await shielded(space.save_baseline, task.id, task.attempts, known)
    return known


async def discard(space: PlanSpace, task: Task) -> None:
    """Failed or cancelled work: never merged, its worktree removed."""
    with contextlib.suppress(GitSpaceError):  # nothing was prepared for it
        await shielded(space.discard, task.id, task.attempts)


def close_superseded(plan: Plan) -> ApplyResult | None:
    """A plan a new request replaced: its worktrees go, what it integrated stays on a branch
    (never applied). Synchronous: called from a node body running in a thread."""
    space = _open.pop(plan.id, None)
    for key in [k for k in _views if k[0] == plan.id]:
        del _views[key]
    try:
        space = space or PlanSpace.load(data_dir(), plan.id)
        return space.finish(apply=False)
    except GitSpaceError:
        return None  # it never started a task


async def finish(plan: Plan, apply: bool) -> ApplyResult | None:
    """Deliver the plan's integrated result: applied to the workspace, or kept on a branch."""
    space = _open.pop(plan.id, None)
    for key in [k for k in _views if k[0] == plan.id]:
        del _views[key]
    if space is None:
        try:
            space = await shielded(lambda: PlanSpace.load(data_dir(), plan.id))
        except GitSpaceError:
            return None  # the plan never started a task: nothing to deliver
    return await shielded(space.finish, apply)
