"""Agent middleware of our own, next to LangChain's (call limits, context editing).

- :class:`ActivityEvents` tells the stream what the agent is doing: a
  ``model_call`` event before each model call, ``tool_called`` and
  ``tool_result`` around each tool call (the task's run forwards them to the
  session's stream, tagged with plan, task and agent).
- :class:`ToolOutputCap` cuts every tool output to a size a model can use,
  saying so and how to get the rest, so one ``read_file`` of a huge file
  cannot fill the context (and redacts secret values, error messages included).
- :class:`RedactSecrets` takes secret values out of the model's own replies.
- :class:`ModelCallLimit` stops a task that keeps calling the model.
- :class:`LeaseFence` stops a task whose lease was taken over by another worker
  (see :mod:`.fencing`), before its next model call or tool call, and discards
  the answer of a call that was in flight when the lease was lost.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ToolCallRequest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.types import Command

from ..events import emit
from ..tools.redaction import redact
from . import fencing

ARG_PREVIEW_CHARS = 200


def _preview(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        out[key] = text if len(text) <= ARG_PREVIEW_CHARS else text[:ARG_PREVIEW_CHARS] + "…"
    return out


class ActivityEvents(AgentMiddleware):
    """``model_call`` / ``tool_called`` / ``tool_result`` custom events from inside a task.

    Wrappers, not before/after hooks: a hook is a graph node of its own, and every node
    is one more checkpoint of the attempt's run."""

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        emit("model_call", step=sum(1 for m in request.messages if m.type == "ai") + 1)
        return await handler(request)

    async def awrap_tool_call(
        self, request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        call = request.tool_call
        emit("tool_called", tool=call["name"], call_id=call.get("id"), args=_preview(call["args"]))
        result = await handler(request)
        if isinstance(result, ToolMessage):
            emit("tool_result", tool=call["name"], call_id=call.get("id"),
                 status=result.status, chars=len(str(result.content)),
                 preview=str(result.content)[:ARG_PREVIEW_CHARS])
        return result


class ModelCallLimitError(RuntimeError):
    """A task used up its model calls without a final answer."""


class ModelCallLimit(AgentMiddleware):
    """At most ``limit`` model calls per attempt, counted from the conversation itself (so a
    resumed attempt keeps its count). A wrapper, unlike LangChain's ``ModelCallLimitMiddleware``
    whose before/after hooks add two checkpointed steps to every model call."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        made = sum(1 for m in request.messages if isinstance(m, AIMessage))
        if made >= self.limit:
            raise ModelCallLimitError(
                f"stopped after {made} model calls without a final answer "
                f"(max_model_calls_per_task={self.limit})")
        return await handler(request)


class LeaseFence(AgentMiddleware):
    """No model call or tool call without the attempt's lease, and no answer kept from a call
    that outlived it: checked before the call and again before its result goes on (to the
    checkpoint, the next step). The check is local while the lease was renewed recently,
    one database round trip otherwise. A no-op when there are no leases (SQLite)."""

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        await fencing.check()
        response = await handler(request)
        await fencing.check()
        return response

    async def awrap_tool_call(
        self, request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        await fencing.check()
        result = await handler(request)
        await fencing.check()
        return result


class RedactSecrets(AgentMiddleware):
    """The model's replies with this process's secret values replaced before they are
    checkpointed, streamed or returned (tool outputs are redacted by the tools)."""

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        response = await handler(request)
        messages = getattr(response, "result", None)
        if isinstance(messages, list):
            response.result = [_redacted(m) for m in messages]
        return response


def _redacted(message: Any) -> Any:
    content = getattr(message, "content", None)
    if isinstance(content, str):
        clean = redact(content)
        if clean != content:
            return message.model_copy(update={"content": clean})
    return message


class ToolOutputCap(AgentMiddleware):
    """Every tool output cut at ``max_chars`` with a note on where the rest is."""

    def __init__(self, max_chars: int = 12_000) -> None:
        super().__init__()
        self.max_chars = max_chars

    async def awrap_tool_call(
        self, request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]],
    ) -> ToolMessage | Command[Any]:
        result = await handler(request)
        if not isinstance(result, ToolMessage) or not isinstance(result.content, str):
            return result
        text = result.content
        text = redact(text)
        if len(text) <= self.max_chars:
            return result.model_copy(update={"content": text}) if text != result.content else result
        where = ("read the file in parts with start_line/end_line"
                 if request.tool_call["name"] == "read_file" else "narrow the request")
        note = (f"\n... [output cut at {self.max_chars} of {len(text)} characters; "
                f"to see the rest, {where}]")
        return result.model_copy(update={"content": text[: self.max_chars] + note})
