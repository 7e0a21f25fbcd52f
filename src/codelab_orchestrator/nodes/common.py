"""Small helpers the nodes share: the run's context and the request text."""

from __future__ import annotations

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from sqlalchemy.exc import OperationalError

from ..context import Context
from ..state import Plan

# A node that fails on a database hiccup (a lock timeout, a dropped
# connection) runs again; model and task errors never reach this (they are
# handled inside the nodes). Re-running is safe: workers are keyed by task.
TRANSIENT_RETRY = RetryPolicy(max_attempts=3, initial_interval=0.2,
                              retry_on=lambda exc: isinstance(exc, OperationalError))


def context_of(runtime: Runtime[Context] | None) -> Context:
    context = getattr(runtime, "context", None)
    if isinstance(context, Context):
        return context
    if isinstance(context, dict):  # a plain dict from an HTTP client
        return Context(**{k: v for k, v in context.items() if k in Context.__dataclass_fields__})
    return Context()


def message_text(message: AnyMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def last_request(messages: list[AnyMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message_text(message)
    return ""


def plan_summary(plan: Plan, limit: int = 12) -> str:
    lines = [f"goal: {plan.goal} (status {plan.status})"]
    for task in plan.tasks[:limit]:
        lines.append(f"- {task.id} [{task.agent}] {task.status}: {task.description[:120]}")
    if len(plan.tasks) > limit:
        lines.append(f"... and {len(plan.tasks) - limit} more tasks")
    return "\n".join(lines)
