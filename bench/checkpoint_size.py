"""Benchmark: checkpoint bytes per task for 30-, 100- and 200-task plans.

Each plan runs through the real graph on a fresh SQLite checkpoint file
(``durability="sync"``); every task answers with a 5 KB result; two of three
tasks depend on the one before. Printed per plan size: checkpoints written
(session / task runs), total bytes of checkpoints and writes, bytes per task,
the largest single checkpoint, and the file size.

Runs against whatever ``codelab_orchestrator`` is importable, so the same
script measures an older checkout (``PYTHONPATH=/old/checkout/src``).

Usage: python bench/checkpoint_size.py [--sizes 30 100 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import uuid

os.environ["CODELAB_HOME"] = tempfile.mkdtemp(prefix="codelab-bench-")
os.environ["CODELAB_MODEL"] = "scripted:bench"

from langchain_core.messages import HumanMessage  # noqa: E402

from codelab_orchestrator.context import Context  # noqa: E402
from codelab_orchestrator.graph import build_graph  # noqa: E402
from codelab_orchestrator.models import ScriptedChatModel, register_model  # noqa: E402
from codelab_orchestrator.persistence import open_async_checkpointer  # noqa: E402
from codelab_orchestrator.project import repository  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.scripted import Script  # noqa: E402

RESULT = ("x" * 99 + "\n") * 50  # 5,000 characters


async def run(size: int) -> dict[str, float]:
    path = os.path.join(tempfile.mkdtemp(), "checkpoints.sqlite")
    os.environ["CODELAB_CHECKPOINT_URL"] = f"sqlite:///{path}"
    tasks = [{"id": f"t{i}", "description": f"task {i}", "agent": "coder",
              "dependencies": [f"t{i - 1}"] if i % 3 else []} for i in range(size)]
    script = Script(classification={"agent": "architect", "is_atomic": False},
                    plans=[{"goal": "bench", "tasks": tasks}], task=lambda request: RESULT)
    register_model("scripted:bench", ScriptedChatModel(script=script))
    repository().update("bench", "bench", "orchestrator", config={
        "routing_strategy": "llm", "max_plan_tasks": 200, "approval_threshold_tasks": 1000,
        "approval_threshold_cost": 1000, "max_parallel_agents": 8})
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        out = await graph.ainvoke(
            {"messages": [HumanMessage("run the plan")]},
            {"configurable": {"thread_id": uuid.uuid4().hex}},
            context=Context(user_id="bench", project_id="bench", workspace=tempfile.mkdtemp()),
            durability="sync")
        assert out["final"].status == "completed", out["plan"].notes
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    rows = db.execute("SELECT thread_id LIKE '%:task:%', length(checkpoint) + length(metadata) "
                      "FROM checkpoints").fetchall()
    writes = db.execute("SELECT coalesce(sum(length(value)), 0) FROM writes").fetchone()[0]
    total = sum(n for _, n in rows) + writes
    return {"session": sum(1 for t, _ in rows if not t), "tasks": sum(1 for t, _ in rows if t),
            "total": total, "per_task": total / size, "largest": max(n for _, n in rows),
            "file": os.path.getsize(path)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 100, 200])
    args = parser.parse_args()
    repository().project_agents("bench", "bench")
    print(f"{'tasks':>5} {'ckpts (session/tasks)':>22} {'total KB':>9} {'KB/task':>8} "
          f"{'largest KB':>10} {'file KB':>8}")
    for size in args.sizes:
        r = await run(size)
        print(f"{size:5d} {int(r['session']):>10d} / {int(r['tasks']):<9d} {r['total'] / 1024:9.0f} "
              f"{r['per_task'] / 1024:8.1f} {r['largest'] / 1024:10.1f} {r['file'] / 1024:8.0f}",
              flush=True)


if __name__ == "__main__":
    asyncio.run(main())
