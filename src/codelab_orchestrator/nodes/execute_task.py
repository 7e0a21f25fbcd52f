"""``execute_task``: start every ready task, return when any task finishes.

Each task attempt is its own durable LangGraph run (:mod:`..agents.attempt`),
started as an asyncio task of the session's run (:mod:`..supervisor`), at
most ``max_parallel_agents`` at once. This node returns as soon as one
finishes (plus any finishing within a few milliseconds), so ``route`` can
start what just became ready while the slower tasks keep running: a task
starts the moment its own dependencies are done. Every completion is a
checkpoint.

A task recorded as ``running`` (or ``cancelled`` by a stop, in a plan that
is still active) with no attempt alive in this run -- after a crash, Ctrl-C
or a server restart -- continues its attempt's run from its last step.

A stop request (a drain: Ctrl-C, shutdown) cancels the running attempts;
they are recorded ``cancelled`` with the reason and the run ends at the next
step boundary, resumable. A cancelled run cancels them too.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.constants import CONFIG_KEY_CHECKPOINTER
from langgraph.errors import GraphDrained
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from .. import supervisor
from ..agents import (
    Attempt,
    TaskInterruptedError,
    TaskOutcome,
    attempt_thread_id,
    fencing,
    run_attempt,
)
from ..context import Context
from ..events import emit
from ..project import Project, load_project
from ..state import RESULT_SUMMARY_CHARS, Plan, State, Task, now
from ..tools.redaction import redact
from .common import session_context
from .route import ready_tasks, resumable_tasks

ERROR_CHARS = 2000


async def execute_task(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict:
    plan = state.plan
    assert plan is not None, "execute_task needs a plan"
    context = session_context(state, runtime)
    project = await asyncio.to_thread(load_project, context)
    tasks = supervisor.run_tasks(runtime)
    saver = config.get("configurable", {}).get(CONFIG_KEY_CHECKPOINTER)
    thread_id = config.get("configurable", {}).get("thread_id")
    settings = project.settings
    changed: dict[str, Task] = {}
    active: dict[str, Task] = {}

    def start(task: Task, resume: Any = None, **event: Any) -> None:
        attempt = _attempt(plan, task, project, context, thread_id, resume)
        if attempt is None:
            changed[task.id] = _failed(task, f"no enabled agent for role {task.agent!r}")
            return
        active[attempt.key] = task
        if not tasks.has(attempt.key):
            tasks.start(attempt.key, _bounded(run_attempt(attempt, saver, runtime.control),
                                              settings.task_timeout_s))
            emit("task_started", plan_id=plan.id, task_id=task.id, agent=task.agent,
                 attempt=task.attempts, **event)

    under_way = resumable_tasks(plan)  # running here, or left running by a crash or a stop
    waiting = [t for t in under_way if t.waiting_for is not None]
    answers: dict[str, Any] = {}
    if waiting and len(waiting) == len(under_way) and not ready_tasks(plan):
        # Nothing else can move: ask the person, one question at a time, in a stable order
        # (a node's interrupts are matched to answers by order).
        for task in waiting:
            answers[task.id] = interrupt({
                "type": "task_input", "plan_id": plan.id, "task_id": task.id, "agent": task.agent,
                "request": task.waiting_for})
    for task in under_way:
        if task.waiting_for is not None and task.id not in answers:
            continue  # asked, not answered yet: other tasks go on meanwhile
        if task.status == "cancelled" or task.id in answers:
            task = changed[task.id] = task.model_copy(update={
                "status": "running", "error": None, "waiting_for": None})
        start(task, resume=answers.get(task.id), restarted=True)
    free = max(0, settings.max_parallel_agents - len(active))
    for task in ready_tasks(plan)[:free]:
        attempt_no = task.attempts + 1
        started = changed[task.id] = task.model_copy(update={
            "status": "running", "attempts": attempt_no, "started_at": now(), "finished_at": None,
            "error": None, "run": attempt_thread_id(thread_id, plan.id, task.id, attempt_no)})
        emit("switch_agent", plan_id=plan.id, task_id=task.id, agent=task.agent)
        start(started, description=task.description)

    cancelled: list[str] = []
    async with supervisor.active(runtime):
        finished, stop = await tasks.wait_first(active, lambda: supervisor.stop_requested(runtime))
        stop = stop or supervisor.stop_requested(runtime)  # the run ends at this step: no stragglers
        if stop:
            cancelled = await tasks.cancel(k for k in active if k not in finished)
    # Fencing: a worker whose attempt was taken over by another (it was paused or cut off
    # past its lease) records nothing: LeaseLostError fails this node, no checkpoint is written.
    await fencing.confirm(attempt_thread_id(thread_id, plan.id, active[key].id, active[key].attempts)
                          for key in [*finished, *cancelled])
    for key in cancelled:
        task = active[key]
        changed[task.id] = task.model_copy(update={"status": "cancelled", "error": f"stopped: {stop}"})
        emit("task_cancelled", plan_id=plan.id, task_id=task.id, agent=task.agent,
             attempt=task.attempts, reason=stop)
    for key, future in finished.items():
        done = _finish(active[key], future)
        changed[done.id] = done
        if done.waiting_for is not None:
            emit("input_required", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, request=done.waiting_for)
        elif done.status == "cancelled":
            emit("task_cancelled", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, reason=done.error)
        elif done.status == "done":
            emit("task_done", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, usage=done.usage)
        else:
            emit("task_failed", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, error=done.error)
    return {"plan": plan.with_tasks(changed.values(), status="running")}


def _attempt(plan: Plan, task: Task, project: Project, context: Context,
             thread_id: str | None, resume: Any = None) -> Attempt | None:
    agent = project.agent_for(task.agent) or project.agent_for(project.resolve_role(task.agent))
    if agent is None:
        return None
    dependencies = tuple(t for t in plan.tasks if t.id in task.dependencies)
    return Attempt(session_thread=thread_id, plan_id=plan.id, task=task, agent=agent,
                   settings=project.settings, goal=plan.goal, dependencies=dependencies,
                   workspace=context.workspace, resume=resume)


async def _bounded(work: Any, timeout_s: float | None) -> TaskOutcome:
    if timeout_s is None:
        return await work
    try:
        async with asyncio.timeout(timeout_s):
            return await work
    except TimeoutError:
        raise TimeoutError(f"stopped: the task ran longer than task_timeout_s={timeout_s:g}s") from None


def _failed(task: Task, error: str) -> Task:
    return task.model_copy(update={"status": "failed", "finished_at": now(),
                                   "error": redact(error)[:ERROR_CHARS]})


def _finish(task: Task, future: asyncio.Task[Any]) -> Task:
    if future.cancelled():
        return _failed(task, "cancelled")
    exc = future.exception()
    if isinstance(exc, GraphDrained):  # the attempt stopped itself at a drain: resumable
        return task.model_copy(update={"status": "cancelled", "error": f"stopped: {exc.reason}"})
    if isinstance(exc, TaskInterruptedError):  # it asks a person; its run waits, checkpointed
        return task.model_copy(update={"waiting_for": exc.value})
    if exc is not None:
        return _failed(task, f"{type(exc).__name__}: {exc}")
    outcome: TaskOutcome = future.result()
    result = redact(outcome.result)
    return task.model_copy(update={
        "status": "done", "result": result[:RESULT_SUMMARY_CHARS],
        "result_chars": len(outcome.result), "finished_at": now(), "usage": outcome.usage,
        "record": outcome.record, "error": None})
