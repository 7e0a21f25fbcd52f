"""Agent middleware of our own, next to LangChain's (call limits, context editing).

- :class:`ActivityEvents` tells the stream what the agent is doing: a
  ``model_call`` event before each model call, ``tool_called`` and
  ``tool_result`` around each tool call (the task's run forwards them to the
  session's stream, tagged with plan, task and agent).
- :class:`ToolOutputCap` cuts every tool output to a size a model can use,
  saying so and how to get the rest, so one ``read_file`` of a huge file
  cannot fill the context.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ToolCallRequest
from langchain_core.messages import ToolMessage
from langgraph.types import Command

from ..events import emit

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
        if len(text) <= self.max_chars:
            return result
        where = ("read the file in parts with start_line/end_line"
                 if request.tool_call["name"] == "read_file" else "narrow the request")
        note = (f"\n... [output cut at {self.max_chars} of {len(text)} characters; "
                f"to see the rest, {where}]")
        return result.model_copy(update={"content": text[: self.max_chars] + note})
