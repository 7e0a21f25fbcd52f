"""Record raw replies of a real OpenAI-compatible server into test fixtures.

The requests are the ones the orchestrator really sends: a specialist's system
prompt, task prompt and the project's tool schemas (``openai_schema``); the
classifier's and the Architect's structured-output requests, both as a named
tool call (``function_calling``) and as a JSON schema (``json_schema``). The
bodies are captured on the wire (an httpx hook), so a fixture holds exactly
what went out and what came back.

    /work/shared/real_model/serve.sh qwen 8101
    python scripts/record_real_replies.py --url http://127.0.0.1:8101/v1 --tag qwen
    /work/shared/real_model/serve.sh stop 8101

Writes tests/fixtures/real_replies/<tag>-<case>.json (``--only`` picks cases). The
fixtures tagged ``qwen``/``smollm`` were recorded with the prompts of issue 13's
baseline (long prompts, no example, free role strings); ``qwen-short`` and
``smollm-short`` with the short prompts, one example each, and role enums.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_openai import ChatOpenAI

from codelab_orchestrator.parsing import response_format
from codelab_orchestrator.planning import classification_schema, plan_schema
from codelab_orchestrator.prompts.classify import classify_prompt
from codelab_orchestrator.prompts.plan import PLAN_SYSTEM
from codelab_orchestrator.prompts.specialist import render_task_prompt, system_prompt_for
from codelab_orchestrator.state import Task
from codelab_orchestrator.tools import openai_schema

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "real_replies"
WRITE = ["list_files", "read_file", "search_in_code", "write_file", "edit_file",
         "create_directory", "run_command"]
READ = ["list_files", "read_file", "search_in_code"]
UTILS = "def last_n(items, n):\n    return items[len(items) - n + 1:]\n"

# (case, role, tools, task description, extra turns)
TOOL_CASES: list[tuple[str, str, list[str], str, list[BaseMessage]]] = [
    ("coder-fix-off-by-one", "coder", WRITE, "Fix the off-by-one in utils.py", []),
    ("coder-create-file", "coder", WRITE, "Create hello.py that prints 'hello'", []),
    ("coder-two-files", "coder", WRITE, "Write two files a.txt and b.txt, each containing its own name", []),
    ("coder-ru-fix", "coder", WRITE,
     "Исправь ошибку в utils.py: функция last_n возвращает на один элемент меньше", []),
    ("coder-docstring", "coder", WRITE, "Add a docstring to the function add in calc.py", []),
    ("debug-failing-test", "debug", WRITE,
     "tests/test_utils.py fails with AssertionError: [2] != [1, 2]; find the cause and fix it", []),
    ("ask-explain", "ask", READ, "What does utils.py do?", []),
    ("ask-ru-explain", "ask", READ, "Объясни, что делает функция last_n в utils.py", []),
    ("coder-after-read", "coder", WRITE, "Fix the off-by-one in utils.py", [
        AIMessage("", tool_calls=[{"name": "read_file", "args": {"path": "utils.py"}, "id": "call_1"}]),
        ToolMessage("utils.py (lines 1-2 of 2)\n1\tdef last_n(items, n):\n2\t    return items[len(items) - n + 1:]",
                    tool_call_id="call_1"),
    ]),
    ("coder-after-write", "coder", WRITE, "Create hello.py that prints 'hello'", [
        AIMessage("", tool_calls=[{"name": "write_file", "args": {"path": "hello.py", "content": "print('hello')\n"},
                                   "id": "call_1"}]),
        ToolMessage("wrote hello.py (15 bytes)", tool_call_id="call_1"),
    ]),
]

CLASSIFY_CASES = [
    ("classify-fix", "fix the off-by-one in utils.py"),
    ("classify-question", "what does the function last_n return?"),
    ("classify-app", "build a small REST API for todo items with tests and a README"),
    ("classify-ru-fix", "исправь падающий тест в tests/test_utils.py"),
    ("classify-ru-app", "создай веб-приложение для заметок с базой данных и тестами"),
]
PLAN_CASES = [
    ("plan-api", "build a small REST API for todo items with tests and a README"),
    ("plan-ru-notes", "создай веб-приложение для заметок с базой данных и тестами"),
]
ROLES = ("architect", "ask", "coder", "debug")
PLAN_AGENTS = ("architect (planning, design); coder (implementation, refactoring, tests); "
               "debug (diagnosis, bug fixing); ask (explanation, code reading)")


class Wire:
    """Keeps the last request and response bodies seen by the client."""

    def __init__(self) -> None:
        self.request: Any = None
        self.response: Any = None
        self.status: int | None = None

    def on_request(self, request: httpx.Request) -> None:
        self.request = json.loads(request.content or b"{}")

    def on_response(self, response: httpx.Response) -> None:
        response.read()
        self.status = response.status_code
        try:
            self.response = response.json()
        except ValueError:
            self.response = response.text


def model_for(url: str, model: str, wire: Wire, max_tokens: int) -> ChatOpenAI:
    client = httpx.Client(timeout=600, event_hooks={"request": [wire.on_request],
                                                    "response": [wire.on_response]})
    return ChatOpenAI(model=model, base_url=url, api_key="not-needed", temperature=0.1,
                      max_tokens=max_tokens, max_retries=0, timeout=600, http_client=client)


def save(tag: str, case: str, kind: str, wire: Wire, elapsed: float, model: str, **extra: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{tag}-{case}.json"
    path.write_text(json.dumps({
        "case": case, "kind": kind, "model": model, "elapsed_s": round(elapsed, 1),
        "status": wire.status, **extra, "request": wire.request, "response": wire.response,
    }, indent=1, ensure_ascii=False) + "\n")
    message = (wire.response or {}).get("choices", [{}])[0].get("message", {}) if isinstance(
        wire.response, dict) else {}
    print(f"{path.name}: {elapsed:.1f}s content={str(message.get('content'))[:160]!r} "
          f"tool_calls={json.dumps(message.get('tool_calls'))[:160]}", flush=True)


def run(args: argparse.Namespace) -> None:
    wire = Wire()
    chat = model_for(args.url, args.model, wire, args.max_tokens)

    def wanted(case: str) -> bool:
        return not args.only or any(part in case for part in args.only.split(","))

    for case, role, tools, description, turns in TOOL_CASES:
        if not wanted(case):
            continue
        task = Task(id="t1", description=description, agent=role)
        messages = [SystemMessage(system_prompt_for(role, tools=tools)),
                    HumanMessage(render_task_prompt(task, description, {})), *turns]
        bound = chat.bind_tools([openai_schema(name) for name in tools])
        started = time.monotonic()
        try:
            bound.invoke(messages)
        except Exception as exc:  # noqa: BLE001 - the raw reply is what we record
            print(f"{case}: client error {type(exc).__name__}: {exc}", file=sys.stderr)
        save(args.tag, case, "tool_use", wire, time.monotonic() - started, args.model,
             role=role, tools=tools)

    # As the orchestrator asks: the project's roles as an enum, the schema in response_format
    # (json_schema) or as the one tool (function_calling).
    structured = [(c, "classify", classification_schema(ROLES),
                   classify_prompt(["coder", "architect", "debug", "ask"]), text)
                  for c, text in CLASSIFY_CASES]
    structured += [(c, "plan", plan_schema(ROLES, 8),
                    PLAN_SYSTEM.format(agents=PLAN_AGENTS, max_tasks=8), text) for c, text in PLAN_CASES]
    for case, kind, schema, system, text in structured:
        for method in ("function_calling", "json_schema"):
            name = f"{case}-{method.replace('_', '-')}"
            if not wanted(name):
                continue
            if method == "json_schema":
                runnable = chat.bind(response_format=response_format(schema))
            else:
                runnable = chat.with_structured_output(schema, method=method, include_raw=True)
            started = time.monotonic()
            try:
                runnable.invoke([SystemMessage(system), HumanMessage(text)])
            except Exception as exc:  # noqa: BLE001
                print(f"{name}: client error {type(exc).__name__}: {exc}", file=sys.stderr)
            save(args.tag, name, kind, wire, time.monotonic() - started, args.model,
                 method=method, schema=schema.__name__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", default=None, help="model id (default: the server's first)")
    parser.add_argument("--tag", required=True, help="fixture file prefix, e.g. qwen")
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--only", default="", help="comma-separated substrings of case names")
    args = parser.parse_args()
    if args.model is None:
        args.model = httpx.get(args.url.rstrip("/") + "/models", timeout=10).json()["data"][0]["id"]
    run(args)


if __name__ == "__main__":
    main()
