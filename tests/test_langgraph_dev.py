"""The graph inside a real `langgraph dev` server, driven with the LangGraph SDK."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(tmp_path, extra_env: dict):
    """Generator: yields the server URL once it answers, stops it when exhausted."""
    port = _free_port()
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
           "LANGSMITH_TRACING": "false", "PYTHONPATH": str(ROOT), **extra_env}
    log_path = tmp_path / "server.log"
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "langgraph dev did not start"
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def dev_server(tmp_path):
    server = _start_server(tmp_path, {"CODELAB_MODEL": "scripted:tests.server_script:script"})
    yield next(server)
    for _ in server:
        pass


@pytest.mark.slow
def test_plan_runs_inside_langgraph_dev(dev_server, tmp_path, monkeypatch):
    from langgraph_sdk import get_client

    from codelab_orchestrator.project import repository

    monkeypatch.setenv("CODELAB_MODEL", "scripted:tests.server_script:script")  # rows seeded here
    repository().project_agents("http", "p1")
    repository().update("http", "p1", "orchestrator", config={"routing_strategy": "llm"})

    async def run() -> tuple[list, dict]:
        client = get_client(url=dev_server)
        thread = await client.threads.create()
        events = []
        async for part in client.runs.stream(
            thread["thread_id"], "orchestrator",
            input={"messages": [{"role": "user", "content": "build the thing"}]},
            context={"user_id": "http", "project_id": "p1", "workspace": str(tmp_path)},
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
    server = _start_server(tmp_path, env)
    try:
        url = next(server)
        events, values, interrupts = asyncio.run(_approve_flow(url, tmp_path))
    finally:
        for _ in server:
            pass
    assert "approval_required" in events and "task_done" in events
    assert interrupts and interrupts[0]["type"] == "approval_required"
    assert values["plan"]["status"] == "completed" and values["final"]["status"] == "completed"
    assert (tmp_path / "a.txt").read_text() == "a" and (tmp_path / "b.txt").read_text() == "b"


async def _approve_flow(url: str, workspace) -> tuple[list, dict, list]:
    from langgraph_sdk import get_client

    client = get_client(url=url)
    thread = await client.threads.create()
    context = {"user_id": "http", "project_id": "p2", "workspace": str(workspace)}
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
def test_readme_sdk_script_runs_as_printed(dev_server, tmp_path):
    """The README's SDK script, run as a script against the server (only its URL and
    workspace placeholders replaced); its plan waits for approval, so the loop approves it."""
    from codelab_orchestrator.project import repository

    repository().project_agents("me", "shop")
    repository().update("me", "shop", "orchestrator",  # the server's CODELAB_MODEL: scripted
                        config={"routing_strategy": "llm", "approval_threshold_tasks": 2})
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Serving over HTTP", 1)[1]
    script = section.split("```python", 1)[1].split("```", 1)[0]
    assert "asyncio.run(main())" in script
    script = script.replace("http://127.0.0.1:2024", dev_server).replace("/path/to/project", str(tmp_path))
    path = tmp_path / "client.py"
    path.write_text(script)
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "approval_required " in lines and any(x.startswith("approving plan ") for x in lines)
    assert lines.count("task_done a") == 1 and "plan_completed " in lines
    assert lines[-1].strip(), result.stdout


def test_serve_refuses_a_port_in_use():
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run([str(Path(sys.executable).with_name("codelab")), "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"error: port {port} on 127.0.0.1 is already in use: stop what "
                                     "holds it or choose another with --port")
