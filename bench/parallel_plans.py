"""Benchmark: how close does plan execution get to the critical path?

50 random DAGs of 6-30 tasks; each task's scripted model sleeps a log-normal
duration (median 0.3 s). Every plan runs through the real graph with a
AsyncSqliteSaver checkpointer and ``durability="sync"``, twice: one slot per task
(>= any width), and max_parallel = 3. Printed side by side:

- wall / critical path (the longest chain of durations), full width
- wall / ideal list schedule with 3 slots (same greedy policy, zero overhead)
- a wave-by-wave executor on the same plans (each wave waits for its slowest
  task), computed exactly from the durations, as wall / critical path
- orchestration overhead per task: (wall - ideal schedule) / tasks

Usage: python bench/parallel_plans.py [--plans 50] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import math
import os
import random
import statistics
import sys
import tempfile
import uuid

from langchain_core.messages import HumanMessage

os.environ.setdefault("CODELAB_HOME", tempfile.mkdtemp(prefix="codelab-bench-"))
os.environ["CODELAB_MODEL"] = "scripted:bench"
WORKSPACE = tempfile.mkdtemp(prefix="codelab-bench-ws-")

from codelab_orchestrator.context import Context  # noqa: E402
from codelab_orchestrator.graph import build_graph  # noqa: E402
from codelab_orchestrator.models import ScriptedChatModel, register_model  # noqa: E402
from codelab_orchestrator.persistence import open_async_checkpointer  # noqa: E402
from codelab_orchestrator.project import repository  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tests.scripted import Script, task_id_of  # noqa: E402


def random_dag(rng: random.Random) -> tuple[list[dict], dict[str, float]]:
    n = rng.randint(6, 30)
    tasks, durations = [], {}
    for i in range(n):
        deps = [f"t{j}" for j in range(i) if rng.random() < min(0.5, 2.0 / max(1, i))]
        tasks.append({"id": f"t{i}", "description": f"task {i}", "agent": "ask", "dependencies": deps})
        durations[f"t{i}"] = math.exp(rng.gauss(math.log(0.3), 0.6))
    return tasks, durations


def finish_times(tasks: list[dict], durations: dict[str, float], slots: int) -> float:
    """Ideal list schedule: ready tasks start in plan order whenever a slot is free."""
    done_at: dict[str, float] = {}
    running: list[tuple[float, str]] = []
    pending = [t for t in tasks]
    clock = 0.0
    while pending or running:
        ready = [t for t in pending if all(d in done_at and done_at[d] <= clock for d in t["dependencies"])]
        for t in ready[: slots - len(running)]:
            heapq.heappush(running, (clock + durations[t["id"]], t["id"]))
            pending.remove(t)
        clock, tid = heapq.heappop(running)
        done_at[tid] = clock
    return max(done_at.values())


def critical_path(tasks: list[dict], durations: dict[str, float]) -> float:
    longest: dict[str, float] = {}
    for t in tasks:  # tasks are in topological order by construction
        longest[t["id"]] = durations[t["id"]] + max((longest[d] for d in t["dependencies"]), default=0.0)
    return max(longest.values())


def waves(tasks: list[dict], durations: dict[str, float]) -> float:
    level: dict[str, int] = {}
    for t in tasks:
        level[t["id"]] = 1 + max((level[d] for d in t["dependencies"]), default=-1)
    per_wave: dict[int, float] = {}
    for tid, lv in level.items():
        per_wave[lv] = max(per_wave.get(lv, 0.0), durations[tid])
    return sum(per_wave.values())


async def run_plan(graph, tasks, durations, max_parallel: int) -> float:
    async def task(request):
        await asyncio.sleep(durations[task_id_of(request)])
        return "ok"

    script = Script(classification={"agent": "architect", "is_atomic": False},
                    plans=[{"goal": "bench", "tasks": tasks}], task=task)
    register_model("scripted:bench", ScriptedChatModel(script=script))
    context = Context(user_id="bench", project_id="bench", workspace=WORKSPACE)
    repository().update("bench", "bench", "orchestrator", config={"max_parallel_agents": max_parallel})
    out = await graph.ainvoke({"messages": [HumanMessage("run the plan")]},
                              {"configurable": {"thread_id": uuid.uuid4().hex}},
                              context=context, durability="sync")
    plan = out["plan"]
    assert plan.status == "completed", plan.notes
    return max(t.finished_at for t in plan.tasks).timestamp() - min(t.started_at for t in plan.tasks).timestamp()


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    repository().project_agents("bench", "bench")
    repository().update("bench", "bench", "orchestrator", config={
        "routing_strategy": "llm", "max_plan_tasks": 50, "approval_threshold_tasks": 100,
        "approval_threshold_cost": 1000})
    full, three, wave, overhead = [], [], [], []
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        for i in range(args.plans):
            tasks, durations = random_dag(rng)
            cp = critical_path(tasks, durations)
            wall_full = await run_plan(graph, tasks, durations, len(tasks))  # >= any width
            wall_three = await run_plan(graph, tasks, durations, 3)
            full.append(wall_full / cp)
            three.append(wall_three / finish_times(tasks, durations, 3))
            wave.append(waves(tasks, durations) / cp)
            overhead.append((wall_full - finish_times(tasks, durations, len(tasks))) / len(tasks) * 1000)
            print(f"plan {i + 1:2d}: {len(tasks):2d} tasks  cp {cp:5.2f}s  full {full[-1]:.3f}  "
                  f"3-slot {three[-1]:.3f}  waves {wave[-1]:.3f}", flush=True)
    print()
    print(f"{'':38s} {'median':>8s} {'p90':>8s}")
    print(f"{'wall / critical path, full width':38s} {statistics.median(full):8.3f} {pct(full, 90):8.3f}")
    print(f"{'wall / ideal schedule, max_parallel=3':38s} {statistics.median(three):8.3f} {pct(three, 90):8.3f}")
    print(f"{'wave-by-wave / critical path (exact)':38s} {statistics.median(wave):8.3f} {pct(wave, 90):8.3f}")
    print(f"{'overhead per task, ms (sync, SQLite)':38s} {statistics.median(overhead):8.2f} {pct(overhead, 90):8.2f}")


if __name__ == "__main__":
    asyncio.run(main())
