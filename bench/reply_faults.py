"""Benchmark: what a cut, a huge and a slow reply do to a task (issue 13).

One atomic request ("write a.txt") runs through the real graph, on a fresh SQLite
checkpoint file (``durability="sync"``), against the scripted OpenAI-compatible
server of the tests (real HTTP, ChatOpenAI). The coder writes ``a.txt`` with a tool
call, then its final reply is one of:

- ``huge``: 5 MB of text;
- ``cut``: "I changed the fil" with ``finish_reason: length``, every time;
- ``cut_once``: cut once, then the rest;
- ``slow``: 400 streamed chunks 10 ms apart (4 s), with a 1 s client timeout.

Printed per case: the plan's status, the task's status and error, model requests,
checkpoint bytes (checkpoints + writes), bytes under ``artifacts/``, ``model_progress``
events, wall time. Runs against whatever ``codelab_orchestrator`` is importable, so the
same script measures an older checkout (``PYTHONPATH=/old/checkout/src``).

Usage: python bench/reply_faults.py [--cases huge cut cut_once slow]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ["OPENAI_API_KEY"] = "bench"
os.environ["CODELAB_MODEL"] = "openai:bench"
os.environ["CODELAB_MODEL_MAX_RETRIES"] = "0"
os.environ["LANGSMITH_TRACING"] = "false"

from langchain_core.messages import HumanMessage  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.openai_server import FIVE_MB, OpenAIServer, tool_names, tool_results  # noqa: E402

CONTINUE = "Continue exactly where you stopped"
WRITE = {"tool_calls": [{"name": "write_file", "arguments": {"path": "a.txt", "content": "A\n"}}]}
CASES = {
    "huge": lambda body: {"content": "x" * FIVE_MB},
    "cut": lambda body: {"content": "I changed the fil", "finish_reason": "length"},
    "cut_once": lambda body: ({"content": "e a.txt."} if CONTINUE in str(body["messages"][-1])
                              else {"content": "I changed the fil", "finish_reason": "length"}),
    "slow": lambda body: {"content": "tok " * 400, "chunk": 4, "chunk_delay": 0.01},
}


def run_case(case: str) -> dict:
    home = Path(tempfile.mkdtemp(prefix="codelab-bench-"))
    os.environ["CODELAB_HOME"] = str(home)
    os.environ["CODELAB_MODEL_TIMEOUT"] = "1" if case == "slow" else "30"
    from codelab_orchestrator.context import Context
    from codelab_orchestrator.graph import build_graph
    from codelab_orchestrator.persistence import open_async_checkpointer
    from codelab_orchestrator.persistence.engine import dispose_engines
    from codelab_orchestrator.persistence.settings import checkpoint_url, sqlite_path
    from codelab_orchestrator.project import repository

    def script(body: dict) -> dict:
        if "ClassificationOutput" in tool_names(body):
            return {"tool_calls": [{"name": "ClassificationOutput",
                                    "arguments": {"agent": "coder", "is_atomic": True}}]}
        return CASES[case](body) if tool_results(body) else WRITE

    workspace = home / "ws"
    workspace.mkdir()
    context = Context(user_id="bench", project_id=case, workspace=str(workspace))
    repository().project_agents("bench", case)
    repository().update("bench", case, "orchestrator",
                        config={"routing_strategy": "llm", "max_task_attempts": 1,
                                "error_handling": "fail_fast"})
    events: list[dict] = []

    async def main() -> dict:
        async with open_async_checkpointer() as saver:
            graph = build_graph(checkpointer=saver)
            last: dict = {}
            async for mode, chunk in graph.astream(
                    {"messages": [HumanMessage("write a.txt")]},
                    {"configurable": {"thread_id": case}}, context=context,
                    stream_mode=["custom", "values"], durability="sync"):
                if mode == "custom":
                    events.append(chunk)
                else:
                    last = chunk
            return last

    with OpenAIServer(script) as server:
        os.environ["OPENAI_BASE_URL"] = server.url
        started = time.perf_counter()
        out = asyncio.run(main())
        wall = time.perf_counter() - started
    db = sqlite3.connect(sqlite_path(checkpoint_url()))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stored = sum(db.execute("SELECT coalesce(sum(length(checkpoint) + length(metadata)), 0) "
                            "FROM checkpoints").fetchone()) + sum(db.execute(
        "SELECT coalesce(sum(length(value)), 0) FROM writes").fetchone())
    db.close()
    dispose_engines()
    artifacts = sum(p.stat().st_size for p in (home / "artifacts").rglob("*") if p.is_file())
    task = out["plan"].tasks[0]
    return {"case": case, "plan": out["plan"].status, "task": task.status,
            "error": (task.error or "")[:90], "requests": len(server.requests),
            "checkpoint_kb": stored // 1024, "artifact_kb": artifacts // 1024,
            "progress_events": sum(1 for e in events if e.get("event") == "model_progress"),
            "wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    for case in args.cases:
        row = run_case(case)
        print(" | ".join(f"{k}={v}" for k, v in row.items()), flush=True)


if __name__ == "__main__":
    main()
