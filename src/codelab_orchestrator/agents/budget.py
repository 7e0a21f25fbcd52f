"""The budget, checked before every model call of a task (agent middleware).

:class:`BudgetGuard` reads the attempt's :class:`~..budget.ledger.AttemptBudget`
from the run's context. Before a call it refuses to start one when the plan's
cap is reached (``PlanBudgetReached``: the plan pauses, and this attempt later
continues from this very step) or when the attempt has used up
``max_tokens_per_task`` (``TaskBudgetExceededError``: the task fails, and the
failure policy applies). After the call it reports the attempt's whole spend to
the plan's ledger, which every running attempt of the run shares, and tells the
stream (``model_usage``; ``budget_warning`` once the plan passes 80% of its cap).

The attempt's spend is counted from its own conversation (every earlier reply
carries its ``usage_metadata``), so an attempt continued after a crash or a stop
keeps its count. A wrapper, not a before/after hook: hooks are graph nodes, and
every node one more checkpoint of the attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain_core.messages import AIMessage

from ..budget import usage
from ..budget.ledger import AttemptBudget, TaskBudgetExceededError
from ..events import emit


def _replies(response: Any) -> list[AIMessage]:
    if isinstance(response, AIMessage):
        return [response]
    return [m for m in getattr(response, "result", None) or [] if isinstance(m, AIMessage)][:1]


class BudgetGuard(AgentMiddleware):
    """Limits checked before each model call; spend reported after it."""

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        budget = getattr(getattr(request.runtime, "context", None), "budget", None)
        if not isinstance(budget, AttemptBudget):
            return await handler(request)
        earlier = usage.of_messages(request.messages)
        try:
            budget.before_call(usage.priced(earlier, budget.price))
        except TaskBudgetExceededError:
            emit("budget_exceeded", scope="task", tokens=earlier["total_tokens"],
                 model_calls=earlier["model_calls"], max_tokens=budget.max_tokens)
            raise
        response = await handler(request)
        reply = usage.of_messages(_replies(response))
        call = usage.priced(reply, budget.price)
        # priced from the attempt's token totals, as a finished attempt is (same figure)
        spend = usage.priced(usage.add(earlier, reply), budget.price)
        warn = budget.after_call(spend)
        ledger = budget.ledger
        plan = ({"cost": ledger.spent["cost"], "total_tokens": ledger.spent["total_tokens"],
                 "max_cost": ledger.max_cost} if ledger is not None else None)
        emit("model_usage", call=call, usage=spend, plan=plan)
        if warn and ledger is not None:
            emit("budget_warning", scope="plan", spent=ledger.spent["cost"],
                 max_cost=ledger.max_cost, share=round(ledger.share(), 3),
                 tokens=ledger.spent["total_tokens"])
        return response
