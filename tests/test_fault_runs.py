"""Whole runs of "write two files a and b" against a misbehaving endpoint (issue 13): with every
fault mode, at the classification, the plan or a task's first call, a run ends ``failed`` with
a reason or ``completed`` with both files really written and checked -- never ``completed``
with the work missing."""

from __future__ import annotations

import re
import threading

import pytest

from codelab_orchestrator.context import Context
from codelab_orchestrator.project import repository
from tests.helpers import Orchestrator
from tests.openai_server import FAULTS, OpenAIServer, schema_name, structured, tool_results

TASK = re.compile(r"Your task \(([^)]+)\)")
PLAN = {"goal": "two files", "tasks": [
    {"id": "a", "description": "write a.txt containing A", "agent": "coder", "expected": ["a.txt"]},
    {"id": "b", "description": "write b.txt containing B", "agent": "coder", "expected": ["b.txt"]}]}


class FaultyModel:
    """A competent model, except that the first call at ``where`` gets ``fault``."""

    def __init__(self, fault: str, where: str):
        self.fault, self.fired = FAULTS[fault], False
        self.where, self.always = where.removesuffix("-always"), where.endswith("-always")
        self.lock = threading.Lock()

    def __call__(self, body: dict) -> dict:
        kind = self.kind(body)
        with self.lock:
            if kind == self.where and (self.always or not self.fired):
                self.fired = True
                return self.fault
        if kind == "classify":
            return structured(body, {"agent": "coder", "is_atomic": False, "confidence": "high",
                                     "reasoning": "two files"})
        if kind == "plan":
            return structured(body, PLAN)
        task = self.task_of(body)
        if task in ("a", "b", "t1") and not tool_results(body):
            files = ["a.txt", "b.txt"] if task == "t1" else [f"{task}.txt"]
            return {"tool_calls": [{"name": "write_file", "arguments": {
                "path": f, "content": f[0].upper()}} for f in files]}
        return {"content": f"wrote the file(s) of {task}"}

    @staticmethod
    def kind(body: dict) -> str:
        name = schema_name(body)
        if name and "Classification" in name:
            return "classify"
        if name and "Plan" in name:
            return "plan"
        task = FaultyModel.task_of(body)
        return "task" if task in ("a", "t1") else "other"

    @staticmethod
    def task_of(body: dict) -> str | None:
        for message in body["messages"]:
            found = TASK.search(str(message.get("content") or ""))
            if found:
                return found.group(1)
        return None


@pytest.mark.parametrize("where", ["classify", "plan", "task", "task-always"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_never_ends_completed_with_the_work_missing(fault, where, monkeypatch, tmp_path):
    with OpenAIServer(FaultyModel(fault, where)) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("CODELAB_MODEL", "openai:gpt-test")
        monkeypatch.setenv("CODELAB_MODEL_TIMEOUT", "1")
        monkeypatch.setenv("CODELAB_MODEL_MAX_RETRIES", "1")
        run = Orchestrator()
        repository().project_agents(run.context.user_id, run.context.project_id)
        run.settings(routing_strategy="llm", max_task_attempts=2)
        run.context = Context(user_id=run.context.user_id, project_id=run.context.project_id,
                              workspace=str(tmp_path))
        out = run.send("write two files a.txt and b.txt")
    final = out["final"]
    files = {p.name: p.read_text() for p in tmp_path.iterdir() if p.suffix == ".txt"}
    if final.status == "completed":
        assert files == {"a.txt": "A", "b.txt": "B"}, (fault, where, final.text)
        assert "Verified:" in final.text and "the agent's word only" not in final.text
    else:
        assert final.status == "failed", (fault, where, final.status)
        reasons = [t.error for t in out["plan"].tasks if t.error] if out.get("plan") else []
        assert reasons or final.text, (fault, where)
        if where == "task-always":  # the task's work never happened: it must not pass for done
            assert "a.txt" not in files

