"""Small helpers the nodes share: the run's context and the request text."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from functools import partial
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from langgraph.utils.runnable import RunnableCallable
from sqlalchemy.exc import OperationalError

from ..context import Context
from ..server.run_context import checked_context
from ..state import Plan

# A node that fails on a database hiccup (a lock timeout, a dropped
# connection) runs again; model and task errors never reach this (they are
# handled inside the nodes). Re-running is safe: workers are keyed by task.
TRANSIENT_RETRY = RetryPolicy(max_attempts=3, initial_interval=0.2,
                              retry_on=lambda exc: isinstance(exc, OperationalError))


# Under ainvoke (and so in `langgraph dev`), a sync node would run on asyncio's
# default executor: min(32, cores + 4) threads, 6 on 2 cores. Nodes block while
# models answer and tasks run, so 50 concurrent runs would queue behind 6
# threads. Their async twins run them on this pool instead.
NODE_POOL = ThreadPoolExecutor(max_workers=int(os.environ.get("CODELAB_NODE_THREADS", "256")),
                               thread_name_prefix="codelab-node")


def node(func: Callable[..., Any]) -> RunnableCallable:
    """``func`` as a graph node: itself under invoke, offloaded to :data:`NODE_POOL` under ainvoke."""

    async def offloaded(state: Any, **kwargs: Any) -> Any:
        call = partial(copy_context().run, func, state, **kwargs)  # keeps config, stream writer
        return await asyncio.get_running_loop().run_in_executor(NODE_POOL, call)

    return RunnableCallable(func, offloaded, name=func.__name__)


def context_of(runtime: Runtime[Context] | None) -> Context:
    """The run's context, with the server's authenticated user imposed and the workspace checked."""
    return checked_context(_raw_context(runtime), runtime)


def _raw_context(runtime: Runtime[Context] | None) -> Context:
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
