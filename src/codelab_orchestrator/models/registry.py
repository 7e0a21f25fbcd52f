"""Resolve an agent row's model string to a chat model, cached per settings.

Creating a client per task would cost milliseconds and a connection pool each
time, so instances are cached by (model, temperature, max_tokens, timeout,
retries, streaming, base URL). :func:`model_for` reads all of them from an agent row,
with the role's default ``max_tokens`` and the environment's timeout and
retries when the row leaves them unset.

``streaming=True`` (the specialists ask for it) makes an OpenAI-compatible client
stream its replies, with token usage in the last chunk: a long generation then
shows progress token by token, and the client's timeout applies between chunks
instead of to the whole reply, so a slow model is not taken for a dead
connection and retried from scratch. Classification and planning keep plain
requests (structured output over a stream gains nothing there).
"""

from __future__ import annotations

import os
import threading

from langchain_core.language_models import BaseChatModel

from ..persistence.defaults import DEFAULT_MAX_TOKENS
from ..persistence.schemas import AgentConfig

DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_RETRIES = 2

_registered: dict[str, BaseChatModel] = {}
_cache: dict[tuple[object, ...], BaseChatModel] = {}
_lock = threading.Lock()


ALLOW_SCRIPTED_ENV = "CODELAB_ALLOW_SCRIPTED_MODELS"


def scripted_models_allowed() -> bool:
    return os.environ.get(ALLOW_SCRIPTED_ENV, "").strip().lower() in ("1", "true", "yes")


class ModelConfigurationError(RuntimeError):
    """The model string cannot be turned into a usable client (unknown provider, no key)."""


def register_model(name: str, model: BaseChatModel) -> None:
    """Make ``name`` resolve to ``model`` in this process."""
    with _lock:
        _registered[name] = model
        for key in [k for k in _cache if k[0] == name]:
            del _cache[key]


def unregister_model(name: str) -> None:
    with _lock:
        _registered.pop(name, None)
        for key in [k for k in _cache if k[0] == name]:
            del _cache[key]


def model_for(config: AgentConfig, role: str, *, temperature: float | None = None,
              streaming: bool = False) -> BaseChatModel:
    """The chat model an agent row asks for: its model, temperature (``temperature``
    overrides it), ``max_tokens`` (else the role's default), ``timeout_s`` and ``max_retries``."""
    return get_chat_model(
        config.model,
        temperature=config.temperature if temperature is None else temperature,
        max_tokens=config.max_tokens or DEFAULT_MAX_TOKENS.get(role, DEFAULT_MAX_TOKENS["custom"]),
        timeout_s=config.timeout_s, max_retries=config.max_retries, streaming=streaming)


def get_chat_model(model: str, *, temperature: float = 0.2, max_tokens: int | None = None,
                   timeout_s: float | None = None, max_retries: int | None = None,
                   streaming: bool = False) -> BaseChatModel:
    """``timeout_s``/``max_retries`` default to ``CODELAB_MODEL_TIMEOUT`` (else 120 s) and
    ``CODELAB_MODEL_MAX_RETRIES`` (else 2), read when the client is made. ``streaming``
    applies to OpenAI-compatible models (``openai:``); other providers ignore it."""
    registered = _registered.get(model) or _import_script(model)
    if registered is not None:
        return registered
    if timeout_s is None:
        timeout_s = float(os.environ.get("CODELAB_MODEL_TIMEOUT", DEFAULT_TIMEOUT_S))
    if max_retries is None:
        max_retries = int(os.environ.get("CODELAB_MODEL_MAX_RETRIES", DEFAULT_MAX_RETRIES))
    # The base URL is read when a client is made: a new one means a new client.
    streaming = streaming and model.startswith("openai:")
    key = (model, temperature, max_tokens, timeout_s, max_retries, os.environ.get("OPENAI_BASE_URL"))
    if streaming:  # a key without the flag for plain clients: same instance as before
        key = (*key, "streaming")
    with _lock:
        cached = _cache.get(key)
        if cached is None:
            cached = _cache[key] = _init(model, temperature, max_tokens, timeout_s, max_retries,
                                         streaming)
    return cached


def _import_script(model: str) -> BaseChatModel | None:
    """``scripted:package.module:attr`` -> a :class:`ScriptedChatModel` running that callable.

    Lets another process (``langgraph dev`` in tests, the demo) use a scripted
    model named in an agent row, without network or keys. Importing a module
    named by a row runs its code, so this only works when the process enables
    it (``CODELAB_ALLOW_SCRIPTED_MODELS=1``, set by the demo and the tests);
    a row alone never can.
    """
    if not model.startswith("scripted:") or model.count(":") != 2:
        return None
    if not scripted_models_allowed():
        raise ModelConfigurationError(
            f"model {model!r} refused: scripted models are only for the demo and tests "
            f"(the process must set {ALLOW_SCRIPTED_ENV}=1)")
    import importlib  # noqa: PLC0415

    from .scripted import ScriptedChatModel  # noqa: PLC0415

    _, module_name, attr = model.split(":")
    try:
        script = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ModelConfigurationError(f"cannot load scripted model {model!r}: {exc}") from exc
    instance = ScriptedChatModel(script=script)
    register_model(model, instance)
    return instance


def _init(model: str, temperature: float, max_tokens: int | None, timeout_s: float,
          max_retries: int, streaming: bool = False) -> BaseChatModel:
    from langchain.chat_models import init_chat_model  # noqa: PLC0415 - slow import

    kwargs: dict[str, object] = {
        "temperature": temperature, "timeout": timeout_s, "max_retries": max_retries,
    }
    if streaming:  # init_chat_model passes these through to ChatOpenAI
        kwargs["streaming"] = True
        kwargs["stream_usage"] = True  # usage in the last chunk: budgets count every call
        # the gap allowed between chunks (first token included) is the row's timeout too,
        # not langchain-openai's own 120 s default
        kwargs["stream_chunk_timeout"] = timeout_s
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if model.startswith("openai:") and not os.environ.get("OPENAI_API_KEY") and os.environ.get("OPENAI_BASE_URL"):
        kwargs["api_key"] = "not-needed"  # local OpenAI-compatible servers ignore the key
    try:
        return init_chat_model(model, **kwargs)  # type: ignore[call-overload]
    except Exception as exc:  # noqa: BLE001 - missing key, unknown provider, missing package
        raise ModelConfigurationError(
            f"cannot use model {model!r}: {exc}. Set OPENAI_API_KEY (or OPENAI_BASE_URL for a "
            "compatible server), CODELAB_MODEL, or the agent row's config.model."
        ) from exc
