"""``route``: the plan's bookkeeping, then (in :func:`next_step`) where to go.

A new request with no plan: an atomic one becomes a one-task plan here, so
one code path runs every task; a complex one goes to the Architect. With an
active plan: tasks whose dependencies failed for good are skipped, and the
edge picks failure handling, more execution, or the end. A plan paused by its
budget waits here for a higher cap (:mod:`.budget`).
"""

from __future__ import annotations

import asyncio

from langgraph.runtime import Runtime

from ..context import Context
from ..events import emit
from ..project import load_project
from ..state import Plan, State, Task
from .budget import await_budget
from .common import last_request, session_context


async def route(state: State, runtime: Runtime[Context]) -> dict:
    """Runs on the event loop (no thread hop: it is on every task's path); the one database
    read, for a new atomic request, goes to a thread."""
    plan = state.plan
    if plan is None:
        classification = state.classification
        if classification is None or not classification.is_atomic:
            return {}
        task = Task(id="t1", description=last_request(state.messages), agent=classification.agent,
                    atomic=True)
        context = session_context(state, runtime)
        # With require_approval (--plan-only) even one task is a draft: architect_plan asks.
        approval = (await asyncio.to_thread(load_project, context)).settings.require_approval
        plan = Plan(goal=task.description, status="draft" if approval else "running", tasks=[task],
                    notes=[f"atomic request for {task.agent} ({classification.method})"])
        emit("plan_created", plan_id=plan.id, agent=task.agent, tasks=1, atomic=True)
        emit("switch_agent", plan_id=plan.id, task_id=task.id, agent=task.agent,
             from_agent=context.orchestrator or "orchestrator")
        return {"plan": plan}
    if plan.status == "paused_budget":
        return await_budget(plan)  # waits for a higher cap (an interrupt)
    if not plan.active:
        return {}
    blocked = blocked_tasks(plan)
    if not blocked:
        return {}
    return {"plan": plan.with_tasks(blocked)}


def blocked_tasks(plan: Plan) -> list[Task]:
    """Pending tasks that can never run (a dependency failed for good, or was skipped)."""
    status = {t.id: t for t in plan.tasks}
    dead: set[str] = {t.id for t in plan.tasks if t.status == "skipped"
                      or (t.status == "failed" and t.recovery == "gave_up")}
    blocked: list[Task] = []
    changed = True
    while changed:
        changed = False
        for task in plan.tasks:
            if task.status == "pending" and task.id not in dead and dead.intersection(task.dependencies):
                cause = next(d for d in task.dependencies if d in dead)
                dead.add(task.id)
                blocked.append(task.model_copy(update={
                    "status": "skipped",
                    "error": f"not run: dependency {cause} "
                             f"{'failed' if status[cause].status == 'failed' else 'was skipped'}"}))
                changed = True
    return blocked


def unhandled_failure(plan: Plan) -> Task | None:
    return next((t for t in plan.tasks if t.status == "failed" and t.recovery is None), None)


def resumable_tasks(plan: Plan) -> list[Task]:
    """Tasks whose attempt is under way: running, or stopped (Ctrl-C, a server stop) in a plan
    that is still active, so its run continues where it stopped."""
    return [t for t in plan.tasks if t.status == "running"
            or (t.status == "cancelled" and plan.active)]


def ready_tasks(plan: Plan) -> list[Task]:
    done = {t.id for t in plan.tasks if t.status == "done"}
    return [t for t in plan.tasks if t.status == "pending" and done.issuperset(t.dependencies)]


def next_step(state: State) -> str:
    """The edge after ``route``."""
    plan = state.plan
    if plan is None:
        return "architect_plan"
    if plan.status == "draft":
        return "architect_plan"
    if not plan.active:
        return "finalize"
    if unhandled_failure(plan) is not None:
        return "handle_failure"
    if resumable_tasks(plan) or ready_tasks(plan):
        return "execute_task"
    return "finalize"
