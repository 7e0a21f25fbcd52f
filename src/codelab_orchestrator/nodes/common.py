"""Small helpers the nodes share: node wrappers, the session's context, the request text."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import replace
from functools import partial
from typing import Any

from langchain_core.messages import AnyMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import RetryPolicy
from langgraph.utils.runnable import RunnableCallable
from sqlalchemy.exc import OperationalError

from .. import supervisor
from ..context import Context
from ..server.run_context import check_workspace_allowed, with_identity
from ..state import Plan, SessionInfo, State

# A node that fails on a database hiccup (a lock timeout, a dropped
# connection) runs again; model and task errors never reach this (they are
# handled inside the nodes). Re-running is safe: attempts are keyed by task.
TRANSIENT_RETRY = RetryPolicy(max_attempts=3, initial_interval=0.2,
                              retry_on=lambda exc: isinstance(exc, OperationalError))

# Synchronous node bodies (database reads, classification and planning model
# calls) run on this pool: asyncio's default executor has min(32, cores + 4)
# threads, 6 on 2 cores, and 50 concurrent server runs would queue behind them.
NODE_POOL = ThreadPoolExecutor(max_workers=int(os.environ.get("CODELAB_NODE_THREADS", "256")),
                               thread_name_prefix="codelab-node")

ASYNC_ONLY = ("the codelab graph runs asynchronously (its tasks are asyncio runs that can be "
              "stopped): use `await graph.ainvoke(...)` or `graph.astream(...)` with an async "
              "checkpointer (`open_async_checkpointer`)")


class SyncInvocationError(RuntimeError):
    """The graph was invoked synchronously."""


class SessionMismatchError(ValueError):
    """A run's context contradicts what the session recorded when it started."""


def _sync_unsupported(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def refuse(*_: Any, **__: Any) -> Any:
        raise SyncInvocationError(ASYNC_ONLY)

    return refuse


def node(func: Callable[..., Any]) -> RunnableCallable:
    """A synchronous node body, run on :data:`NODE_POOL` in the run's context (config,
    stream writer), with the run marked active for the task supervisor."""

    async def offloaded(state: Any, **kwargs: Any) -> Any:
        async with supervisor.active(kwargs.get("runtime")):
            call = partial(copy_context().run, func, state, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(NODE_POOL, call)

    return RunnableCallable(_sync_unsupported(func), offloaded, name=func.__name__)


def async_node(func: Callable[..., Awaitable[Any]]) -> RunnableCallable:
    """An asynchronous node body, with the run marked active for the task supervisor."""

    @functools.wraps(func)
    async def marked(state: Any, **kwargs: Any) -> Any:
        async with supervisor.active(kwargs.get("runtime")):
            return await func(state, **kwargs)

    return RunnableCallable(_sync_unsupported(func), marked, name=func.__name__)


def context_of(runtime: Runtime[Context] | None) -> Context:
    """The context as the caller gave it (empty fields unresolved), the server's
    authenticated user imposed (see :mod:`..server.run_context`)."""
    return with_identity(_given_context(runtime), runtime)


def _given_context(runtime: Runtime[Context] | None) -> Context:
    context = getattr(runtime, "context", None)
    if isinstance(context, Context):
        return context
    if isinstance(context, dict):  # a plain dict from an HTTP client
        return Context(**{k: v for k, v in context.items() if k in Context.__dataclass_fields__})
    return Context()


def session_context(state: State, runtime: Runtime[Context] | None) -> Context:
    """The run's context resolved against the session (see :func:`resolve_context`), its
    workspace checked against the server's roots."""
    return check_workspace_allowed(resolve_context(context_of(runtime), state.session), runtime)


def resolve_context(given: Context, session: SessionInfo | None) -> Context:
    """``given`` resolved against what the session recorded: the session's values fill empty
    fields; a contradicting workspace, user or project is a :class:`SessionMismatchError`."""
    if session is None:
        return given.with_defaults()
    if given.workspace and os.path.abspath(os.path.expanduser(given.workspace)) != session.workspace:
        raise SessionMismatchError(
            f"this session works in {session.workspace}, not {given.workspace}: "
            "leave the workspace out to continue it, or start a new session")
    for name in ("user_id", "project_id"):
        if getattr(given, name) and getattr(given, name) != getattr(session, name):
            raise SessionMismatchError(
                f"this session belongs to {name} {getattr(session, name)!r}, "
                f"not {getattr(given, name)!r}")
    return replace(given, user_id=session.user_id, project_id=session.project_id,
                   workspace=session.workspace,
                   orchestrator=given.orchestrator or session.orchestrator)  # limits kept


def session_info(context: Context) -> SessionInfo:
    return SessionInfo(workspace=context.workspace, user_id=context.user_id,
                       project_id=context.project_id, orchestrator=context.orchestrator)


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
