"""What an endpoint can enforce, learned once per endpoint (base URL + model).

Structured output has two routes. A JSON schema in ``response_format`` is
enforced by grammar-constrained decoding on llama.cpp, vLLM and Ollama (and by
OpenAI's own API), so even a 0.5B model can only produce a valid object; a
*named* ``tool_choice`` is honoured by OpenAI but ignored by llama.cpp, which
is why tool-calling classification failed on most requests there. So an
OpenAI-compatible client tries ``json_schema`` first. An endpoint that rejects
it (HTTP 400/422 about the response format or schema) or ignores it (answers
prose instead of JSON) is remembered as ``function_calling`` for the rest of
the process. Other providers' clients use tool calling.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import Literal

from langchain_core.language_models import BaseChatModel

Method = Literal["json_schema", "function_calling"]
DEFAULT_OPENAI_BASE = "https://api.openai.com/v1"

_learned: dict[tuple[str, str], tuple[Method, str]] = {}
_lock = threading.Lock()


def endpoint_of(model: BaseChatModel) -> tuple[str, str] | None:
    """(base URL, model id) of an OpenAI-compatible client; None for any other client."""
    # Not imported means no such client exists (and importing it costs over a second).
    module = sys.modules.get("langchain_openai.chat_models.base")
    if module is None or not isinstance(model, module.BaseChatOpenAI):
        return None
    base = (model.openai_api_base or DEFAULT_OPENAI_BASE).rstrip("/")
    return base, str(model.model_name)


def structured_method(model: BaseChatModel) -> Method:
    """The structured-output route to use for ``model``'s endpoint."""
    endpoint = endpoint_of(model)
    if endpoint is None:
        return "function_calling"
    with _lock:
        learned = _learned.get(endpoint)
    return learned[0] if learned else "json_schema"


def learn(model: BaseChatModel, method: Method, reason: str) -> None:
    """Remember ``method`` for ``model``'s endpoint (first lesson wins; ``forget`` resets)."""
    endpoint = endpoint_of(model)
    if endpoint is not None:
        with _lock:
            _learned.setdefault(endpoint, (method, reason))


def learned(model: BaseChatModel) -> tuple[Method, str] | None:
    """What was learned about ``model``'s endpoint, and why; None if nothing yet."""
    endpoint = endpoint_of(model)
    with _lock:
        return _learned.get(endpoint) if endpoint else None


def forget() -> None:
    """Forget every endpoint (tests; a server that was upgraded)."""
    with _lock:
        _learned.clear()


def rejects_json_schema(exc: BaseException) -> bool:
    """True when ``exc`` is the endpoint refusing ``response_format``/the schema itself."""
    status = getattr(exc, "status_code", None)
    if status not in (400, 422):
        return False
    text = str(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "schema", "grammar"))


# -- model size --------------------------------------------------------------------

# "qwen2.5-coder-0.5b-instruct", "llama3.1:8b", "smollm2-135m", "Qwen2.5-Coder-32B-Instruct"
_SIZE = re.compile(r"(?:^|[-_:/.])(\d+(?:\.\d+)?)([bm])(?=$|[-_:/.])", re.IGNORECASE)
SMALL_MODEL_B = 3.0


def parameters_b(model: str) -> float | None:
    """Billions of parameters named in a model id (``0.5b``, ``135m``, ``8b``); None if unnamed."""
    match = _SIZE.search(model)
    if match is None:
        return None
    value = float(match.group(1))
    return value / 1000 if match.group(2).lower() == "m" else value


def small_model(model: str) -> str | None:
    """Why ``model`` counts as small (its id names fewer than 3B parameters), else None."""
    size = parameters_b(model)
    if size is None or size >= SMALL_MODEL_B:
        return None
    return f"{model} is a small model ({size:g}B parameters < {SMALL_MODEL_B:g}B)"
