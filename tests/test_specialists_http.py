"""Specialists over real HTTP (ChatOpenAI -> local OpenAI-compatible server):
files really change in a temporary workspace; provider errors fail tasks cleanly."""

from __future__ import annotations

import re

import pytest

from codelab_orchestrator.context import Context
from tests.helpers import Orchestrator
from tests.openai_server import OpenAIServer, last_user, tool_names, tool_results


@pytest.fixture
def http_model(monkeypatch):
    def start(script, **env):
        server = OpenAIServer(script).__enter__()
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        monkeypatch.setenv("CODELAB_MODEL", "openai:gpt-test")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        started.append(server)
        return server

    started: list[OpenAIServer] = []
    yield start
    for server in started:
        server.__exit__()


def run(orchestrator: Orchestrator, workspace, text: str, **settings):
    repo_settings = {"routing_strategy": "llm", **settings}
    from codelab_orchestrator.project import repository

    repository().project_agents(orchestrator.context.user_id, orchestrator.context.project_id)
    orchestrator.settings(**repo_settings)
    orchestrator.context = Context(user_id=orchestrator.context.user_id,
                                   project_id=orchestrator.context.project_id, workspace=str(workspace))
    return orchestrator.send(text)


TASK = re.compile(r"Your task \(([^)]+)\)")


def test_atomic_request_edits_a_file_over_http(http_model, tmp_path):
    (tmp_path / "app.py").write_text("DEBUG = True\nPORT = 80\n")

    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return {"tool_calls": [{"name": "ClassificationOutput",
                                    "arguments": {"agent": "coder", "is_atomic": True}}]}
        done = tool_results(body)
        if not done:
            return {"tool_calls": [{"name": "read_file", "arguments": {"path": "app.py", "end_line": 500}}]}
        if len(done) == 1:
            return {"tool_calls": [{"name": "edit_file", "arguments": {
                "path": "app.py", "old": "DEBUG = True", "new": "DEBUG = False"}}]}
        return {"content": "Turned DEBUG off in app.py."}

    server = http_model(script)
    out = run(Orchestrator(), tmp_path, "turn debug off")
    assert (tmp_path / "app.py").read_text() == "DEBUG = False\nPORT = 80\n"
    task = out["plan"].tasks[0]
    assert task.status == "done" and task.result == "Turned DEBUG off in app.py."
    assert task.record["files_written"] == ["app.py"] and task.record["files_read"] == ["app.py"]
    assert task.usage["total_tokens"] > 0
    assert "lines 1-2 of 2" in tool_results(server.requests[-1])[0]  # past-the-end range clamped
    assert out["final"].summary["files_changed"] == ["app.py"]


def test_three_task_plan_writes_files_and_dependent_reads_them(http_model, tmp_path):
    plan = {"goal": "make notes", "tasks": [
        {"id": "a", "description": "write a.txt", "agent": "coder", "dependencies": []},
        {"id": "b", "description": "write b.txt", "agent": "coder", "dependencies": []},
        {"id": "c", "description": "combine into c.txt", "agent": "coder", "dependencies": ["a", "b"]}]}

    def script(body):
        tools = tool_names(body)
        if "ClassificationOutput" in tools:
            return {"tool_calls": [{"name": "ClassificationOutput",
                                    "arguments": {"agent": "architect", "is_atomic": False}}]}
        if "PlanDraft" in tools:
            return {"tool_calls": [{"name": "PlanDraft", "arguments": plan}]}
        task = TASK.search(last_user(body)).group(1)
        results = tool_results(body)
        if task in ("a", "b"):
            if not results:
                return {"tool_calls": [
                    {"name": "create_directory", "arguments": {"path": "notes"}},
                    {"name": "write_file", "arguments": {"path": f"notes/{task}.txt", "content": f"{task.upper()}\n"}}]}
            return {"content": f"wrote notes/{task}.txt"}
        if not results:
            return {"tool_calls": [{"name": "read_file", "arguments": {"path": "notes/a.txt"}},
                                   {"name": "read_file", "arguments": {"path": "notes/b.txt"}}]}
        if len(results) == 2:
            texts = [r.splitlines()[1].split("\t")[1] for r in results]
            return {"tool_calls": [{"name": "write_file",
                                    "arguments": {"path": "notes/c.txt", "content": "".join(t + "\n" for t in texts)}}]}
        return {"content": "combined"}

    http_model(script)
    out = run(Orchestrator(), tmp_path, "build the notes")
    assert out["final"].status == "completed", out["final"].text
    assert (tmp_path / "notes/a.txt").read_text() == "A\n"
    assert (tmp_path / "notes/b.txt").read_text() == "B\n"
    assert (tmp_path / "notes/c.txt").read_text() == "A\nB\n"
    c = next(t for t in out["plan"].tasks if t.id == "c")
    assert c.record["files_read"] == ["notes/a.txt", "notes/b.txt"]


@pytest.mark.parametrize("failure", [{"status": 429}, {"status": 500}, {"sleep": 1.0, "content": "late"}])
def test_provider_errors_are_retried_then_task_fails_cleanly(http_model, tmp_path, failure):
    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return {"tool_calls": [{"name": "ClassificationOutput",
                                    "arguments": {"agent": "coder", "is_atomic": True}}]}
        return failure

    server = http_model(script, CODELAB_MODEL_TIMEOUT="0.3", CODELAB_MODEL_MAX_RETRIES="2")
    orchestrator = Orchestrator()
    out = run(orchestrator, tmp_path, "change something", max_task_attempts=1)
    task = out["plan"].tasks[0]
    assert task.status == "failed" and task.error
    assert out["plan"].status == "failed" and out["final"] is not None
    task_requests = [b for b in server.requests if "ClassificationOutput" not in tool_names(b)]
    # first try + 2 client retries, for the task and for its Debug hand-over
    assert len(task_requests) == 6


def test_garbage_reply_fails_the_task_not_the_run(http_model, tmp_path):
    def script(body):
        if "ClassificationOutput" in tool_names(body):
            return {"garbage": True}  # classifier falls back to the local router
        return {"garbage": True}

    http_model(script, CODELAB_MODEL_MAX_RETRIES="0")
    out = run(Orchestrator(), tmp_path, "add a function", max_task_attempts=1)
    assert out["classification"].method == "fallback"
    assert out["plan"].tasks[0].status == "failed" and out["final"].status == "failed"
