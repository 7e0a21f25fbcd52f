"""Tool calls written as text are still tool calls.

Small local models (Qwen2.5-Coder-0.5B behind llama.cpp, recorded in
``tests/fixtures/real_replies``) rarely use the API's ``tool_calls``: they
write ``{"name": "read_file", "arguments": {...}}`` in the content, bare or in
a fenced block, inside Hermes/Qwen ``<tool_call>`` tags, or several in one
reply. An agent loop sees no tool call and takes that text as the final
answer, so nothing is done. :func:`recover_tool_calls` turns such text into
real ``tool_calls`` before the agent decides it has finished, and
:class:`TextToolCallMiddleware` applies it to every model call of a LangChain
``create_agent`` agent.

A call to a tool the agent does not have becomes an *invalid* tool call with
an error that names the available tools; the middleware answers invalid
calls with error tool messages and asks the model again (an agent loop
otherwise ends on a reply without valid calls), and gives up with
:class:`InvalidToolCallsError` after a few such replies in a row.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse
from langchain_core.messages import AIMessage, AnyMessage, ToolMessage
from langchain_core.messages.tool import invalid_tool_call, tool_call

from ..jsontext import ARGUMENT_KEYS, NAME_KEYS, Located, text_calls

# Keys a bare call object may carry besides its name and arguments.
_CALL_KEYS = frozenset((*NAME_KEYS, *ARGUMENT_KEYS, "type", "id"))
# What is left of a reply once its calls are cut out, when it held nothing else.
_WRAPPERS = re.compile(r"```[\w-]*|</?tool_calls?>|<\|?python_tag\|?>|\[TOOL_CALLS\]|[\s,;{}\[\]]")
# Wrappers left empty once their calls are cut out.
_EMPTY_WRAPPERS = re.compile(r"```[\w-]*\s*```|<tool_calls?>\s*</tool_calls?>")
DEFAULT_MAX_INVALID_ROUNDS = 3


class InvalidToolCallsError(RuntimeError):
    """The model kept replying with tool calls that cannot run."""


def content_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def recover_tool_calls(message: AIMessage, tool_names: Iterable[str]) -> AIMessage:
    """``message`` with the tool calls written in its text turned into ``tool_calls``.

    A message that already has tool calls, or an agent without tools, is
    returned as is. Calls to known tools become tool calls (arguments that are
    not a JSON object make them invalid tool calls). A call-shaped object
    naming an unknown tool becomes an invalid tool call with a clear error
    when it is unmistakably a call (only name/arguments keys, or the reply is
    nothing but calls); otherwise it stays text. The calls' text is removed
    from the content; ``response_metadata["text_tool_calls"]`` counts them.
    """
    known = set(tool_names)
    if message.tool_calls or not known:
        return message
    text = content_text(message)
    if "{" not in text and "<function=" not in text:
        return message
    located = text_calls(text)
    if not located:
        return message
    only_calls = _WRAPPERS.sub("", _cut(text, located)) == ""
    calls: list[Any] = []
    invalid: list[Any] = []
    used: list[Located] = []
    for item in located:
        call = item.call
        call_id = f"call_text_{uuid.uuid4().hex[:12]}"
        if call.name in known:
            if call.args is not None:
                calls.append(tool_call(name=call.name, args=call.args, id=call_id))
            else:
                invalid.append(invalid_tool_call(name=call.name, args=_raw_args(call.raw),
                                                 id=call_id, error=call.error))
            used.append(item)
        elif only_calls or _bare_call(call.raw):
            invalid.append(invalid_tool_call(
                name=call.name, args=json.dumps(call.args) if call.args is not None else None,
                id=call_id, error=f"unknown tool {call.name!r}; the available tools are "
                                  f"{', '.join(sorted(known))}"))
            used.append(item)
    if not used:
        return message
    remaining = _EMPTY_WRAPPERS.sub("", _cut(text, used))
    content = "" if _WRAPPERS.sub("", remaining) == "" else remaining.strip()
    return AIMessage(
        content=content, tool_calls=calls,
        invalid_tool_calls=[*message.invalid_tool_calls, *invalid],
        id=message.id, name=message.name, additional_kwargs=message.additional_kwargs,
        response_metadata={**message.response_metadata, "text_tool_calls": len(used)},
        usage_metadata=message.usage_metadata,
    )


def _bare_call(raw: Any) -> bool:
    return isinstance(raw, dict) and set(raw) <= _CALL_KEYS


def _raw_args(raw: Any) -> str | None:
    if isinstance(raw, dict):
        value = next((raw[k] for k in ARGUMENT_KEYS if k in raw), None)
        return value if isinstance(value, str) else json.dumps(value)
    return str(raw) if raw is not None else None


def _cut(text: str, located: Sequence[Located]) -> str:
    """``text`` without the spans of ``located`` (several calls may share one span)."""
    spans = sorted({(item.start, item.end) for item in located})
    out: list[str] = []
    position = 0
    for start, end in spans:
        if start >= position:
            out.append(text[position:start])
            position = end
    out.append(text[position:])
    return "".join(out)


def tool_names_of(tools: Iterable[Any]) -> list[str]:
    """Names of a model request's tools (``BaseTool`` objects or OpenAI-style dicts)."""
    names = []
    for tool in tools:
        if isinstance(tool, dict):
            name = tool.get("function", {}).get("name") if "function" in tool else tool.get("name")
        else:
            name = getattr(tool, "name", None)
        if isinstance(name, str):
            names.append(name)
    return names


class TextToolCallMiddleware(AgentMiddleware):
    """Recover text-form tool calls on every model call of a ``create_agent`` agent.

    The model's reply is rewritten before the agent routes on it. A reply holding
    only invalid calls (unknown tools, arguments that are not JSON) is answered
    with error tool messages and the model asked again, within the same model
    step, at most ``max_invalid_rounds`` times in a row; the exchange is kept in
    the conversation, in order, ahead of the reply that counts. All of it happens
    in the wrapper (no after-model hook), so a model call costs one checkpointed
    step of the attempt, not two.
    """

    def __init__(self, max_invalid_rounds: int = DEFAULT_MAX_INVALID_ROUNDS) -> None:
        super().__init__()
        self.max_invalid_rounds = max_invalid_rounds

    def wrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Any],
    ) -> ModelResponse | ExtendedModelResponse:
        earlier: list[AnyMessage] = []
        while True:
            response = self._recover(request, handler(request))
            retry = self._feedback(request, response, earlier)
            if retry is None:
                return self._with_earlier(response, earlier)
            request = retry

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]],
    ) -> ModelResponse | ExtendedModelResponse:
        earlier: list[AnyMessage] = []
        while True:
            response = self._recover(request, await handler(request))
            retry = self._feedback(request, response, earlier)
            if retry is None:
                return self._with_earlier(response, earlier)
            request = retry

    def _recover(self, request: ModelRequest, response: Any) -> ModelResponse | ExtendedModelResponse:
        names = tool_names_of(request.tools)
        if isinstance(response, AIMessage):
            response = ModelResponse(result=[response])
        inner = response.model_response if isinstance(response, ExtendedModelResponse) else response
        fixed = ModelResponse(
            result=[recover_tool_calls(m, names) if isinstance(m, AIMessage) else m
                    for m in inner.result],
            structured_response=inner.structured_response)
        if isinstance(response, ExtendedModelResponse):
            return ExtendedModelResponse(model_response=fixed, command=response.command)
        return fixed

    def _feedback(self, request: ModelRequest, response: Any,
                  earlier: list[AnyMessage]) -> ModelRequest | None:
        """The request to ask again with, when the reply holds only invalid calls."""
        inner = response.model_response if isinstance(response, ExtendedModelResponse) else response
        last = inner.result[-1] if inner.result else None
        if not isinstance(last, AIMessage):
            return None
        answer = invalid_calls_feedback([*request.messages, last], self.max_invalid_rounds)
        if answer is None:
            return None
        exchange = answer["messages"]
        if not isinstance(exchange[0], AIMessage):
            exchange = [last, *exchange]
        earlier.extend(exchange)
        return request.override(messages=[*request.messages, *exchange])

    @staticmethod
    def _with_earlier(response: Any, earlier: list[AnyMessage]) -> Any:
        if not earlier:
            return response
        inner = response.model_response if isinstance(response, ExtendedModelResponse) else response
        merged = ModelResponse(result=[*earlier, *inner.result],
                               structured_response=inner.structured_response)
        if isinstance(response, ExtendedModelResponse):
            return ExtendedModelResponse(model_response=merged, command=response.command)
        return merged


def invalid_calls_feedback(messages: Sequence[AnyMessage], max_rounds: int) -> dict[str, Any] | None:
    """For a last reply with invalid calls only: error tool messages and a jump back to the
    model; raises :class:`InvalidToolCallsError` past ``max_rounds`` such replies in a row."""
    last = messages[-1] if messages else None
    if not isinstance(last, AIMessage) or last.tool_calls or not last.invalid_tool_calls:
        return None
    rounds = 0
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            continue
        if isinstance(message, AIMessage) and message.invalid_tool_calls and not message.tool_calls:
            rounds += 1
            continue
        break
    errors = [f"{bad.get('name') or '?'}: {bad.get('error') or 'malformed call'}"
              for bad in last.invalid_tool_calls]
    if rounds > max_rounds:
        raise InvalidToolCallsError(
            f"the model sent only invalid tool calls {rounds} times in a row; last: "
            + "; ".join(errors)[:500])
    fixed = [{**bad, "id": bad.get("id") or f"call_text_{uuid.uuid4().hex[:12]}"}
             for bad in last.invalid_tool_calls]
    update: list[AnyMessage] = []
    if any(bad.get("id") is None for bad in last.invalid_tool_calls):
        update.append(last.model_copy(update={"invalid_tool_calls": fixed}))
    update.extend(
        ToolMessage(f"Error: {error}. Call one of your tools with a JSON object of arguments, "
                    "or reply with your answer and no tool call.",
                    tool_call_id=bad["id"], name=bad.get("name") or "unknown", status="error")
        for bad, error in zip(fixed, errors, strict=True))
    return {"messages": update, "jump_to": "model"}
