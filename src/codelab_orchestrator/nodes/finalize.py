"""``finalize``: close the plan and assemble one answer.

The plan ends ``completed`` when every task is done or its failure was
recovered (Debug took over and succeeded, or a re-plan replaced it, through
any chain of recoveries), ``failed`` otherwise, or stays ``cancelled``. It
is then no longer active, so the next message in the thread starts a new
classification.

Attempts still running (``fail_fast`` stopped the plan) are cancelled and
have unwound before this node returns: nothing of them writes afterwards.
"""

from __future__ import annotations

import asyncio

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.constants import CONFIG_KEY_CHECKPOINTER
from langgraph.runtime import Runtime

from .. import supervisor
from ..agents import whole_result
from ..budget.ledger import plan_spend
from ..budget.plan import session_delta, settled
from ..context import Context
from ..events import emit
from ..project import load_project
from ..prompts.finalize import render_answer
from ..state import FinalAnswer, Plan, PlanStatus, State, Task, now
from ..tools.redaction import redact
from . import spaces
from .common import session_context

STOP_REASONS = {"cancelled": "plan cancelled", "failed": "plan stopped after a failure"}


async def finalize(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict:
    plan = state.plan
    if plan is None:
        text = "Nothing was run: no plan could be made for this request."
        return {"final": FinalAnswer(plan_id=None, status="failed", text=text),
                "messages": [AIMessage(text)]}
    live = supervisor.run_tasks(runtime)
    await live.cancel([key for key in list(live.tasks) if key.startswith(f"{plan.id}/")])
    closed = settled(live.ledgers.get(plan.id), plan, _close_leftovers(plan))
    for task in closed:
        if task.status == "cancelled":
            emit("task_cancelled", plan_id=plan.id, task_id=task.id, agent=task.agent,
                 attempt=task.attempts, reason=task.error)
    tasks = {t.id: t for t in plan.tasks} | {t.id: t for t in closed}
    status: PlanStatus = plan.status if plan.status in ("cancelled", "failed") else _outcome(tasks)
    final_plan = plan.apply(plan.with_tasks(closed, status=status))
    summary = summarize(final_plan)
    apply = status != "cancelled" and await _apply(state, runtime)
    delivered = await spaces.finish(final_plan, apply=apply)
    if delivered is not None:
        summary["files_changed"] = [c.path for c in delivered.changes]
        summary["changes"] = [c.model_dump() for c in delivered.changes]
        summary["delivery"] = delivered.model_dump(include={
            "status", "branch", "reason", "merge_command", "workspace"})
    done = [t for t in final_plan.tasks if t.status == "done"]
    whole = None
    if status == "completed" and len(done) == 1:  # the answer is that task's whole result
        whole = await whole_result(config.get("configurable", {}).get(CONFIG_KEY_CHECKPOINTER),
                                   done[0])
    text = render_answer(final_plan.goal, status, final_plan.tasks, summary, whole)
    if delivered is not None and delivered.status != "unchanged":
        text += "\n\n" + delivered.summary()
    text = redact(text)
    emit("plan_completed", plan_id=plan.id, status=status, usage=summary["usage"],
         failures=len(summary["failures"]))
    delta = session_delta(plan, plan.with_tasks(closed))
    return {"plan": plan.with_tasks(closed, status=status),
            "final": FinalAnswer(plan_id=plan.id, status=status, text=text, summary=summary),
            "messages": [AIMessage(text, name="orchestrator")],
            **({"spend": delta} if any(delta.values()) else {})}


async def _apply(state: State, runtime: Runtime[Context]) -> bool:
    """This run's choice (``--no-apply``), else the orchestrator row's ``apply_changes``."""
    context = session_context(state, runtime)
    if context.apply_changes is not None:
        return context.apply_changes
    return (await asyncio.to_thread(load_project, context)).settings.apply_changes


def _close_leftovers(plan: Plan) -> list[Task]:
    """Tasks that will never run now: running ones are cancelled, pending ones skipped."""
    reason = STOP_REASONS.get(plan.status, "not reachable")
    return [t.model_copy(update={
        "status": "cancelled" if t.status == "running" else "skipped",
        "error": t.error or reason, "finished_at": now()})
        for t in plan.tasks if t.status in ("pending", "running")]


def _recovered(task: Task, tasks: dict[str, Task], seen: frozenset[str] = frozenset()) -> bool:
    """Whether ``task``'s failure was made good, following recoveries of recoveries."""
    if task.status == "done":
        return True
    if task.id in seen:
        return False
    seen = seen | {task.id}
    recovery = task.recovery or ""
    if recovery.startswith("replan:"):
        origin = f"replan:{recovery.split(':', 1)[1]}"
        replacements = [t for t in tasks.values() if t.origin == origin]
        return bool(replacements) and all(_recovered(t, tasks, seen) for t in replacements)
    if recovery.startswith("debug:"):
        helper = tasks.get(recovery.split(":", 1)[1])
        return helper is not None and _recovered(helper, tasks, seen)
    return False


def _outcome(tasks: dict[str, Task]) -> PlanStatus:
    for task in tasks.values():
        if task.status == "done":
            continue
        if task.status == "skipped" and (task.recovery or "").startswith("replan:"):
            continue  # replaced; judged by the failed task of the same re-plan
        if not _recovered(task, tasks):
            return "failed"
    return "completed"


def summarize(plan: Plan) -> dict:
    usage = plan_spend(plan)  # tokens, model calls and cost of every attempt of every task
    files: list[str] = []
    for task in plan.tasks:
        for path in task.record.get("files_written", []):
            if path not in files:
                files.append(path)
    return {
        "plan_id": plan.id, "status": plan.status, "replans": plan.replans,
        "tasks": [{"id": t.id, "agent": t.agent, "status": t.status, "attempts": t.attempts,
                   "result_chars": t.result_chars, "error": t.error,
                   "recovery": t.recovery, "run": t.run, "usage": t.usage, "cost": t.cost,
                   "verified": t.verified, "unverified": t.unverified,
                   "started_at": t.started_at.isoformat() if t.started_at else None,
                   "finished_at": t.finished_at.isoformat() if t.finished_at else None}
                  for t in plan.tasks],
        "failures": [{"task": t.id, "error": t.error, "recovery": t.recovery}
                     for t in plan.tasks if t.status == "failed"],
        "files_changed": files,
        "usage": usage,
        "budget": {"max_cost": plan.max_cost, "source": plan.max_cost_source,
                   "spent": usage["cost"]},
        "notes": plan.notes,
    }
