"""Replies that are not results yet: cut, huge, or slow to come (agent middleware).

Small local models hit their token limit mid-sentence and sometimes write megabytes;
both used to be taken as a task's result ("I changed the fil"; a 5 MB reply stored as
63 MB of checkpoints), and a long generation looked like a dead connection.

- :class:`ContinueCutReplies` asks the model to go on when a reply stopped at its
  token limit (``finish_reason == "length"``, no tool calls), up to
  ``max_continuations`` times, and joins the parts into one reply; a reply still cut
  after that fails the task (:class:`~.outcome.CutReplyError`) so the failure policy
  applies. It sits *inside* :class:`~.text_tool_calls.TextToolCallMiddleware`: a tool
  call written as text is recovered from the whole reply, never from a fragment.
- :class:`StreamedReplyCheck` (innermost) catches what streaming hides: a stream cut
  mid-reply ends without an error (asked again, then the task fails), and a tool call
  cut at the token limit arrives with its arguments "completed" (made invalid, as the
  same reply unstreamed is).
- :class:`LargeReplyArtifacts` stores a reply longer than :data:`MAX_REPLY_CHARS`
  whole in a file under the data directory and keeps a line naming the file, then the
  reply's beginning, in the conversation (hence in checkpoints and the task's result). It sits
  *outside* the text tool-call recovery, so calls written in a long reply are
  recovered first, and outside :class:`~.middleware.RedactSecrets`, so the file holds
  the redacted text.
- Progress while a call runs, and replies that loop: :mod:`.progress`.

All are wrappers around the model call, not before/after hooks: a hook is a graph node
and one more checkpoint of the attempt.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ExtendedModelResponse
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.messages.ai import add_usage
from langgraph.config import get_config

from ..persistence.settings import data_dir
from .outcome import CutReplyError, cut_at_limit, text_of
from .progress import RepeatingReplyError, _counter, repeating

MAX_CONTINUATIONS = 1  # each continuation may cost another max_tokens of a slow model
CONTINUE_PROMPT = ("Your reply was cut off at your token limit. Continue exactly where you "
                   "stopped: do not repeat anything and do not start over.")
MAX_REPLY_CHARS = 100_000  # longer replies are stored as artifacts
PREVIEW_CHARS = 2_000  # what stays of them in the conversation


# -- shared: the reply inside whatever a handler returned -----------------------------------


def _inner(response: Any) -> ModelResponse:
    if isinstance(response, AIMessage):
        return ModelResponse(result=[response])
    return response.model_response if isinstance(response, ExtendedModelResponse) else response


def _rebuilt(response: Any, result: list[Any]) -> ModelResponse | ExtendedModelResponse:
    inner = _inner(response)
    fixed = ModelResponse(result=result, structured_response=inner.structured_response)
    if isinstance(response, ExtendedModelResponse):
        return ExtendedModelResponse(model_response=fixed, command=response.command)
    return fixed


# -- cut replies -----------------------------------------------------------------------------


def _cut_reply(response: Any) -> AIMessage | None:
    """The reply to continue: the last message, when it is text cut at the token limit."""
    result = _inner(response).result
    last = result[-1] if result else None
    if (isinstance(last, AIMessage) and cut_at_limit(last)
            and not last.tool_calls and not last.invalid_tool_calls):
        return last
    return None


def join_parts(parts: list[AIMessage]) -> AIMessage:
    """One reply from a cut reply and its continuations: the texts joined, the usage of all
    the calls added up (budgets count every call), the last part's tool calls and finish."""
    first, last = parts[0], parts[-1]
    usage = None
    for part in parts:
        if part.usage_metadata:
            usage = add_usage(usage, part.usage_metadata)
    return AIMessage(
        content="".join(text_of(part) for part in parts), id=first.id, name=first.name,
        tool_calls=last.tool_calls, invalid_tool_calls=last.invalid_tool_calls,
        additional_kwargs=last.additional_kwargs, usage_metadata=usage,
        response_metadata={**last.response_metadata, "continuations": len(parts) - 1})


def _max_tokens(request: ModelRequest) -> Any:
    settings = request.model_settings or {}
    for key in ("max_tokens", "max_completion_tokens"):
        if settings.get(key):
            return settings[key]
    return getattr(request.model, "max_tokens", None) or "unset"


class ContinueCutReplies(AgentMiddleware):
    """A reply cut at the token limit is continued, then joined, or the task fails."""

    def __init__(self, max_continuations: int = MAX_CONTINUATIONS) -> None:
        super().__init__()
        self.max_continuations = max_continuations

    def _next(self, request: ModelRequest, parts: list[AIMessage]) -> ModelRequest:
        if len(parts) > self.max_continuations:
            raise CutReplyError(
                f"the model's reply was cut at its token limit {len(parts)} times "
                f"(max_tokens={_max_tokens(request)})")
        if repeating("".join(text_of(part) for part in parts)):  # going on would loop on
            raise CutReplyError(f"the model's reply was cut at its token limit "
                                f"(max_tokens={_max_tokens(request)}) while it was repeating "
                                "itself; answer briefly or call one tool")
        so_far = AIMessage(content="".join(text_of(part) for part in parts))
        return request.override(messages=[*request.messages, so_far, HumanMessage(CONTINUE_PROMPT)])

    @staticmethod
    def _joined(response: Any, parts: list[AIMessage]) -> Any:
        """``response`` with its reply joined to the cut ``parts`` before it."""
        if not parts:
            return response
        *earlier, last = _inner(response).result
        if not isinstance(last, AIMessage):  # cannot happen: the model's reply comes last
            return response
        return _rebuilt(response, [*earlier, join_parts([*parts, last])])

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        parts: list[AIMessage] = []
        response = handler(request)
        while (cut := _cut_reply(response)) is not None:
            parts.append(cut)
            response = handler(self._next(request, parts))
        return self._joined(response, parts)

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        parts: list[AIMessage] = []
        response = await handler(request)
        while (cut := _cut_reply(response)) is not None:
            parts.append(cut)
            response = await handler(self._next(request, parts))
        return self._joined(response, parts)


# -- streamed replies --------------------------------------------------------------------------


class IncompleteReplyError(RuntimeError):
    """A streamed reply kept ending without a finish: the connection was cut mid-reply."""


def _streams(request: ModelRequest) -> bool:
    return getattr(request.model, "streaming", False) is True


def _unfinished(response: Any) -> bool:
    return any(isinstance(m, AIMessage) and not (m.response_metadata or {}).get("finish_reason")
               for m in _inner(response).result)


def _cut_calls_invalid(response: Any, request: ModelRequest) -> Any:
    """A streamed reply cut at the token limit with tool calls: its last call was being
    written when the limit hit. The stream's partial JSON was "completed" into arguments
    (``{"content": "hel`` becomes ``{"content": "hel"}``), so it becomes an invalid
    call, as the same reply unstreamed is (its arguments fail to parse)."""
    result = _inner(response).result
    last = result[-1] if result else None
    if not (isinstance(last, AIMessage) and cut_at_limit(last) and last.tool_calls):
        return response
    *kept, cut = last.tool_calls
    bad = {"type": "invalid_tool_call", "id": cut.get("id"), "name": cut["name"],
           "args": None, "error": (f"the reply was cut at the token limit "
                                   f"(max_tokens={_max_tokens(request)}) while writing this call's "
                                   "arguments; make the call again with shorter arguments")}
    fixed = last.model_copy(update={"tool_calls": kept,
                                    "invalid_tool_calls": [*last.invalid_tool_calls, bad]})
    return _rebuilt(response, [*result[:-1], fixed])


class StreamedReplyCheck(AgentMiddleware):
    """What a stream hides, found out. A stream cut mid-reply (no ``finish_reason``) ends
    without an error and "completes" half-written tool-call arguments into valid ones; the
    same reply unstreamed would have failed. Such a call is asked again, up to ``retries``
    times, then fails the task; a call cut at the token limit becomes invalid. Only for
    streaming models (scripted ones state no finish)."""

    def __init__(self, retries: int = 2) -> None:
        super().__init__()
        self.retries = retries

    def _incomplete(self, tries: int) -> IncompleteReplyError:
        return IncompleteReplyError(f"the model's reply stream ended before the reply was "
                                    f"finished {tries} times (no finish_reason: connection cut?)")

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        if not _streams(request):
            return handler(request)
        for _ in range(self.retries + 1):
            response = handler(request)
            if not _unfinished(response):
                return _cut_calls_invalid(response, request)
        raise self._incomplete(self.retries + 1)

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        if not _streams(request):
            return await handler(request)
        for _ in range(self.retries + 1):
            try:
                response = await handler(request)
            except RepeatingReplyError as exc:
                return _salvaged(exc)
            if not _unfinished(response):
                return _cut_calls_invalid(response, request)
        raise self._incomplete(self.retries + 1)


def _salvaged(exc: RepeatingReplyError) -> ModelResponse:
    """A text reply stopped because it looped, kept up to its first copy of the loop (the
    text tool-call recovery outside then reads the call a small model wrote over and over).
    Native tool-call arguments that loop are not salvaged: the error fails the attempt."""
    counter = _counter.get()
    if counter is None or counter.tool_chunks:
        raise exc
    return ModelResponse(result=[AIMessage(
        content=counter.salvage(),
        response_metadata={"finish_reason": "stop", "stopped": "repeating itself"})])


# -- huge replies ------------------------------------------------------------------------------


def artifacts_dir() -> Path:
    """Where this attempt's artifacts go: ``<data dir>/artifacts/<attempt thread id>``."""
    try:
        thread = str(get_config().get("configurable", {}).get("thread_id") or "no-thread")
    except RuntimeError:  # outside a graph run
        thread = "no-thread"
    return data_dir() / "artifacts" / (re.sub(r"[^\w.-]+", "_", thread)[:200] or "no-thread")


class LargeReplyArtifacts(AgentMiddleware):
    """A reply over ``max_chars`` is stored whole as ``<step>.txt``; the conversation keeps a
    line naming the file and its size, then the reply's first ``preview_chars``. The file is named
    by the model call's step in the attempt, so a step run again after a crash rewrites it."""

    def __init__(self, max_chars: int = MAX_REPLY_CHARS, preview_chars: int = PREVIEW_CHARS) -> None:
        super().__init__()
        self.max_chars = max_chars
        self.preview_chars = preview_chars

    def _store(self, request: ModelRequest, response: Any) -> Any:
        inner = _inner(response)
        if not any(isinstance(m, AIMessage) and len(text_of(m)) > self.max_chars
                   for m in inner.result):
            return response
        step = sum(1 for m in request.messages if isinstance(m, AIMessage))
        result = []
        for message in inner.result:
            if isinstance(message, AIMessage):
                step += 1
                message = self._shrunk(message, step)
            result.append(message)
        return _rebuilt(response, result)

    def _shrunk(self, message: AIMessage, step: int) -> AIMessage:
        text = text_of(message)
        if len(text) <= self.max_chars:
            return message
        folder = artifacts_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{step}.txt"
        path.write_text(text, encoding="utf-8")
        size = path.stat().st_size
        # The note first: whatever cuts the result shorter downstream still names the file.
        note = (f"[This reply was {len(text):,} characters ({size:,} bytes); it is stored whole "
                f"in {path}. Its first {self.preview_chars:,} characters follow.]\n\n")
        return message.model_copy(update={
            "content": note + text[: self.preview_chars],
            "response_metadata": {**message.response_metadata, "artifact": str(path),
                                  "artifact_chars": len(text)}})

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        return self._store(request, handler(request))

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        return self._store(request, await handler(request))
