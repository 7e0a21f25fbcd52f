"""A server's ``runs.cancel`` stops the run's tasks (nothing written after), and a resume
over the SDK without any context continues the session in its own workspace."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.test_langgraph_dev import _start_server


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
    server = _start_server(tmp_path, {"CODELAB_MODEL": model})
    url = next(server)

    async def scenario() -> tuple[list[str], float, dict, list]:
        client = get_client(url=url)
        thread = (await client.threads.create())["thread_id"]
        run = await client.runs.create(
            thread, "orchestrator", input={"messages": [{"role": "user", "content": "build"}]},
            context={"user_id": "srv", "project_id": "p", "workspace": str(workspace)})
        deadline = time.monotonic() + 60
        while not (workspace / "a.txt").exists():
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

    try:
        after_cancel, _, values, parts = asyncio.run(scenario())
    finally:
        for _ in server:
            pass
    assert after_cancel == ["a.txt"]
    assert values["final"]["status"] == "completed"
    assert sorted(p.name for p in workspace.iterdir()) == ["a.txt", "b.txt", "c.txt"]
    custom = [p.data for p in parts if p.event.startswith("custom")]
    called = {e["task_id"] for e in custom if e.get("event") == "tool_called"}
    assert called == {"b", "c"}
