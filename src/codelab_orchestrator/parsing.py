"""Structured output that survives what models really return.

The first try is LangChain's structured output (tool calling). When that
yields nothing usable (prose, JSON in markdown fences, JSON with a preamble,
arguments that fail validation) the raw reply is searched for JSON objects
and each is validated in turn; the schemas themselves normalise case and
synonyms. Only when nothing validates does the caller see an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


class StructuredOutputError(ValueError):
    """The model's reply holds no object that validates against the schema."""


def json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``text``: fenced blocks first, then any ``{...}`` in the prose."""
    for block in _FENCE.findall(text):
        try:
            value = json.loads(block.strip())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            yield value
        position = text.find("{", end)


def parse_reply(raw: AIMessage, schema: type[T]) -> T:
    """Validate the first candidate object found in a raw model reply."""
    candidates: list[Any] = [call.get("args") for call in raw.tool_calls]
    for bad in getattr(raw, "invalid_tool_calls", []) or []:
        candidates.extend(json_objects(str(bad.get("args") or "")))
    content = raw.content if isinstance(raw.content, str) else json.dumps(raw.content)
    candidates.extend(json_objects(content))
    problems: list[str] = []
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        # a wrapper like {"plan": {...}} or {"classification": {...}}
        inner = [v for v in candidate.values() if isinstance(v, dict)]
        for option in [candidate, *inner]:
            try:
                return schema.model_validate(option)
            except ValidationError as exc:
                problems.append(_short(exc))
    detail = problems[0] if problems else f"no JSON object in reply: {content[:200]!r}"
    raise StructuredOutputError(f"{schema.__name__}: {detail}")


def structured_call(model: BaseChatModel, schema: type[T], messages: list[BaseMessage]) -> T:
    """Ask ``model`` for a ``schema`` object; repair what can be repaired.

    Raises :class:`StructuredOutputError` for an unusable reply; model and
    network errors propagate so callers can fall back.
    """
    runnable = model.with_structured_output(schema, method="function_calling", include_raw=True)
    out = runnable.invoke(messages)
    if isinstance(out, dict):
        parsed = out.get("parsed")
        if isinstance(parsed, schema):
            return parsed
        raw = out.get("raw")
    else:  # pragma: no cover - include_raw always gives a dict
        raw = out
    if not isinstance(raw, AIMessage):
        raise StructuredOutputError(f"{schema.__name__}: model returned {type(raw).__name__}")
    return parse_reply(raw, schema)


def _short(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:5]
    )
