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


@pytest.fixture
def dev_server(tmp_path):
    port = _free_port()
    env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
           "LANGSMITH_TRACING": "false", "CODELAB_MODEL": "scripted:tests.server_script:script",
           "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    proc = subprocess.Popen([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
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
        log.close()


@pytest.mark.slow
def test_plan_runs_inside_langgraph_dev(dev_server, tmp_path):
    from langgraph_sdk import get_client

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
    assert {"classified", "plan_created", "task_started", "task_done", "plan_completed"} <= set(custom)
    assert any(kind == "updates" for kind, _ in events)
    assert values["plan"]["status"] == "completed"
    assert [t["status"] for t in values["plan"]["tasks"]] == ["done", "done", "done"]
    assert values["final"]["status"] == "completed"
