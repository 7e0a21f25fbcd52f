"""The graph inside a real `langgraph dev` server, driven with the LangGraph SDK."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from tests.dev_server import langgraph_dev
from tests.helpers import written_anywhere


def _served(tmp_path, user: str, extra_env: dict):
    """A server with auth on, tmp_path as the only workspace root, and a token for ``user``."""
    from codelab_orchestrator.persistence.tokens import TokenRepository

    _, token = TokenRepository().create(user)  # the server shares this test's CODELAB_HOME
    env = {**os.environ, "CODELAB_WORKSPACE_ROOTS": str(tmp_path), **extra_env}
    return langgraph_dev(tmp_path, env), {"Authorization": f"Bearer {token}"}


@pytest.fixture
def dev_server(tmp_path):
    server, headers = _served(tmp_path, "http", {"CODELAB_MODEL": "scripted:tests.server_script:script"})
    with server as url:
        yield url, headers


@pytest.mark.slow
def test_plan_runs_inside_langgraph_dev(dev_server, tmp_path, monkeypatch):
    from langgraph_sdk import get_client

    from codelab_orchestrator.project import repository

    monkeypatch.setenv("CODELAB_MODEL", "scripted:tests.server_script:script")  # rows seeded here
    repository().project_agents("http", "p1")
    repository().update("http", "p1", "orchestrator", config={"routing_strategy": "llm"})

    async def run() -> tuple[list, dict]:
        url, headers = dev_server
        client = get_client(url=url, headers=headers)
        thread = await client.threads.create()
        events = []
        async for part in client.runs.stream(
            thread["thread_id"], "orchestrator",
            input={"messages": [{"role": "user", "content": "build the thing"}]},
            context={"project_id": "p1", "workspace": str(tmp_path)},
            stream_mode=["custom", "updates"],
        ):
            events.append((part.event, part.data))
        state = await client.threads.get_state(thread["thread_id"])
        return events, state["values"]

    events, values = asyncio.run(run())
    custom = [data["event"] for kind, data in events if kind == "custom"]
    assert {"classified", "plan_created", "task_started", "task_done", "plan_completed"} <= set(custom), [t.get("error") for t in values["plan"]["tasks"]]
    assert any(kind == "updates" for kind, _ in events)
    assert values["plan"]["status"] == "completed"
    assert [t["status"] for t in values["plan"]["tasks"]] == ["done", "done", "done"]
    assert values["final"]["status"] == "completed"
    from codelab_orchestrator.persistence.sessions import SessionStore

    listed = SessionStore().list("http", "p1")  # the server registered the session it ran
    assert [s.last_request for s in listed] == ["build the thing"]
    assert listed[0].workspace == str(tmp_path)


PLAN = {"goal": "notes", "tasks": [
    {"id": "a", "description": "write a.txt", "agent": "coder", "dependencies": []},
    {"id": "b", "description": "write b.txt", "agent": "coder", "dependencies": []},
    {"id": "c", "description": "summarize", "agent": "ask", "dependencies": ["a", "b"]}]}


def _openai_script(body):
    from tests.openai_server import last_user, tool_names, tool_results

    tools = tool_names(body)
    if "ClassificationOutput" in tools:
        return {"tool_calls": [{"name": "ClassificationOutput",
                                "arguments": {"agent": "architect", "is_atomic": False}}]}
    if "PlanDraft" in tools:
        return {"tool_calls": [{"name": "PlanDraft", "arguments": PLAN}]}
    task = last_user(body).split("Your task (", 1)[1].split(")", 1)[0]
    if task in ("a", "b") and not tool_results(body):
        return {"tool_calls": [{"name": "write_file", "arguments": {"path": f"{task}.txt", "content": task}}]}
    return {"content": f"finished {task}"}


@pytest.fixture
def openai_server():
    from tests.openai_server import OpenAIServer

    with OpenAIServer(_openai_script) as server:
        yield server


@pytest.mark.slow
def test_http_end_to_end_with_approval_over_a_real_model_endpoint(openai_server, tmp_path, monkeypatch):
    """langgraph dev + SDK + ChatOpenAI over HTTP to the local test server: stream, approval
    interrupt, resume, final state."""
    from codelab_orchestrator.project import repository

    monkeypatch.setenv("CODELAB_MODEL", "openai:gpt-test")
    repository().project_agents("http", "p2")
    repository().update("http", "p2", "orchestrator",
                        config={"routing_strategy": "llm", "approval_threshold_tasks": 2})
    env = {"OPENAI_BASE_URL": openai_server.url, "OPENAI_API_KEY": "test", "CODELAB_MODEL": "openai:gpt-test"}
    server, headers = _served(tmp_path, "http", env)
    with server as url:
        events, values, interrupts = asyncio.run(_approve_flow(url, headers, tmp_path))
    assert "approval_required" in events and "task_done" in events
    assert interrupts and interrupts[0]["type"] == "approval_required"
    assert values["plan"]["status"] == "completed" and values["final"]["status"] == "completed"
    assert (tmp_path / "a.txt").read_text() == "a" and (tmp_path / "b.txt").read_text() == "b"


async def _approve_flow(url: str, headers: dict, workspace) -> tuple[list, dict, list]:
    from langgraph_sdk import get_client

    client = get_client(url=url, headers=headers)
    thread = await client.threads.create()
    context = {"project_id": "p2", "workspace": str(workspace)}
    names = []
    async for part in client.runs.stream(thread["thread_id"], "orchestrator",
                                         input={"messages": [{"role": "user", "content": "make notes"}]},
                                         context=context, stream_mode=["custom", "updates"]):
        if part.event == "custom":
            names.append(part.data["event"])
    state = await client.threads.get_state(thread["thread_id"])
    interrupts = [i["value"] for task in state["tasks"] for i in task.get("interrupts", [])]
    async for part in client.runs.stream(thread["thread_id"], "orchestrator", command={"resume": "approve"},
                                         context=context, stream_mode=["custom", "updates"]):
        if part.event == "custom":
            names.append(part.data["event"])
    final = await client.threads.get_state(thread["thread_id"])
    return names, final["values"], interrupts


@pytest.mark.slow
def test_runs_cancel_stops_tasks_and_a_context_free_resume_finishes(tmp_path, monkeypatch):
    from langgraph_sdk import get_client

    from codelab_orchestrator.project import repository

    model = "scripted:tests.slow_script:script"
    monkeypatch.setenv("CODELAB_MODEL", model)
    repository().project_agents("srv", "p")
    repository().update("srv", "p", "orchestrator", config={"routing_strategy": "llm"})
    workspace = tmp_path / "ws"
    workspace.mkdir()
    server, headers = _served(tmp_path, "srv", {"CODELAB_MODEL": model})

    async def scenario() -> tuple[list[str], float, dict, list]:
        client = get_client(url=url, headers=headers)
        thread = (await client.threads.create())["thread_id"]
        run = await client.runs.create(
            thread, "orchestrator", input={"messages": [{"role": "user", "content": "build"}]},
            context={"project_id": "p", "workspace": str(workspace)})
        deadline = time.monotonic() + 60
        home = Path(os.environ["CODELAB_HOME"])  # tasks write in worktrees in there
        while not written_anywhere(home, "a.txt"):
            assert time.monotonic() < deadline, "task a never wrote"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # b is waiting before its write
        await client.runs.cancel(thread, run["run_id"], wait=True)
        cancelled_at = time.monotonic()
        await asyncio.sleep(2.5)  # past the moment b would have written
        after_cancel = sorted(p.name for p in workspace.iterdir())
        parts = []
        async for part in client.runs.stream(thread, "orchestrator", input=None,
                                             stream_mode=["custom", "messages"],
                                             stream_subgraphs=True):
            parts.append(part)
        state = await client.threads.get_state(thread)
        return after_cancel, cancelled_at, state["values"], parts

    with server as url:
        after_cancel, _, values, parts = asyncio.run(scenario())
    assert after_cancel == []  # nothing reaches the workspace before the plan ends
    assert values["final"]["status"] == "completed"
    assert sorted(p.name for p in workspace.iterdir()) == ["a.txt", "b.txt", "c.txt"]
    custom = [p.data for p in parts if p.event.startswith("custom")]
    called = {e["task_id"] for e in custom if e.get("event") == "tool_called"}
    assert called == {"b", "c"}
