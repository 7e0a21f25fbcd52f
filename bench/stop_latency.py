"""Benchmark: how fast a stop takes effect, and what runs after it.

Each trial runs a plan of 4 parallel tasks whose scripted model takes 0.1-0.4 s
per call and keeps calling ``write_file`` (a new file each step). At a random
moment (0.3-1.5 s after the first task started) the run is stopped, either by
a drain (what Ctrl-C does) or by cancelling the run's asyncio task (what a
server's ``runs.cancel`` does). Measured per trial:

- stop -> run returned (the stop is reported);
- stop -> last model call started (negative: none started after the stop);
- files written after the stop was reported (checked 1 s later; target 0).

Usage: python bench/stop_latency.py [--trials 20] [--seed 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("CODELAB_HOME", tempfile.mkdtemp(prefix="codelab-bench-"))
os.environ["CODELAB_MODEL"] = "scripted:bench"

from langchain_core.messages import AIMessage, HumanMessage  # noqa: E402
from langgraph.errors import GraphDrained  # noqa: E402
from langgraph.runtime import RunControl  # noqa: E402

from codelab_orchestrator.context import Context  # noqa: E402
from codelab_orchestrator.graph import build_graph  # noqa: E402
from codelab_orchestrator.models import ScriptedChatModel, register_model  # noqa: E402
from codelab_orchestrator.persistence import open_async_checkpointer  # noqa: E402
from codelab_orchestrator.project import repository  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.scripted import Script, task_id_of  # noqa: E402

PLAN = {"goal": "bench", "tasks": [{"id": f"t{i}", "description": f"task {i}", "agent": "coder",
                                    "dependencies": []} for i in range(4)]}


async def trial(graph, rng: random.Random, how: str) -> tuple[float, float, int]:
    calls: list[float] = []
    first_start: list[float] = []

    async def task(request):
        calls.append(time.monotonic())
        if not first_start:
            first_start.append(time.monotonic())
        await asyncio.sleep(rng.uniform(0.1, 0.4))
        step = sum(1 for m in request.messages if m.type == "tool")
        return AIMessage(content="", tool_calls=[{
            "name": "write_file", "id": f"c{uuid.uuid4().hex[:8]}",
            "args": {"path": f"{task_id_of(request)}-{step}.txt", "content": "x"}}])

    register_model("scripted:bench", ScriptedChatModel(script=Script(
        classification={"agent": "architect", "is_atomic": False}, plans=[PLAN], task=task)))
    workspace = Path(tempfile.mkdtemp())
    context = Context(user_id="bench", project_id="bench", workspace=str(workspace))
    config = {"configurable": {"thread_id": uuid.uuid4().hex}}
    control = RunControl()
    run = asyncio.ensure_future(_consume(graph, config, context, control))
    while not first_start:
        await asyncio.sleep(0.005)
    await asyncio.sleep(rng.uniform(0.3, 1.5))
    stopped_at = time.monotonic()
    if how == "drain":
        control.request_drain("bench stop")
    else:
        run.cancel()
    with contextlib.suppress(GraphDrained, asyncio.CancelledError):
        await run
    reported = time.monotonic()
    files_then = set(workspace.iterdir())
    await asyncio.sleep(1.0)
    late = len(set(workspace.iterdir()) - files_then)
    return reported - stopped_at, max(calls) - stopped_at, late


async def _consume(graph, config, context, control) -> None:
    async for _ in graph.astream({"messages": [HumanMessage("go")]}, config, context=context,
                                 control=control, durability="sync"):
        pass


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    repository().project_agents("bench", "bench")
    repository().update("bench", "bench", "orchestrator", config={
        "routing_strategy": "llm", "max_model_calls_per_task": 1000})
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        print(f"{'stop':8s} {'trials':>6s} {'reported p50/max s':>19s} "
              f"{'last call - stop, max s':>24s} {'writes after':>12s}")
        for how in ("drain", "cancel"):
            results = [await trial(graph, rng, how) for _ in range(args.trials)]
            reported = [r[0] for r in results]
            last_call = [r[1] for r in results]
            print(f"{how:8s} {len(results):6d} {statistics.median(reported):9.3f} / "
                  f"{max(reported):6.3f} {max(last_call):24.3f} {sum(r[2] for r in results):12d}",
                  flush=True)


if __name__ == "__main__":
    asyncio.run(main())
