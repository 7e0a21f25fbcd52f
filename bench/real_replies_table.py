"""Tabulate the recorded real replies (tests/fixtures/real_replies): how many of a small
model's replies the orchestrator can use, before and after issue 13.

For each fixture tag (``qwen``/``smollm``: recorded with the old prompts and free-text
roles; ``qwen-short``/``smollm-short``: short prompts with one example, roles as an
enum) it counts, per kind of request and structured-output route:

- structured replies (classify, plan) that give a valid object with the project's
  roles on the first reply, read the old way (tool call, or JSON found in the text
  with ``raw_decode``) and the new way (``parsing.read_reply``: wrappers, echoes,
  fences, tags); replies cut at the length limit;
- specialist replies holding tool calls: native ones, and text-form ones that
  ``recover_tool_calls`` turns into calls of a tool the agent has.

Usage: python bench/real_replies_table.py [fixtures dir]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from langchain_core.messages import AIMessage
from pydantic import ValidationError

from codelab_orchestrator.agents.text_tool_calls import recover_tool_calls
from codelab_orchestrator.parsing import StructuredOutputError, read_reply
from codelab_orchestrator.planning import classification_schema, plan_schema

ROLES = ("architect", "ask", "coder", "debug")
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real_replies"


def old_read(content: str, schema: type) -> bool:
    """The extraction before issue 13: fenced/bare objects via raw_decode, one-level wrappers."""
    decoder = json.JSONDecoder()
    position = content.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(content, position)
        except (json.JSONDecodeError, RecursionError):
            position = content.find("{", position + 1)
            continue
        if isinstance(value, dict):
            for option in [value, *[v for v in value.values() if isinstance(v, dict)]]:
                try:
                    schema.model_validate(option)
                    return True
                except ValidationError:
                    pass
        position = content.find("{", end)
    return False


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR
    structured: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, old, new, cut
    tools: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # n, native, recovered, unknown
    for path in sorted(folder.glob("*.json")):
        fixture = json.loads(path.read_text())
        tag = path.stem.split("-coder")[0].split("-debug")[0].split("-ask")[0]
        tag = tag.split("-classify")[0].split("-plan")[0]
        choice = fixture["response"]["choices"][0]
        message = choice["message"]
        content = message.get("content") or ""
        if fixture["kind"] in ("classify", "plan"):
            schema = classification_schema(ROLES) if fixture["kind"] == "classify" else plan_schema(ROLES, 8)
            row = structured[(tag, fixture["kind"], fixture["method"])]
            row[0] += 1
            calls = [c["function"]["arguments"] for c in message.get("tool_calls") or []]
            row[1] += old_read(content + "".join(calls), schema)
            raw = AIMessage(content, tool_calls=[
                {"name": c["function"]["name"], "args": json.loads(c["function"]["arguments"]), "id": "x"}
                for c in message.get("tool_calls") or []])
            try:
                read_reply(raw, schema)
                row[2] += 1
            except StructuredOutputError:
                pass
            row[3] += choice["finish_reason"] == "length"
        else:
            row = tools[tag]
            row[0] += 1
            row[1] += bool(message.get("tool_calls"))
            out = recover_tool_calls(AIMessage(content), fixture["tools"])
            row[2] += bool(out.tool_calls)
            row[3] += bool(out.invalid_tool_calls)
    print("| fixtures | request | route | replies | valid, old reading | valid, new reading | cut at length |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    for (tag, kind, method), (n, old, new, cut) in sorted(structured.items()):
        print(f"| {tag} | {kind} | {method} | {n} | {old} | {new} | {cut} |")
    print()
    print("| fixtures | specialist replies | native tool calls | text calls of a known tool recovered "
          "| calls of unknown tools (answered with an error) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for tag, (n, native, recovered, unknown) in sorted(tools.items()):
        print(f"| {tag} | {n} | {native} | {recovered} | {unknown} |")


if __name__ == "__main__":
    main()
