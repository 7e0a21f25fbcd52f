"""A plan's spend, shared live by the task attempts of one run, and the limits checked
before every model call.

- :class:`PlanLedger` is what the plan has spent, seeded from what the plan recorded
  when a run starts (or resumes) and updated after every model call of every running
  attempt. Attempts report their *whole* spend so far (counted from their own
  conversation, so calls made before a crash or a stop are included); the ledger adds
  only what it had not seen, so nothing is counted twice and a call the plan never
  recorded (a crash between the call and the record) is counted once it is seen.
- :class:`AttemptBudget` is what one attempt's middleware checks before each model
  call: the plan's cap (shared: every running attempt sees a call another one just
  made) and the attempt's own ``max_tokens_per_task``.

A call is refused once the cap is *reached*, so parallel attempts overshoot by at
most the calls already in flight when it was reached: one per running attempt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..state import Plan, Task
from . import usage
from .pricing import Price
from .usage import Spend

WARN_AT = 0.8  # budget_warning when a plan has spent this share of its cap


class PlanBudgetReached(RuntimeError):  # noqa: N818 - a stop, not a failure of the task
    """A model call was refused because the plan's budget is used up: the plan pauses
    (``paused_budget``) and the attempt continues from this step when it is raised."""


class TaskBudgetExceededError(RuntimeError):
    """An attempt used up its own token allowance (``max_tokens_per_task``): the task fails."""


def attempt_key(plan_id: str, task_id: str, attempt: int) -> str:
    """The same key as :attr:`~codelab_orchestrator.agents.Attempt.key`."""
    return f"{plan_id}/{task_id}/{attempt}"


def task_spend(task: Task) -> Spend:
    """Everything ``task`` spent, over all its attempts."""
    return usage.add(*task.usage_by_attempt.values())


def plan_spend(plan: Plan | None, tasks: Iterable[Task] | None = None) -> Spend:
    """Everything the plan's tasks spent (failed, stopped and replaced ones included)."""
    if plan is None:
        return usage.empty()
    return usage.add(*(task_spend(t) for t in (tasks if tasks is not None else plan.tasks)))


def with_attempt_spend(task: Task, spend: Spend) -> Task:
    """``task`` with its current attempt's spend set to ``spend`` (and the totals updated)."""
    by_attempt = {**task.usage_by_attempt, str(task.attempts): usage.add(spend)}
    totals = usage.add(*by_attempt.values())
    return task.model_copy(update={
        "usage_by_attempt": by_attempt, "cost": totals["cost"],
        "usage": {key: totals[key] for key in usage.TOKEN_KEYS}})


class PlanLedger:
    """What one plan has spent, as seen by the run executing it."""

    def __init__(self, plan: Plan, max_cost: float | None) -> None:
        self.plan_id = plan.id
        self.max_cost = max_cost
        self.spent = plan_spend(plan)
        # the last spend seen per attempt, seeded with what the plan recorded for it
        self.attempts: dict[str, Spend] = {
            attempt_key(plan.id, t.id, t.attempts): usage.add(t.usage_by_attempt[str(t.attempts)])
            for t in plan.tasks if str(t.attempts) in t.usage_by_attempt}
        self.warned = self.share() >= WARN_AT

    def share(self) -> float:
        """The part of the cap spent (0 without a cap)."""
        if self.max_cost is None:
            return 0.0
        return self.spent["cost"] / self.max_cost if self.max_cost > 0 else 1.0

    def reached(self) -> bool:
        return self.max_cost is not None and self.spent["cost"] >= self.max_cost

    def set_cap(self, max_cost: float | None) -> None:
        if max_cost != self.max_cost:
            self.max_cost = max_cost
            self.warned = self.share() >= WARN_AT

    def reason(self) -> str:
        return (f"plan budget reached: spent {usage.money(self.spent['cost'])} of "
                f"{usage.money(self.max_cost)} (max_cost_per_plan)")

    def check(self) -> None:
        if self.reached():
            raise PlanBudgetReached(self.reason())

    def record(self, key: str, spend: Spend) -> bool:
        """Attempt ``key`` has spent ``spend`` in all; True when this crosses the warning
        threshold for the first time."""
        seen = self.attempts.get(key)
        if seen is not None and spend["cost"] <= seen["cost"] and spend["total_tokens"] <= seen["total_tokens"]:
            return False  # nothing new (an attempt read back, or a stale report)
        self.spent = usage.add(self.spent, usage.minus(spend, seen))
        self.attempts[key] = usage.add(spend)
        if not self.warned and self.max_cost is not None and self.share() >= WARN_AT:
            self.warned = True
            return True
        return False


@dataclass(frozen=True)
class AttemptBudget:
    """What the budget middleware of one attempt checks and reports (see ``agents.budget``)."""

    key: str
    price: Price
    ledger: PlanLedger | None = None
    max_tokens: int | None = None

    def before_call(self, so_far: Spend) -> None:
        """Raise if the next model call must not be made."""
        if self.ledger is not None:
            self.ledger.check()
        if self.max_tokens is not None and so_far["total_tokens"] >= self.max_tokens:
            raise TaskBudgetExceededError(
                f"stopped after {so_far['total_tokens']:,} tokens in {so_far['model_calls']} model "
                f"calls without a final answer (max_tokens_per_task={self.max_tokens})")

    def after_call(self, spend: Spend) -> bool:
        """The attempt has spent ``spend`` in all; True when the plan just passed
        :data:`WARN_AT` of its cap."""
        return self.ledger.record(self.key, spend) if self.ledger is not None else False
