"""Token usage and its cost, as plain dicts (they live in the plan and in events).

A *spend* is ``{input_tokens, output_tokens, total_tokens, model_calls, cost}``:
tokens and calls are counted from the ``usage_metadata`` of model replies,
``cost`` is USD at the price of the agent row that made the calls. Costs are
rounded to :data:`COST_DIGITS` decimals whenever they are added, so totals
computed in a different order come out equal.

:func:`counting_usage` collects the usage of the model calls made inside a
``with`` block (the classifier's and the Architect's, which are not task runs)
through a LangChain callback, like ``get_usage_metadata_callback`` but without
registering a new hook on every use.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from .pricing import Price

TOKEN_KEYS = ("input_tokens", "output_tokens", "total_tokens", "model_calls")
COST_DIGITS = 9

Spend = dict[str, Any]


def empty() -> Spend:
    return {**dict.fromkeys(TOKEN_KEYS, 0), "cost": 0.0}


def add(*spends: Mapping[str, Any] | None) -> Spend:
    """The sum of ``spends`` (missing keys count as 0)."""
    total = empty()
    for spend in spends:
        if not spend:
            continue
        for key in TOKEN_KEYS:
            total[key] += int(spend.get(key, 0) or 0)
        total["cost"] = round(total["cost"] + float(spend.get("cost", 0) or 0), COST_DIGITS)
    return total


def minus(after: Mapping[str, Any], before: Mapping[str, Any] | None) -> Spend:
    """``after - before`` key by key (what was spent between two readings)."""
    before = before or {}
    out: Spend = {key: int(after.get(key, 0) or 0) - int(before.get(key, 0) or 0) for key in TOKEN_KEYS}
    out["cost"] = round(float(after.get("cost", 0) or 0) - float(before.get("cost", 0) or 0), COST_DIGITS)
    return out


def priced(usage: Mapping[str, Any], price: Price) -> Spend:
    """``usage`` (tokens, calls) with its cost at ``price``."""
    spend = add(usage)
    spend["cost"] = round(price.cost(spend["input_tokens"], spend["output_tokens"]), COST_DIGITS)
    return spend


def of_messages(messages: Iterable[BaseMessage]) -> Spend:
    """Tokens and model calls of the AI messages in a conversation (no cost)."""
    total = empty()
    for message in messages:
        if isinstance(message, AIMessage):
            total["model_calls"] += 1
            usage: Mapping[str, Any] = message.usage_metadata or {}
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                total[key] += int(usage.get(key, 0) or 0)
    return total


def fold_session(current: Spend | None, update: Spend | None) -> Spend:
    """Reducer of the session's spend: every update is what was spent since the last one."""
    return add(current, update)


def describe(spend: Mapping[str, Any] | None, max_cost: float | None = None) -> str:
    """``12,345 tokens · 7 model calls · $0.0123 of $1.00`` (for messages and tables)."""
    spend = spend or {}
    text = (f"{int(spend.get('total_tokens', 0)):,} tokens · {int(spend.get('model_calls', 0))} "
            f"model calls · {money(spend.get('cost', 0))}")
    return text + (f" of {money(max_cost)}" if max_cost is not None else "")


def money(value: Any) -> str:
    """``$2.50``, ``$0.35``, ``$0.0123``: cents, or four decimals below a dollar."""
    value = float(value or 0)
    if value >= 1 or value == 0:
        return f"${value:.2f}"
    text = f"{value:.4f}".rstrip("0")
    return "$" + (text if len(text.split(".")[1]) >= 2 else f"{value:.2f}")


# -- model calls outside task runs ---------------------------------------------------


class UsageCounter(BaseCallbackHandler):
    """Adds up the ``usage_metadata`` of every chat model reply it sees."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.usage = empty()

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        messages = [gens[0].message for gens in response.generations
                    if gens and isinstance(gens[0], ChatGeneration)]  # one reply per prompt
        with self._lock:
            self.usage = add(self.usage, of_messages(messages))


_counter: ContextVar[UsageCounter | None] = ContextVar("codelab_usage_counter", default=None)
register_configure_hook(_counter, inheritable=True)


@contextmanager
def counting_usage() -> Iterator[UsageCounter]:
    """Count the model calls made inside the block (in this context and those it starts)."""
    counter = UsageCounter()
    token = _counter.set(counter)
    try:
        yield counter
    finally:
        _counter.reset(token)
