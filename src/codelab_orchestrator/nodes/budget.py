"""A plan that reached its cost cap: ``execute_task`` pauses it, ``route`` waits for more.

When the plan's cap is reached, no attempt starts and no model call is made any more
(the middleware refuses it). Running attempts stop by themselves right after their
step in flight (their run control drains), so a reply already paid for is
checkpointed rather than thrown away; ``execute_task`` waits for them
(:func:`let_running_finish`; past :data:`BUDGET_GRACE_S`, or on a user's stop, the
supervisor cancels them), records each ``cancelled`` (resumable, nothing of it
``done`` unless its final answer had already arrived) and the plan ``paused_budget``
with the figures (:func:`pause_for_budget`). The plan stays
*active*: its stopped attempts are resumable, a cancel word or a new request ends it
as for any active plan. The next ``route`` calls ``interrupt()`` with the figures
(:func:`await_budget`), so the run ends waiting, like an approval, and nothing is
finalized. The answer raises the cap (``Command(resume={"budget": 2.5})``; the CLI's
``codelab resume THREAD --budget 2.5``) and the plan continues where it stopped: done
tasks are not run again, and the stopped attempts continue from their last
checkpointed step. ``"cancel"`` ends the plan instead.

A plan whose last task finishes with the cap reached is not paused: nothing is left to
spend on, so it completes (its summary shows the spend above the cap).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from langgraph.types import interrupt

from ..budget.ledger import plan_spend
from ..budget.plan import RESUME_ANSWER, PlanBudget
from ..budget.usage import describe, money
from ..events import emit
from ..state import Plan, Task
from ..supervisor import RunTasks

BUDGET_GRACE_S = 60.0  # how long running attempts get to finish their step in flight
CANCEL_WORDS = {"cancel", "stop", "abort", "no", "reject"}
HOW_TO_ANSWER = ("resume with {'budget': <new cap in USD, above what was spent>} "
                 "(codelab resume THREAD --budget N), or 'cancel' to end the plan")


async def let_running_finish(tasks: RunTasks, keys: Iterable[str], finished: dict[str, Any],
                             stop: Callable[[], str | None]) -> None:
    """The plan's cap is reached: wait until every running attempt of ``keys`` has stopped by
    itself after its step in flight (their run controls drain: see
    ``budget.plan.AttemptControl``), adding them to ``finished``. A user's stop (``stop()``)
    or :data:`BUDGET_GRACE_S` cuts the wait short; the caller cancels what is left."""
    deadline = time.monotonic() + BUDGET_GRACE_S

    def cut() -> str | None:
        return stop() or ("grace over" if time.monotonic() > deadline else None)

    pending = [key for key in keys if key not in finished]
    while pending and not cut():
        more, _ = await tasks.wait_first(pending, cut)
        finished.update(more)
        pending = [key for key in pending if key not in finished]


def pause_for_budget(plan: Plan, changed: dict[str, Task], budget: PlanBudget) -> dict | None:
    """The update pausing ``plan`` when its cap is reached and work is left, else None."""
    reason = budget.stop_reason()
    if reason is None:
        return None
    after = plan.apply(plan.with_tasks(changed.values()))
    if not any(t.status in ("pending", "running", "cancelled") for t in after.tasks):
        return None
    spent = plan_spend(after)
    stopped = [t.id for t in changed.values() if t.status == "cancelled"]
    note = (f"paused: {reason}; {describe(spent, budget.max_cost)}; stopped "
            f"{', '.join(stopped) or 'nothing'}; resume with a higher budget to continue")
    emit("budget_exceeded", plan_id=plan.id, scope="plan", spent=spent["cost"],
         max_cost=budget.max_cost, tokens=spent["total_tokens"],
         model_calls=spent["model_calls"], stopped=stopped)
    return {"plan": plan.with_tasks(changed.values(), status="paused_budget",
                                    **budget.fields(note)),
            **budget.spent_update(changed.values())}


def await_budget(plan: Plan) -> dict:
    """Wait (``interrupt``) for a cap above what the plan spent, or a cancel."""
    spent = plan_spend(plan)
    problem = None
    while True:
        answer = interrupt({
            "type": "budget_exceeded", "plan_id": plan.id, "goal": plan.goal,
            "spent": spent, "max_cost": plan.max_cost,
            "stopped": [t.id for t in plan.tasks if t.status in ("cancelled", "running")],
            "pending": [t.id for t in plan.tasks if t.status == "pending"],
            "problem": problem, "how_to_answer": HOW_TO_ANSWER,
        })
        action, value = parse_budget_answer(answer)
        if action == "cancel":
            return {"plan": plan.with_tasks([], status="cancelled", notes=[
                *plan.notes, "cancelled by the user when the budget was reached"])}
        if action == "budget" and value is not None and value > spent["cost"]:
            note = f"budget raised from {money(plan.max_cost)} to {money(value)} by the user"
            return {"plan": plan.with_tasks([], status="running", max_cost=value,
                                            max_cost_source=RESUME_ANSWER,
                                            notes=[*plan.notes, note])}
        problem = (f"a budget of {money(value)} is not above the {money(spent['cost'])} already "
                   "spent" if action == "budget" else f"unrecognised answer {answer!r}")


def parse_budget_answer(answer: Any) -> tuple[str, float | None]:
    """``{"budget": 2.5}``, ``2.5``, ``"2.5"``, ``"$2.50"`` -> ("budget", 2.5);
    ``"cancel"`` / ``{"action": "cancel"}`` -> ("cancel", None); else ("unknown", None)."""
    if isinstance(answer, dict):
        if str(answer.get("action", "")).lower() in CANCEL_WORDS:
            return "cancel", None
        answer = answer.get("budget", answer.get("max_cost_per_plan"))
    if isinstance(answer, bool):
        return "unknown", None
    if isinstance(answer, int | float):
        return "budget", float(answer)
    if isinstance(answer, str):
        word = answer.strip().lower()
        if word in CANCEL_WORDS:
            return "cancel", None
        try:
            return "budget", float(word.lstrip("$"))
        except ValueError:
            pass
    return "unknown", None
