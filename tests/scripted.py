"""A scripted "LLM" for graph tests: answers classification, planning and
task prompts from Python, so every branch of the graph can be driven offline."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from codelab_orchestrator.models import ScriptedChatModel, ScriptedRequest, register_model

MODEL_NAME = "scripted:test"
TASK_ID = re.compile(r"Your task \(([^)]+)\)")


def task_id_of(request: ScriptedRequest) -> str | None:
    match = TASK_ID.search(request.prompt)
    return match.group(1) if match else None


class Script:
    """Replies by kind of request. ``plans`` are served in order (the last one repeats)."""

    def __init__(
        self,
        classification: dict | Callable[[ScriptedRequest], Any] | None = None,
        plans: list[Any] | None = None,
        task: Callable[[ScriptedRequest], Any] | None = None,
    ):
        self.classification = classification or {"agent": "coder", "is_atomic": True,
                                                  "confidence": "high", "reasoning": "test"}
        self.plans = list(plans or [])
        self.task = task or (lambda req: f"result of {task_id_of(req)}")
        self.counts: dict[str, int] = {"classify": 0, "plan": 0, "task": 0}
        self.task_calls: list[tuple[str | None, float]] = []
        self._lock = threading.Lock()

    def __call__(self, request: ScriptedRequest) -> Any:
        if "ClassificationOutput" in request.tools:
            kind = "classify"
            reply = self.classification
        elif "PlanDraft" in request.tools:
            kind = "plan"
            with self._lock:
                index = min(self.counts["plan"], len(self.plans) - 1)
            reply = self.plans[index] if self.plans else {"goal": "g", "tasks": []}
        else:
            kind = "task"
            with self._lock:
                self.task_calls.append((task_id_of(request), time.monotonic()))
            reply = self.task
        with self._lock:
            self.counts[kind] += 1
        return reply(request) if callable(reply) else reply


def writing(answer: Callable[[ScriptedRequest], Any] | None = None) -> Callable[[ScriptedRequest], Any]:
    """A task script that first writes ``<task>.txt`` (a real change, so a coder task passes its
    checks), then answers with ``answer`` (default: ``result of <task>``)."""
    from langchain_core.messages import AIMessage, ToolMessage  # noqa: PLC0415

    def run(request: ScriptedRequest) -> Any:
        task = task_id_of(request)
        if "write_file" in request.tools and not any(
                isinstance(m, ToolMessage) for m in request.messages):
            return AIMessage(content="", tool_calls=[{
                "name": "write_file", "id": f"call-{task}-{time.monotonic_ns()}",
                # new content every time: a later request's task t1 changes t1.txt again
                "args": {"path": f"{task}.txt", "content": f"work of {task} ({time.time_ns()})\n"}}])
        return answer(request) if answer is not None else f"result of {task}"

    return run


def install(script: Script) -> ScriptedChatModel:
    model = ScriptedChatModel(script=script)
    register_model(MODEL_NAME, model)
    return model


def plan(*tasks: tuple, goal: str = "the goal") -> dict:
    """``plan(("t1", "coder"), ("t2", "coder", ["t1"]))`` -> a PlanDraft-shaped dict."""
    out = []
    for spec in tasks:
        task_id, agent, *rest = spec
        out.append({"id": task_id, "description": f"do {task_id}", "agent": agent,
                    "dependencies": rest[0] if rest else []})
    return {"goal": goal, "tasks": out}
