"""``execute_task``: start every ready task, return when any task finishes.

Tasks run in background workers (:mod:`..scheduler`), at most
``max_parallel_agents`` at once. This node returns as soon as one finishes
(plus any finishing within a few milliseconds), so ``route`` can start what
just became ready while the slower tasks keep running: a task starts the
moment its own dependencies are done. Every completion is a checkpoint.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from langgraph.runtime import Runtime

from .. import scheduler
from ..agents import TaskOutcome, TaskRequest, get_runner
from ..context import Context
from ..events import emit
from ..project import Project, load_project
from ..state import Plan, State, Task, now
from .common import context_of
from .route import ready_tasks


def execute_task(state: State, runtime: Runtime[Context]) -> dict:
    plan = state.plan
    assert plan is not None, "execute_task needs a plan"
    context = context_of(runtime)
    project = load_project(context)
    changed: dict[str, Task] = {}

    running = [t for t in plan.tasks if t.status == "running"]
    for task in running:  # after a crash: recorded as running, but no worker here
        if scheduler.launch(_key(plan, task), _work(plan, task, project, context)):
            emit("task_started", plan_id=plan.id, task_id=task.id, agent=task.agent,
                 attempt=task.attempts, restarted=True)

    free = max(0, project.settings.max_parallel_agents - len(running))
    for task in ready_tasks(plan)[:free]:
        started = task.model_copy(update={"status": "running", "attempts": task.attempts + 1,
                                          "started_at": now(), "finished_at": None, "error": None})
        scheduler.launch(_key(plan, started), _work(plan, started, project, context))
        changed[task.id] = started
        emit("switch_agent", plan_id=plan.id, task_id=task.id, agent=task.agent)
        emit("task_started", plan_id=plan.id, task_id=task.id, agent=task.agent,
             attempt=started.attempts, description=task.description)

    active = {_key(plan, t): t for t in [*running, *changed.values()]}
    for key, future in scheduler.wait_first(active).items():
        finished = _finish(active[key], future)
        changed[finished.id] = finished
        if finished.status == "done":
            emit("task_done", plan_id=plan.id, task_id=finished.id, agent=finished.agent,
                 attempt=finished.attempts, usage=finished.usage)
        else:
            emit("task_failed", plan_id=plan.id, task_id=finished.id, agent=finished.agent,
                 attempt=finished.attempts, error=finished.error)
    return {"plan": plan.with_tasks(changed.values(), status="running")}


def _key(plan: Plan, task: Task) -> str:
    return scheduler.task_key(plan.id, task.id, task.attempts)


def _work(plan: Plan, task: Task, project: Project, context: Context) -> Any:
    agent = project.agent_for(task.agent) or project.agent_for(project.resolve_role(task.agent))
    results = {t.id: t.result or "" for t in plan.tasks if t.id in task.dependencies}
    request = TaskRequest(task=task, agent=agent, goal=plan.goal, dependency_results=results,
                          context=context) if agent else None

    def work() -> tuple[TaskOutcome, Any]:
        if request is None:
            raise LookupError(f"no enabled agent for role {task.agent!r}")
        outcome = get_runner().run(request)
        return outcome, now()

    return work


def _finish(task: Task, future: Future[Any]) -> Task:
    try:
        outcome, finished_at = future.result()
    except Exception as exc:  # noqa: BLE001 - a task's failure is data, not a crash
        return task.model_copy(update={"status": "failed", "finished_at": now(),
                                       "error": f"{type(exc).__name__}: {exc}"[:2000]})
    return task.model_copy(update={
        "status": "done", "result": outcome.result, "finished_at": finished_at,
        "usage": outcome.usage, "record": outcome.record, "error": None})
