"""Structured output that survives what models really return.

The request goes the way the endpoint can enforce (:mod:`.models.capabilities`):
a JSON schema in ``response_format`` where the endpoint honours it (llama.cpp,
vLLM, Ollama, OpenAI), a named tool call otherwise. The reply is then read
leniently: the tool call's arguments, the content as JSON, or any JSON object
in the text (fenced, in ``<tool_call>`` tags, after a preamble), unwrapped
from a ``{"name": ..., "arguments": {...}}`` call, from ``{"plan": {...}}`` or
from an echo of the schema with values filled in. A reply that still gives
nothing valid is re-asked once with a short corrective message naming the
problem and the fields; only then does the caller see an error.

Recorded replies of a 0.5B model (``tests/fixtures/real_replies``) show each
of these shapes.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from .jsontext import as_call, json_objects
from .models.capabilities import Method, learn, rejects_json_schema, structured_method
from .prompts.structured import CUT_OFF, STRUCTURED_RETRY

T = TypeVar("T", bound=BaseModel)

# Keys of a JSON schema (an echoed property holding only these has no value in it).
_SCHEMA_KEYS = frozenset({"type", "description", "title", "enum", "items", "properties", "required",
                          "anyOf", "oneOf", "$ref", "$defs", "additionalProperties", "maxLength",
                          "minLength", "maxItems", "minItems", "format", "pattern"})
_VALUE_KEYS = ("value", "const", "default", "example")


class StructuredOutputError(ValueError):
    """The model's reply holds no object that validates against the schema."""


@dataclass(frozen=True)
class Structured(Generic[T]):
    """A validated reply and how it was obtained.

    ``repair`` is None for a clean reply (the tool call or the JSON content as
    asked), ``"text"`` when it had to be dug out of text or wrappers, and
    ``"re-asked"`` when only the corrective second request gave it.
    """

    value: T
    method: Method
    repair: str | None
    calls: int


def structured_call(model: BaseChatModel, schema: type[T], messages: list[BaseMessage]) -> T:
    """Ask ``model`` for a ``schema`` object; see :func:`structured_output`."""
    return structured_output(model, schema, messages).value


def structured_output(model: BaseChatModel, schema: type[T], messages: list[BaseMessage], *,
                      reask: bool = True) -> Structured[T]:
    """Ask ``model`` for a ``schema`` object, repairing what can be repaired and re-asking
    once. Raises :class:`StructuredOutputError` for replies that stay unusable; model and
    network errors propagate so callers can fall back."""
    reply, method = _request(model, schema, messages, structured_method(model))
    try:
        value, clean = read_reply(reply, schema)
        return Structured(value, method, None if clean else "text", 1)
    except StructuredOutputError as exc:
        if not reask:
            raise
        first = exc
    correction = STRUCTURED_RETRY.format(problem=_problem(first, reply), fields=describe_fields(schema))
    retry = [*messages, AIMessage(content=_as_text(reply)), HumanMessage(correction)]
    reply, method = _request(model, schema, retry, structured_method(model))
    try:
        value, _ = read_reply(reply, schema)
    except StructuredOutputError as exc:
        raise StructuredOutputError(f"{first}; after one re-ask: {_problem(exc, reply)}") from None
    return Structured(value, method, "re-asked", 2)


# -- the request ------------------------------------------------------------------


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """``response_format`` for ``schema``, in the strict form OpenAI requires (every field
    listed as required, no extra properties); servers that constrain decoding accept it."""
    function = convert_to_openai_tool(schema, strict=True)["function"]
    return {"type": "json_schema", "json_schema": {
        "name": function["name"], "schema": function["parameters"], "strict": True}}


def _request(model: BaseChatModel, schema: type[BaseModel], messages: list[BaseMessage],
             method: Method) -> tuple[AIMessage, Method]:
    if method == "json_schema":
        try:
            reply = model.bind(response_format=response_format(schema)).invoke(messages)
        except Exception as exc:
            cut = _cut_reply(exc)
            if cut is not None:
                return cut, method
            if not rejects_json_schema(exc):
                raise
            learn(model, "function_calling", f"the endpoint rejected response_format: {exc}")
            return _request(model, schema, messages, "function_calling")
        if not isinstance(reply, AIMessage):
            raise StructuredOutputError(f"{schema.__name__}: model returned {type(reply).__name__}")
        if _ignored_schema(reply):
            learn(model, "function_calling", "the endpoint ignored response_format (prose reply)")
        else:
            learn(model, "json_schema", "the endpoint answered JSON to response_format")
        return reply, method
    runnable = model.with_structured_output(schema, method="function_calling", include_raw=True)
    try:
        out = runnable.invoke(messages)
    except Exception as exc:
        cut = _cut_reply(exc)
        if cut is None:
            raise
        return cut, method
    raw = out.get("raw") if isinstance(out, dict) else out
    if not isinstance(raw, AIMessage):
        raise StructuredOutputError(f"{schema.__name__}: model returned {type(raw).__name__}")
    return raw, method


def _cut_reply(exc: BaseException) -> AIMessage | None:
    """The partial reply inside OpenAI's ``LengthFinishReasonError`` (a reply cut at the
    token limit under ``response_format``), as a message marked ``finish_reason: length``."""
    completion = getattr(exc, "completion", None)
    if type(exc).__name__ != "LengthFinishReasonError" or completion is None:
        return None
    try:
        content = completion.choices[0].message.content or ""
    except (AttributeError, IndexError):
        content = ""
    return AIMessage(content=content, response_metadata={"finish_reason": "length"})


def _ignored_schema(reply: AIMessage) -> bool:
    """A constrained server always starts its reply with JSON; prose means it ignored the schema."""
    if reply.tool_calls or reply.response_metadata.get("finish_reason") == "length":
        return False
    text = _content(reply).strip()
    return bool(text) and not text.startswith(("{", "["))


# -- reading the reply ------------------------------------------------------------


def parse_reply(raw: AIMessage, schema: type[T]) -> T:
    """The first object in a raw model reply that validates against ``schema``."""
    return read_reply(raw, schema)[0]


def read_reply(raw: AIMessage, schema: type[T]) -> tuple[T, bool]:
    """(value, clean): clean when the tool call named after the schema, or the content
    as a whole, validated as it was."""
    candidates: list[tuple[Any, bool]] = [
        (call.get("args"), call.get("name") == schema.__name__) for call in raw.tool_calls]
    for bad in raw.invalid_tool_calls or []:
        candidates.extend((obj, False) for obj in json_objects(str(bad.get("args") or "")))
    content = _content(raw)
    with contextlib.suppress(ValueError):
        candidates.append((json.loads(content), True))
    candidates.extend((obj, False) for obj in json_objects(content))
    problems: list[tuple[int, str]] = []
    for candidate, clean in candidates:
        for option, direct in _options(candidate):
            try:
                return schema.model_validate(option), clean and direct
            except ValidationError as exc:
                problems.append((exc.error_count(), _short(exc)))
    if problems:
        detail = min(problems)[1]  # the object closest to valid says the most
        if any(isinstance(c, dict) and _is_schema(c) for c, _ in candidates):
            detail = "the reply repeated the JSON schema instead of filling it in; " + detail
    else:
        detail = f"no JSON object in the reply: {content[:200]!r}"
    raise StructuredOutputError(f"{schema.__name__}: {detail}")


def _options(candidate: Any, depth: int = 0) -> Iterator[tuple[Any, bool]]:
    """``candidate`` and what it may wrap: a call's arguments, an echoed schema's values,
    a single-object wrapper like ``{"plan": {...}}``. ``direct`` is False for unwrapped ones."""
    if not isinstance(candidate, dict):
        return
    yield candidate, True
    if depth >= 2:
        return
    call = as_call(candidate)
    if call is not None and call.args:
        for option, _ in _options(call.args, depth + 1):
            yield option, False
    properties = candidate.get("properties")
    if isinstance(properties, dict):
        yield _echo_values(properties), False
    for value in candidate.values():
        if isinstance(value, dict) and value is not properties:
            for option, _ in _options(value, depth + 1):
                yield option, False


def _echo_values(properties: dict[str, Any]) -> dict[str, Any]:
    """Values from a schema echoed back with them filled in: ``{"agent": {"type": "string",
    "value": "coder"}}`` or ``{"agent": "coder"}``."""
    values: dict[str, Any] = {}
    for key, spec in properties.items():
        if not isinstance(spec, dict):
            values[key] = spec
            continue
        found = next((spec[k] for k in _VALUE_KEYS if k in spec), None)
        if found is None and isinstance(spec.get("enum"), list) and len(spec["enum"]) == 1:
            found = spec["enum"][0]
        if found is None and isinstance(spec.get("examples"), list) and spec["examples"]:
            found = spec["examples"][0]
        if found is None and not set(spec) <= _SCHEMA_KEYS:
            found = spec  # a plain object value
        if found is not None:
            values[key] = found
    return values


def _is_schema(candidate: dict[str, Any]) -> bool:
    return isinstance(candidate.get("properties"), dict) and (
        candidate.get("type") == "object" or "required" in candidate or "title" in candidate)


# -- the corrective message ---------------------------------------------------------


def describe_fields(schema: type[BaseModel]) -> str:
    """The schema's fields in a few plain lines, for a model that missed them."""
    spec = schema.model_json_schema()
    defs = spec.get("$defs", {})
    return "\n".join(f"- {line}" for line in _field_lines(spec, defs))


def _field_lines(spec: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    required = set(spec.get("required", []))
    lines = []
    for name, prop in spec.get("properties", {}).items():
        optional = "" if name in required else " (optional)"
        lines.append(f'"{name}"{optional}: {_kind(prop, defs)}')
    return lines


def _kind(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        prop = defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
    if "const" in prop:
        return json.dumps(prop["const"])
    if "enum" in prop:
        return "one of " + ", ".join(json.dumps(v) for v in prop["enum"])
    if "anyOf" in prop:
        kinds = [_kind(p, defs) for p in prop["anyOf"]]
        return " or ".join(dict.fromkeys(kinds))
    kind = prop.get("type")
    if kind == "boolean":
        return "true or false"
    if kind == "null":
        return "null"
    if kind == "array":
        item = prop.get("items", {})
        if "$ref" in item or item.get("type") == "object":
            target = defs.get(item["$ref"].rsplit("/", 1)[-1], {}) if "$ref" in item else item
            fields = "; ".join(_field_lines(target, defs))
            return f"a list of objects, each with {fields}"
        return f"a list of {_kind(item, defs)}"
    if kind in ("integer", "number"):
        return "a number"
    return "short text" if prop.get("maxLength", 1000) <= 200 else "text"


def _problem(exc: StructuredOutputError, reply: AIMessage) -> str:
    if reply.response_metadata.get("finish_reason") == "length":
        return CUT_OFF
    return str(exc).split(": ", 1)[-1][:300]


def _as_text(reply: AIMessage) -> str:
    """The failed reply as plain text (a tool call without its result cannot be resent)."""
    text = _content(reply).strip()
    if not text and reply.tool_calls:
        call = reply.tool_calls[0]
        text = json.dumps({"name": call.get("name"), "arguments": call.get("args")})
    return text[:1500] or "(empty reply)"


def _content(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


def _short(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:5]
    )
