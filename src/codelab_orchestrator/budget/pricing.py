"""What a model's tokens cost: USD per million input and output tokens.

Where a price comes from, first match wins:

1. the agent row (``price_in_per_mtok`` / ``price_out_per_mtok``, each optional);
2. ``extra``: a table the caller passes (the place a ``[prices]`` section of
   ``.codelab.toml`` plugs in: ``{"openai:my-model": (0.5, 1.5)}``, keys as
   model strings or bare names, same matching as the built-in table);
3. the built-in table below (list prices of common hosted models);
4. nothing: the price is 0 and the model is reported *unpriced*, so a summary
   can say its cost was not counted.

Models served from a custom ``OPENAI_BASE_URL`` (vLLM, Ollama, LiteLLM,
OpenRouter...) are not priced from the built-in table even when the name
matches: the server decides what a token costs (nothing on your own machine,
a reseller's own price elsewhere), and OpenAI's list price would be a wrong
number presented as a fact. They cost 0 and are reported unpriced unless the
row (or ``extra``) gives a price.

Names match by the longest known prefix of the bare model name, so dated
snapshots (``gpt-4.1-mini-2025-04-14``) take their family's price and
``gpt-4.1-mini`` never takes ``gpt-4.1``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

OPENAI_API = "https://api.openai.com"

# USD per million tokens (input, output): providers' published list prices for standard
# (non-batch, non-cached) use. Override per agent row when your contract differs.
BUILTIN_PRICES: dict[str, tuple[float, float]] = {
    # OpenAI
    "gpt-5": (1.25, 10.0),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.0, 8.0),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.0),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.0, 8.0),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    # Anthropic
    "claude-opus-4": (15.0, 75.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-3-5-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.80, 4.0),
    # Google
    "gemini-2.5-pro": (1.25, 10.0),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.0-flash": (0.10, 0.40),
    # Mistral, DeepSeek
    "mistral-large": (2.0, 6.0),
    "mistral-small": (0.10, 0.30),
    "deepseek-chat": (0.27, 1.10),
    "deepseek-reasoner": (0.55, 2.19),
}


@dataclass(frozen=True)
class Price:
    """USD per million tokens, and where the figure came from (``row``, ``extra``,
    ``builtin``, or ``unpriced`` for a price of 0 nobody gave)."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    source: str = "unpriced"

    @property
    def priced(self) -> bool:
        return self.source != "unpriced"

    def cost(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


def bare_name(model: str) -> str:
    """``openai:gpt-4.1-mini`` -> ``gpt-4.1-mini`` (a provider prefix dropped)."""
    return model.split(":", 1)[1] if ":" in model else model


def _lookup(model: str, table: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    if model in table:
        return table[model]
    name = bare_name(model).lower()
    best = max((key for key in table if name.startswith(bare_name(key).lower())),
               key=len, default=None)
    return table[best] if best is not None else None


def custom_openai_server(model: str, base_url: str | None = None) -> bool:
    """Whether ``model`` is an ``openai:`` model served by something other than OpenAI."""
    url = (base_url if base_url is not None else os.environ.get("OPENAI_BASE_URL", "")).strip()
    return model.startswith("openai:") and bool(url) and not url.startswith(OPENAI_API)


def price_for(model: str, *, row_in: float | None = None, row_out: float | None = None,
              extra: Mapping[str, tuple[float, float]] | None = None,
              base_url: str | None = None) -> Price:
    """The price of ``model`` (see the module's docstring for the order)."""
    if row_in is not None and row_out is not None:
        return Price(row_in, row_out, "row")
    found: tuple[float, float] | None = None
    source = "unpriced"
    if extra:
        found = _lookup(model, extra)
        source = "extra"
    if found is None and not custom_openai_server(model, base_url) and not model.startswith("scripted:"):
        found = _lookup(model, BUILTIN_PRICES)
        source = "builtin"
    if found is None:
        found, source = (0.0, 0.0), "unpriced"
    if row_in is not None or row_out is not None:  # one side from the row, the other found
        return Price(row_in if row_in is not None else found[0],
                     row_out if row_out is not None else found[1], "row")
    return Price(found[0], found[1], source)
