"""``handle_failure``: retry, Debug, targeted re-plan, or give up (DESIGN §3).

0. The model endpoint itself is unusable (refused, unauthorised, unknown model):
   the plan ends now with the reason; retrying or handing over would fail too.
1. ``attempts < max_task_attempts``: run it again.
2. Other tasks depend on it: the Architect re-plans *only* it and its
   dependents (``pending_replan``), while re-plans last (``max_replans``).
3. Nothing depends on it: a Debug task takes it over (never for a task that
   is itself a Debug hand-over, so this cannot loop).
4. Otherwise it is unrecoverable: ``fail_fast`` ends the plan now;
   ``continue_on_error`` lets every task that does not depend on it finish.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from ..checks import DEFAULT_CHECK_ROLES
from ..context import Context
from ..events import emit
from ..planning import dependents_of
from ..project import load_project
from ..prompts.recovery import DEBUG_TASK
from ..state import Plan, State, Task
from .common import session_context
from .route import unhandled_failure


def handle_failure(state: State, runtime: Runtime[Context]) -> dict:
    plan = state.plan
    assert plan is not None
    failed = unhandled_failure(plan)
    assert failed is not None, "handle_failure needs a failed task"
    project = load_project(session_context(state, runtime))
    settings = project.settings

    if failed.fatal:  # the model endpoint is unusable: every retry or helper would fail too
        notes = [*plan.notes, f"stopped: {failed.error}"]
        return {"plan": plan.with_tasks([failed.model_copy(update={"recovery": "gave_up"})],
                                        status="failed", notes=notes)}
    if failed.attempts < settings.max_task_attempts:
        emit("task_retry", plan_id=plan.id, task_id=failed.id, agent=failed.agent,
             attempt=failed.attempts + 1, error=failed.error)
        return {"plan": plan.with_tasks([failed.model_copy(update={"status": "pending"})])}

    dependents = dependents_of(plan.tasks, failed.id)
    if dependents and plan.replans < settings.max_replans:
        return {"pending_replan": failed.id}
    if not dependents and not _is_debug_handover(failed) and "debug" in project.enabled_roles:
        debug = _debug_task(plan, failed)
        emit("switch_agent", plan_id=plan.id, task_id=debug.id, agent="debug",
             from_agent=failed.agent, reason="task failed; Debug takes over")
        marked = failed.model_copy(update={"recovery": f"debug:{debug.id}"})
        return {"plan": plan.with_tasks([marked, debug])}

    reason = ("re-plans exhausted" if dependents else "no recovery left") + \
        f" after {failed.attempts} attempt(s)"
    gave_up = failed.model_copy(update={"recovery": "gave_up"})
    notes = [*plan.notes, f"task {failed.id} failed for good ({reason}): {failed.error}"]
    if settings.error_handling == "fail_fast":
        return {"plan": plan.with_tasks([gave_up], status="failed", notes=notes)}
    return {"plan": plan.with_tasks([gave_up], notes=notes)}


READ_ONLY_ROLES = frozenset({"ask", "architect"})  # their tasks are questions: answered, not edited


def _is_debug_handover(task: Task) -> bool:
    return (task.origin or "").startswith("debug:")


def _debug_task(plan: Plan, failed: Task) -> Task:
    ids = {t.id for t in plan.tasks}
    n = 1
    while f"{failed.id}-debug{n}" in ids:
        n += 1
    return Task(
        id=f"{failed.id}-debug{n}", agent="debug", dependencies=list(failed.dependencies),
        origin=f"debug:{failed.id}",
        # the same definition of done: taking a task over does not make it easier to finish
        # (an atomic request's "must change something" only where the failed task had it: Debug
        # taking over a question does not have to edit files)
        expected=list(failed.expected), check=failed.check,
        atomic=failed.atomic and failed.agent in DEFAULT_CHECK_ROLES,
        must_answer=failed.must_answer or failed.agent in READ_ONLY_ROLES,
        description=DEBUG_TASK.format(task_id=failed.id, agent=failed.agent,
                                      description=failed.description,
                                      attempts=failed.attempts, error=failed.error),
    )


def next_step(state: State) -> str:
    """The edge after ``handle_failure``."""
    if state.pending_replan:
        return "architect_plan"
    if state.plan is not None and state.plan.status == "failed":
        return "finalize"
    return "route"
