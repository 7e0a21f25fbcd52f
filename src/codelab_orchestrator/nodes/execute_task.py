"""``execute_task``: start every ready task, return when any task finishes.

Each task attempt is its own durable LangGraph run (:mod:`..agents.attempt`),
started as an asyncio task of the session's run (:mod:`..supervisor`), at
most ``max_parallel_agents`` at once. A writing task works in a git worktree
of its own made from the plan's base and its dependencies' results; when it
succeeds its changes are committed and merged into the plan's integration
ref (a conflict fails the task with the conflicting hunks), see
:mod:`.spaces`. This node returns as soon as one
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
import contextlib
from dataclasses import replace
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
from ..budget.ledger import PlanBudgetReached
from ..budget.plan import PlanBudget, effective_settings
from ..checks import checks_for, measure_baseline, verify
from ..context import Context
from ..events import emit
from ..gitspace import PlanSpace
from ..models.errors import endpoint_error
from ..project import Project, load_project
from ..state import RESULT_SUMMARY_CHARS, Plan, State, Task, now
from ..tools.redaction import redact
from . import spaces
from .budget import let_running_finish, pause_for_budget
from .common import session_context
from .route import ready_tasks, resumable_tasks

ERROR_CHARS = 2000


async def execute_task(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict:
    plan = state.plan
    assert plan is not None, "execute_task needs a plan"
    context = session_context(state, runtime)
    tasks = supervisor.run_tasks(runtime)
    project = tasks.recent_project() or await asyncio.to_thread(load_project, context)
    tasks.keep_project(project)
    fencing.enter_run(tasks)  # one lost lease stops all of this run's attempts
    saver = config.get("configurable", {}).get(CONFIG_KEY_CHECKPOINTER)
    thread_id = config.get("configurable", {}).get("thread_id")
    settings = effective_settings(project.settings, context)  # the run's own limits win
    budget = PlanBudget(tasks.ledgers, plan, settings, context)
    over_budget = budget.stop_reason()  # reached before this step: start nothing
    changed: dict[str, Task] = {}
    active: dict[str, Task] = {}

    space = None
    writers = frozenset(t.id for t in plan.tasks if (a := project.agent_for(t.agent)) is not None
                        and spaces.writes(a))

    async def start(task: Task, resume: Any = None, previous_error: str | None = None,
                    **event: Any) -> None:
        nonlocal space
        attempt = _attempt(plan, task, project, context, thread_id, budget, resume, previous_error)
        if attempt is None:
            changed[task.id] = _failed(task, f"no enabled agent for role {task.agent!r}")
            return
        if over_budget and not tasks.has(attempt.key):
            changed[task.id] = task.model_copy(update={"status": "cancelled",
                                                       "error": f"stopped: {over_budget}"})
            return
        active[attempt.key] = task
        if not tasks.has(attempt.key):
            space = space or await spaces.plan_space(
                plan, context, thread_id, max(4, settings.max_parallel_agents))
            tasks.start(attempt.key, _work(attempt, plan, space, saver,
                                           budget.control(runtime.control), writers, project))
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
        await start(task, resume=answers.get(task.id), restarted=True)
    free = 0 if over_budget else max(0, settings.max_parallel_agents - len(active))
    for task in ready_tasks(plan)[:free]:
        attempt_no = task.attempts + 1
        started = changed[task.id] = task.model_copy(update={
            "status": "running", "attempts": attempt_no, "started_at": now(), "finished_at": None,
            "error": None, "run": attempt_thread_id(thread_id, plan.id, task.id, attempt_no)})
        emit("switch_agent", plan_id=plan.id, task_id=task.id, agent=task.agent)
        await start(started, previous_error=task.error if task.attempts else None,
                    description=task.description)

    def stop_now() -> str | None:  # a drain (Ctrl-C, shutdown): cancel what runs
        return supervisor.stop_requested(runtime)

    cancelled: list[str] = []
    async with supervisor.active(runtime):
        finished, stop = await tasks.wait_first(active, lambda: stop_now() or budget.stop_reason())
        if budget.stop_reason() and not stop_now():  # the running attempts stop by themselves
            await let_running_finish(tasks, active, finished, stop_now)
        stop = stop_now() or budget.stop_reason()  # the run ends (or the plan pauses) at this step
        if stop:
            cancelled = await tasks.cancel(k for k in active if k not in finished)
    # Fencing: a worker whose attempt was taken over by another (it was paused or cut off
    # past its lease) records nothing: LeaseLostError fails this node, no checkpoint is written.
    await fencing.confirm(attempt_thread_id(thread_id, plan.id, active[key].id, active[key].attempts)
                          for key in [*finished, *cancelled])
    for key in cancelled:
        task = active[key]
        changed[task.id] = budget.settle(task.model_copy(update={
            "status": "cancelled", "error": f"stopped: {stop}"}))
        emit("task_cancelled", plan_id=plan.id, task_id=task.id, agent=task.agent,
             attempt=task.attempts, reason=stop)
    for key, future in finished.items():
        done = _finish(active[key], future)
        outcome = future.result() if done.status == "done" else None
        done = changed[done.id] = budget.settle(done, outcome.usage if outcome else None)
        if done.waiting_for is not None:
            emit("input_required", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, request=done.waiting_for)
        elif done.status == "cancelled":
            emit("task_cancelled", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, reason=done.error)
        elif done.status == "done":
            emit("task_done", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, usage=done.usage, cost=done.cost)
        else:
            emit("task_failed", plan_id=plan.id, task_id=done.id, agent=done.agent,
                 attempt=done.attempts, error=done.error)
    return pause_for_budget(plan, changed, budget) or {
        "plan": plan.with_tasks(changed.values(), status="running", **budget.fields()),
        **budget.spent_update(changed.values())}


def _attempt(plan: Plan, task: Task, project: Project, context: Context, thread_id: str | None,
             budget: PlanBudget, resume: Any = None, previous_error: str | None = None
             ) -> Attempt | None:
    agent = project.agent_for(task.agent) or project.agent_for(project.resolve_role(task.agent))
    if agent is None:
        return None
    dependencies = tuple(t for t in plan.tasks if t.id in task.dependencies)
    attempt = Attempt(session_thread=thread_id, plan_id=plan.id, task=task, agent=agent,
                      settings=effective_settings(project.settings, context), goal=plan.goal,
                      dependencies=dependencies, workspace=context.workspace, resume=resume,
                      previous_error=previous_error)
    return replace(attempt, budget=budget.for_attempt(attempt.key, agent.config))


async def _work(attempt: Attempt, plan: Plan, space: PlanSpace, saver: Any,
                control: Any, writers: frozenset[str], project: Project) -> TaskOutcome:
    """One attempt in its own directory: a worktree for a writing agent (committed, checked and
    merged into the plan when it succeeds, thrown away when it fails), a shared read-only view
    for the others. The attempt is done only when its checks pass (:mod:`..checks`). A stopped
    or waiting attempt keeps its worktree: it continues there."""
    writing = spaces.writes(attempt.agent)
    task = attempt.task
    wanted = checks_for(task, attempt.agent, writing, project.test_command)
    policy = attempt.settings.command_policy
    # The attempt's lease covers its worktree too (see agents/fencing.py): a worker that lost
    # it (paused or cut off while another took the task over) neither merges nor discards.
    async with fencing.hold(attempt.thread_id) if saver is not None else contextlib.nullcontext():
        try:
            directory = await spaces.task_directory(space, task, plan, writing, writers)
            baseline = await spaces.baseline(space, task, lambda: measure_baseline(
                wanted, directory, policy)) if wanted.needs_baseline else None
            outcome = await _bounded(run_attempt(replace(attempt, workspace=directory), saver,
                                                 control), attempt.settings.task_timeout_s)
            changed: list[str] = []
            if writing:
                await fencing.check()
                changed = await spaces.commit(space, task, attempt.agent.name, outcome.result)
            report = await verify(wanted, result=outcome.result, directory=directory,
                                  changed=changed, policy=policy, baseline=baseline,
                                  given=attempt.previous_error or "")
            if writing:
                await spaces.merge(space, task)
            return replace(outcome, verified=report.passed, unverified=report.skipped)
        except (GraphDrained, PlanBudgetReached, TaskInterruptedError, spaces.MergeConflictError,
                fencing.LeaseLostError):
            raise  # resumable, kept for whoever resolves the conflict, or no longer ours
        except Exception:
            if writing:
                await fencing.check()
                await spaces.discard(space, task)
            raise


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
    if isinstance(exc, PlanBudgetReached):  # a model call refused: resumable once raised
        return task.model_copy(update={"status": "cancelled", "error": f"stopped: {exc}"})
    if isinstance(exc, TaskInterruptedError):  # it asks a person; its run waits, checkpointed
        return task.model_copy(update={"waiting_for": exc.value})
    if isinstance(exc, spaces.MergeConflictError):
        return _failed(task, str(exc)).model_copy(update={"conflict": True})
    if exc is not None and (reason := endpoint_error(exc)):
        return _failed(task, reason).model_copy(update={"fatal": True})
    if exc is not None:
        return _failed(task, f"{type(exc).__name__}: {exc}")
    outcome: TaskOutcome = future.result()
    result = redact(outcome.result)
    return task.model_copy(update={
        "status": "done", "result": result[:RESULT_SUMMARY_CHARS], "conflict": False,
        "result_chars": len(outcome.result), "finished_at": now(),
        "verified": outcome.verified, "unverified": outcome.unverified,
        "record": outcome.record, "error": None})  # usage: budget.settle
