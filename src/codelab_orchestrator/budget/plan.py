"""The budget of the plan a node is executing: its cap, its ledger, its attempts' prices.

``execute_task`` opens a :class:`PlanBudget` on every step: it decides the plan's
cap (fixed when the plan first runs, changed only on purpose), finds the run's
ledger for the plan (or seeds one from what the plan recorded), gives each attempt
its :class:`~.ledger.AttemptBudget`, and turns what attempts spent into the
plan's record (:meth:`PlanBudget.settle`).

Where the cap comes from, first match wins:

1. the run's own limits (``Context.max_cost_per_plan``: ``codelab run/resume
   --max-cost-per-plan`` / ``--budget``, or an SDK run's ``context``);
2. what the plan recorded (set when it first ran, or raised by the answer to a
   ``paused_budget`` interrupt);
3. the orchestrator row's ``max_cost_per_plan`` (None: no cap).

So a plan keeps the cap it started with when the row changes later; raising it
is explicit.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from langgraph.runtime import RunControl

from ..context import Context
from ..persistence import AgentConfig, OrchestratorConfig
from ..state import Plan, PlanPatch, Task
from . import usage
from .ledger import AttemptBudget, PlanLedger, attempt_key, plan_spend, with_attempt_spend
from .pricing import Price, price_for
from .usage import Spend

LIMIT_FIELDS = ("max_cost_per_plan", "max_tokens_per_task", "max_model_calls_per_task")
RUN_LIMITS = "run limits"
ORCHESTRATOR_ROW = "orchestrator row"
RESUME_ANSWER = "resume answer"


def effective_settings(settings: OrchestratorConfig, context: Context | None) -> OrchestratorConfig:
    """The orchestrator row's settings with the run's own limits (CLI flags, SDK context)
    in place of the row's."""
    overrides = {name: getattr(context, name) for name in LIMIT_FIELDS
                 if getattr(context, name, None) is not None}
    return settings.model_copy(update=overrides) if overrides else settings


def plan_cap(plan: Plan, settings: OrchestratorConfig, context: Context | None) -> tuple[float | None, str]:
    """(cap in USD or None, where it comes from): see the module's docstring."""
    given = getattr(context, "max_cost_per_plan", None)
    if given is not None:
        return float(given), RUN_LIMITS
    if plan.max_cost_source is not None:
        return plan.max_cost, plan.max_cost_source
    return settings.max_cost_per_plan, ORCHESTRATOR_ROW


def agent_price(config: AgentConfig) -> Price:
    return price_for(config.model, row_in=config.price_in_per_mtok,
                     row_out=config.price_out_per_mtok)


class AttemptControl(RunControl):
    """An attempt's run control: drained when the session's run is, and when the plan's cap
    is reached. LangGraph checks it before every step, so a running attempt stops by itself
    right after the step in flight -- a model reply already paid for is checkpointed, not
    thrown away and asked again on resume."""

    __slots__ = ("_session", "_ledger")

    def __init__(self, session: RunControl | None, ledger: PlanLedger) -> None:
        super().__init__()
        self._session = session
        self._ledger = ledger

    @property
    def drain_requested(self) -> bool:
        return self.drain_reason is not None

    @property
    def drain_reason(self) -> str | None:
        if self._drain_reason is not None:
            return self._drain_reason
        if self._session is not None and self._session.drain_requested:
            return self._session.drain_reason or "stop requested"
        return self._ledger.reason() if self._ledger.reached() else None


class PlanBudget:
    """One node's view of the budget of ``plan`` in the run owning ``ledgers``."""

    def __init__(self, ledgers: MutableMapping[str, PlanLedger], plan: Plan,
                 settings: OrchestratorConfig, context: Context | None) -> None:
        cap, source = plan_cap(plan, settings, context)
        self.plan = plan
        self.header: dict[str, Any] = (
            {} if (cap, source) == (plan.max_cost, plan.max_cost_source)
            else {"max_cost": cap, "max_cost_source": source})
        ledger = ledgers.get(plan.id)
        if ledger is None:
            ledger = ledgers[plan.id] = PlanLedger(plan, cap)
        ledger.set_cap(cap)
        self.ledger = ledger
        self.max_tokens = settings.max_tokens_per_task
        self.prices: dict[str, Price] = {}
        self.unpriced: list[str] = []

    @property
    def max_cost(self) -> float | None:
        return self.ledger.max_cost

    def for_attempt(self, key: str, agent: AgentConfig) -> AttemptBudget:
        price = self.prices[key] = agent_price(agent)
        if not price.priced and agent.model not in self.unpriced:
            self.unpriced.append(agent.model)
        return AttemptBudget(key=key, price=price, ledger=self.ledger, max_tokens=self.max_tokens)

    def control(self, session: RunControl | None) -> AttemptControl:
        """The run control for an attempt of this plan (see :class:`AttemptControl`)."""
        return AttemptControl(session, self.ledger)

    def stop_reason(self) -> str | None:
        """Why no model call may start now (the plan's cap is reached), or None."""
        return self.ledger.reason() if self.ledger.reached() else None

    def settle(self, task: Task, outcome_usage: dict[str, Any] | None = None) -> Task:
        """``task`` with its current attempt's spend recorded: from the finished attempt's
        conversation (``outcome_usage``) when there is one, else from what its model calls
        reported to the ledger in this run."""
        key = attempt_key(self.plan.id, task.id, task.attempts)
        price = self.prices.get(key)
        spend: Spend | None
        if outcome_usage is not None and price is not None:
            spend = usage.priced(outcome_usage, price)
        else:
            spend = self.ledger.attempts.get(key)
        if spend is None:
            return task
        self.ledger.record(key, spend)
        return with_attempt_spend(task, spend)

    def fields(self, *notes: str) -> dict[str, Any]:
        """Header fields of the plan this step changes: the cap when it was decided now, and
        notes (``notes``, and models whose calls count as $0 under a cap)."""
        new = list(notes)
        if self.max_cost is not None:
            new += [f"no price for model {model}: its calls count as $0 against "
                    "max_cost_per_plan (set price_in_per_mtok/price_out_per_mtok in its agent row)"
                    for model in self.unpriced]
        new = [note for note in dict.fromkeys(new) if note not in self.plan.notes]
        return {**self.header, **({"notes": [*self.plan.notes, *new]} if new else {})}

    def spent_update(self, changed: Iterable[Task]) -> dict[str, Any]:
        """The session's ``spend`` update for a step that records ``changed``."""
        delta = session_delta(self.plan, self.plan.with_tasks(changed))
        return {"spend": delta} if any(delta.values()) else {}


def charged(counter: usage.UsageCounter, agent: AgentConfig) -> dict[str, Any]:
    """The session's ``spend`` update for model calls made outside tasks (classification,
    planning), at the price of the row that made them."""
    spend = usage.priced(counter.usage, agent_price(agent))
    return {"spend": spend} if spend["model_calls"] else {}


def session_delta(plan: Plan, patch: PlanPatch) -> Spend:
    """What the session spent in the step that produced ``patch``."""
    return usage.minus(plan_spend(plan.apply(patch)), plan_spend(plan))


def settled(ledger: PlanLedger | None, plan: Plan, tasks: list[Task]) -> list[Task]:
    """``tasks`` of ``plan`` with what their current attempts spent in this run (attempts
    stopped outside ``execute_task``: ``fail_fast`` in ``finalize``)."""
    if ledger is None:
        return tasks
    out = []
    for task in tasks:
        spend = ledger.attempts.get(attempt_key(plan.id, task.id, task.attempts))
        out.append(with_attempt_spend(task, spend) if spend is not None else task)
    return out
