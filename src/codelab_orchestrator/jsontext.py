"""JSON values inside model text, found in one linear pass, and tool calls written as text.

Small models wrap JSON in prose, markdown fences and ``<tool_call>`` tags,
put several objects in one reply, leave trailing commas, write Python
literals (``True``, ``None``, single quotes) and raw newlines inside strings.
This module finds every JSON object or array in such text and parses it
leniently, in time linear in the text's size: one tokenising pass pairs the
brackets (outside strings), then balanced spans are parsed outermost first,
with the total parsing work capped at a small multiple of the text's length.
(Calling ``json.JSONDecoder.raw_decode`` at every ``{`` is quadratic: each
failure builds an error message that counts the lines up to its position;
200 KB of ``{`` took 27.6 s that way.)

No LangChain here: the same functions serve the agents' tool-call recovery
(:mod:`codelab_orchestrator.agents.text_tool_calls`) and the structured
output of classify and plan (:mod:`codelab_orchestrator.parsing`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# A string escape (consumed whole so an escaped quote never ends a string), a quote, a bracket.
_TOKEN = re.compile(r'\\.|["{}\[\]]', re.DOTALL)
# JSON strings and Python-style single-quoted strings, for repairs outside them.
_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_PY_LITERALS = re.compile(r"\b(True|False|None)\b")
_PY_TO_JSON = {"True": "true", "False": "false", "None": "null"}
# Work allowed per character of input (each span parse costs its length, twice if repaired).
_BUDGET_FACTOR = 6
_BUDGET_FLOOR = 65_536


@dataclass(frozen=True)
class Found:
    """A JSON value and where it sits in the text (``text[start:end]``)."""

    value: Any
    start: int
    end: int


def loads_lenient(text: str) -> Any:
    """``json.loads`` that also accepts raw control characters in strings, trailing
    commas and Python literals/quotes; raises ``ValueError`` if it still is not JSON."""
    try:
        return json.loads(text, strict=False)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    except ValueError:
        pass
    repaired = _repair(text)
    if repaired == text:
        raise ValueError("not JSON")
    try:
        return json.loads(repaired, strict=False)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _repair(text: str) -> str:
    """One pass over the text: fix what lies outside strings, re-quote single-quoted ones."""
    out: list[str] = []
    position = 0
    for match in _STRINGS.finditer(text):
        out.append(_repair_bare(text[position:match.start()]))
        literal = match.group()
        if literal[0] == "'":
            inner = literal[1:-1].replace("\\'", "'").replace('"', '\\"')
            literal = f'"{inner}"'
        out.append(literal)
        position = match.end()
    out.append(_repair_bare(text[position:]))
    return "".join(out)


def _repair_bare(segment: str) -> str:
    segment = _TRAILING_COMMA.sub(r"\1", segment)
    return _PY_LITERALS.sub(lambda m: _PY_TO_JSON[m.group()], segment)


def balanced_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every balanced ``{...}`` / ``[...]`` outside JSON strings, sorted
    outermost first. Quotes count only inside an open bracket (an apostrophe in prose
    is not a string); a mismatched closer abandons everything open."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    in_string = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if in_string:
            if token == '"':
                in_string = False
            continue
        if token in "{[":
            stack.append((token, match.start()))
        elif not stack:
            continue  # quotes, escapes and closers in prose
        elif token == '"':
            in_string = True
        elif token in "}]":
            opener, start = stack.pop()
            if (opener, token) in (("{", "}"), ("[", "]")):
                spans.append((start, match.end()))
            else:
                stack.clear()
    spans.sort(key=lambda span: (span[0], -span[1]))
    return spans


def find_json(text: str) -> Iterator[Found]:
    """Every JSON object or array in ``text``, outermost first; a span that does not
    parse gives way to the spans inside it. Linear in ``len(text)``."""
    budget = _BUDGET_FACTOR * len(text) + _BUDGET_FLOOR
    accepted_until = -1
    for start, end in balanced_spans(text):
        if start < accepted_until:
            continue  # inside a value already found
        budget -= (end - start) * 2
        if budget < 0:
            return
        try:
            value = loads_lenient(text[start:end])
        except ValueError:
            continue
        if isinstance(value, dict | list):
            accepted_until = end
            yield Found(value, start, end)


def json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Every JSON object in ``text``; the objects inside a top-level array count too."""
    for found in find_json(text):
        if isinstance(found.value, dict):
            yield found.value
        else:
            yield from (item for item in found.value if isinstance(item, dict))


# -- tool calls written as text ------------------------------------------------------

NAME_KEYS = ("name", "tool", "tool_name", "function", "function_name")
ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "tool_input", "params")


@dataclass(frozen=True)
class TextCall:
    """A tool call a model wrote as text: ``args`` is a dict, or None with ``error`` set."""

    name: str
    args: dict[str, Any] | None
    error: str | None = None
    raw: Any = None


def as_call(obj: Any) -> TextCall | None:
    """Read ``obj`` as a tool call, or None when it does not look like one.

    Accepted shapes: ``{"name", "arguments"|"parameters"|"args"|...}`` (arguments
    as an object or as a JSON string), OpenAI's ``{"type": "function", "function":
    {"name", "arguments"}}``, and ``{"tool"|"function": NAME, ...}``.
    """
    if not isinstance(obj, dict):
        return None
    function = obj.get("function")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        obj = function
    name = next((obj[k] for k in NAME_KEYS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    key = next((k for k in ARGUMENT_KEYS if k in obj), None)
    if name is None or key is None:
        return None
    args, error = call_arguments(obj[key])
    return TextCall(name=name.strip(), args=args, error=error, raw=obj)


def call_arguments(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Arguments as a dict (they may come as a JSON string), or (None, why not)."""
    if value is None or value == "":
        return {}, None
    if isinstance(value, str):
        try:
            value = loads_lenient(value)
        except ValueError:
            return None, f"the arguments are not valid JSON: {value[:200]!r}"
    if not isinstance(value, dict):
        return None, f"the arguments must be a JSON object, not {type(value).__name__}"
    return value, None


# ``<function=NAME>{json}</function>`` (Llama 3.x) and ``<function=NAME><parameter=KEY>value
# </parameter>...</function>`` (Qwen3-Coder's XML form), usually inside ``<tool_call>`` tags.
_FUNCTION_TAG = re.compile(r"<function=([\w.\-]+)>(.*?)</function>", re.DOTALL)
_PARAMETER_TAG = re.compile(r"<parameter=([\w.\-]+)>\n?(.*?)\n?</parameter>", re.DOTALL)


@dataclass(frozen=True)
class Located:
    """A call found in text and the span it came from."""

    call: TextCall
    start: int
    end: int


def text_calls(text: str) -> list[Located]:
    """Every tool call written in ``text`` (JSON objects, arrays of them, function tags),
    in the order they appear."""
    located: list[Located] = []
    tagged: list[tuple[int, int]] = []
    for match in _FUNCTION_TAG.finditer(text):
        body = match.group(2)
        if "<parameter=" in body:
            args: dict[str, Any] | None = {
                key: value for key, value in _PARAMETER_TAG.findall(body)}
            error = None
        else:
            args, error = call_arguments(body.strip())
        located.append(Located(TextCall(match.group(1), args, error, raw=match.group()),
                               match.start(), match.end()))
        tagged.append((match.start(), match.end()))
    for found in find_json(text):
        if any(start <= found.start < end for start, end in tagged):
            continue
        items = found.value if isinstance(found.value, list) else [found.value]
        for item in items:
            call = as_call(item)
            if call is not None:
                located.append(Located(call, found.start, found.end))
    located.sort(key=lambda item: item.start)
    return located
