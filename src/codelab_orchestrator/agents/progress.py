"""A model call as it streams: ``model_progress`` events, and replies that loop stopped.

- :class:`ReplyProgress` emits ``model_progress`` events while a model call runs, at
  most once per second: elapsed seconds, and tokens and characters so far where the
  endpoint streams (the specialists' clients do: see :mod:`..models.registry`).
- The same token counter stops a reply that loops (:func:`repeating`) as it streams,
  instead of letting a small model spend its whole token limit on it;
  :class:`~.replies.StreamedReplyCheck` keeps such a reply up to its first copy.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.tracers.context import register_configure_hook

from ..events import emit

LOOP_UNIT_CHARS = 200  # a reply repeating the same this-many characters ...
LOOP_REPEATS = 4  # ... this many times is looping (a small model's failure mode)
LOOP_CHECK_EVERY = 64  # characters between two checks while a reply streams
PROGRESS_EVERY_S = 1.0


# -- replies that loop ------------------------------------------------------------------------


class RepeatingReplyError(RuntimeError):
    """The model was writing the same text again and again: the call was stopped."""


class _QuietLoopStops(logging.Filter):
    """LangChain logs a warning for every error a callback raises, even one raised on
    purpose to stop a call: a stopped loop is reported by the task, not on stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "RepeatingReplyError" not in record.getMessage()


logging.getLogger("langchain_core.callbacks.manager").addFilter(_QuietLoopStops())


def repeating(text: str) -> bool:
    """Whether ``text`` ends in a loop: its last :data:`LOOP_UNIT_CHARS` characters occur
    :data:`LOOP_REPEATS` times in it (exact repeats of that length are rare in real code or
    prose, and the usual way a small model fills its token limit)."""
    if len(text) < LOOP_UNIT_CHARS * LOOP_REPEATS:
        return False
    return text.count(text[-LOOP_UNIT_CHARS:]) >= LOOP_REPEATS


# -- progress ----------------------------------------------------------------------------------


class _TokenCounter(BaseCallbackHandler):
    """Counts streamed chunks (about one token each) and their characters, text and
    tool-call arguments alike. Inline: a counter must not cost a thread hop per token.

    It also stops a reply that loops (:func:`repeating`) as it streams, instead of letting a
    small model spend its whole token limit -- minutes at local speeds -- on a loop: the
    error it raises ends the model call (``raise_error``) and fails the attempt with that
    reason, so the retry is told."""

    run_inline = True
    raise_error = True

    def __init__(self) -> None:
        self.tokens = 0
        self.chars = 0
        self.text: list[str] = []
        self.checked = 0
        self.tool_chunks = False  # the reply streams native tool-call arguments

    def salvage(self) -> str:
        """The looping reply up to the end of its first copy of the repeated text: what the
        model meant to say once (a tool call written as text, an answer)."""
        text = "".join(self.text)
        tail = text[-LOOP_UNIT_CHARS:]
        last = len(text) - LOOP_UNIT_CHARS
        period = last - text.rfind(tail, 0, len(text) - 1)  # the loop's length (overlaps allowed)
        unit = text[-period:]
        return text[:text.find(unit) + period]

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to do; defined so LangChain does not fall back to ``on_llm_start`` with
        the whole conversation turned into strings on every call."""

    def on_llm_new_token(self, token: Any, *, chunk: Any = None, **kwargs: Any) -> None:
        chars = len(token) if isinstance(token, str) else 0
        message = getattr(chunk, "message", None)
        for call in getattr(message, "tool_call_chunks", None) or []:
            chars += len(call.get("args") or "")
        if chars:
            self.tokens += 1
            self.chars += chars
            self.text.append(token if isinstance(token, str) else "")
            for call in getattr(message, "tool_call_chunks", None) or []:
                self.text.append(call.get("args") or "")
                self.tool_chunks = True
            if self.chars - self.checked >= LOOP_CHECK_EVERY:
                self.checked = self.chars
                if repeating("".join(self.text)):
                    raise RepeatingReplyError(
                        f"the model kept repeating the same text (stopped after {self.tokens} "
                        "tokens); answer briefly or call one tool")


# Set while a model call runs: LangChain adds the counter to the callbacks of every run
# configured meanwhile in this asyncio task, i.e. the model call (a context variable, so
# parallel tasks each count their own call).
_counter: ContextVar[_TokenCounter | None] = ContextVar("codelab_reply_progress", default=None)
register_configure_hook(_counter, inheritable=False)


async def _tick(counter: _TokenCounter, started: float, every: float, tags: dict[str, Any]) -> None:
    while True:
        await asyncio.sleep(every)
        emit("model_progress", elapsed_s=round(time.monotonic() - started, 1),
             tokens=counter.tokens, chars=counter.chars, **tags)


@asynccontextmanager
async def model_call_progress(every: float = PROGRESS_EVERY_S, **tags: Any) -> AsyncIterator[None]:
    """``model_progress`` events (with ``tags``) every ``every`` seconds while the body runs
    a model call, none for a call that ends sooner. Usable around any model call of a graph
    node too (classification, planning: ``phase="classify"``); the CLI shows those while
    no plan is on screen."""
    counter = _TokenCounter()
    token = _counter.set(counter)
    ticker = asyncio.create_task(_tick(counter, time.monotonic(), every, tags))
    try:
        yield
    finally:
        ticker.cancel()
        _counter.reset(token)


class ReplyProgress(AgentMiddleware):
    """``model_progress`` events every ``every`` seconds while a model call runs (none for a
    call that ends sooner): a silent wait of minutes looks like a hang."""

    def __init__(self, every: float = PROGRESS_EVERY_S) -> None:
        super().__init__()
        self.every = every

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[[ModelRequest], Awaitable[Any]]
    ) -> Any:
        step = sum(1 for m in request.messages if isinstance(m, AIMessage)) + 1
        async with model_call_progress(self.every, step=step):
            return await handler(request)

    def wrap_model_call(self, request: ModelRequest, handler: Callable[[ModelRequest], Any]) -> Any:
        return handler(request)  # the agents run async; a sync run has no progress
