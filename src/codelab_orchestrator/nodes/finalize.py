"""``finalize``: close the plan and assemble one answer.

The plan ends ``completed`` when every task is done or its failure was
recovered (Debug took over and succeeded, or a re-plan replaced it),
``failed`` otherwise, or stays ``cancelled``. It is then no longer active,
so the next message in the thread starts a new classification.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage
from langgraph.runtime import Runtime

from .. import scheduler
from ..context import Context
from ..events import emit
from ..prompts.finalize import render_answer
from ..state import FinalAnswer, Plan, PlanStatus, State, Task, now


def finalize(state: State, runtime: Runtime[Context]) -> dict:
    plan = state.plan
    if plan is None:
        text = "Nothing was run: no plan could be made for this request."
        return {"final": FinalAnswer(plan_id=None, status="failed", text=text),
                "messages": [AIMessage(text)]}
    closed = _close_leftovers(plan)
    tasks = {t.id: t for t in plan.tasks} | {t.id: t for t in closed}
    status: PlanStatus = plan.status if plan.status in ("cancelled", "failed") else _outcome(tasks)
    final_plan = plan.with_tasks(closed, status=status)
    scheduler.forget_plan(plan.id)
    summary = summarize(final_plan.model_copy(update={"tasks": list(tasks.values())}))
    text = render_answer(final_plan.goal, status, list(tasks.values()), summary)
    emit("plan_completed", plan_id=plan.id, status=status, usage=summary["usage"],
         failures=len(summary["failures"]))
    return {"plan": final_plan,
            "final": FinalAnswer(plan_id=plan.id, status=status, text=text, summary=summary),
            "messages": [AIMessage(text, name="orchestrator")]}


def _close_leftovers(plan: Plan) -> list[Task]:
    """Tasks that will never run now (cancelled, failed fast, or blocked) end as skipped."""
    reason = {"cancelled": "plan cancelled", "failed": "plan stopped after a failure"}.get(
        plan.status, "not reachable")
    return [t.model_copy(update={"status": "skipped", "error": t.error or reason, "finished_at": now()})
            for t in plan.tasks if t.status in ("pending", "running")]


def _recovered(task: Task, tasks: dict[str, Task]) -> bool:
    recovery = task.recovery or ""
    if recovery.startswith("replan:"):
        number = recovery.split(":", 1)[1]
        return all(t.status == "done" for t in tasks.values() if t.origin == f"replan:{number}")
    if recovery.startswith("debug:"):
        helper = tasks.get(recovery.split(":", 1)[1])
        return helper is not None and helper.status == "done"
    return False


def _outcome(tasks: dict[str, Task]) -> PlanStatus:
    for task in tasks.values():
        if task.status in ("failed", "skipped") and not _recovered(task, tasks):
            if task.status == "skipped" and (task.recovery or "").startswith("replan:"):
                continue  # replaced; judged by the failed task of the same re-plan
            return "failed"
    return "completed"


def summarize(plan: Plan) -> dict:
    usage = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    files: list[str] = []
    for task in plan.tasks:
        for key in usage:
            usage[key] += task.usage.get(key, 0)
        for path in task.record.get("files_written", []):
            if path not in files:
                files.append(path)
    return {
        "plan_id": plan.id, "status": plan.status, "replans": plan.replans,
        "tasks": [{"id": t.id, "agent": t.agent, "status": t.status, "attempts": t.attempts,
                   "result": t.result, "error": t.error, "recovery": t.recovery,
                   "started_at": t.started_at.isoformat() if t.started_at else None,
                   "finished_at": t.finished_at.isoformat() if t.finished_at else None}
                  for t in plan.tasks],
        "failures": [{"task": t.id, "error": t.error, "recovery": t.recovery}
                     for t in plan.tasks if t.status == "failed"],
        "files_changed": files,
        "usage": usage,
        "notes": plan.notes,
    }
