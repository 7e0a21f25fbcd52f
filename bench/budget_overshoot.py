"""Benchmark: how far parallel tasks overshoot a plan's cost cap, and what a resume repeats.

For each number of parallel tasks P, a plan of P independent tasks (10 model calls each:
9 tool calls and an answer) runs under ``max_cost_per_plan``. Every call costs $0.01
(10,000 input tokens at $1 per million) and takes 20-80 ms (random). The cap is about
half of what the plan needs and not a multiple of a call, so it is crossed in the middle
of one. The run must pause
(``paused_budget``); then it is resumed with a cap that covers everything and must
complete. Reported per P, over all trials:

- overshoot: what the plan spent above its cap when it paused, in calls (the claim: less
  than one call per running task, i.e. < P);
- repeated: model calls answered before the pause and asked again after it (target 0);
- total calls after the resume (target exactly 10 P: nothing run twice, nothing lost).

Usage: python bench/budget_overshoot.py [--trials 5] [--parallel 1 2 4 8] [--seed 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["CODELAB_HOME"] = tempfile.mkdtemp(prefix="codelab-bench-")
os.environ["CODELAB_ALLOW_SCRIPTED_MODELS"] = "1"
os.environ["CODELAB_MODEL"] = "scripted:test"
for var in ("DATABASE_URL", "CODELAB_CHECKPOINT_URL", "OPENAI_BASE_URL"):
    os.environ.pop(var, None)

from langchain_core.messages import AIMessage  # noqa: E402
from tests.helpers import Orchestrator  # noqa: E402
from tests.scripted import Script, plan, task_id_of  # noqa: E402

from codelab_orchestrator.budget.ledger import plan_spend  # noqa: E402

CALLS = 10
PER_CALL = 0.01


def cap_for(parallel: int) -> float:
    """About half of what the plan needs, between two calls' worth."""
    return round(0.5 * CALLS * parallel * PER_CALL + PER_CALL / 2, 4)

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def task_script(rng: random.Random, answered: list[tuple[str, int]]):
    async def run(request):
        task = task_id_of(request)
        step = sum(1 for m in request.messages if isinstance(m, AIMessage))
        await asyncio.sleep(rng.uniform(0.02, 0.08))
        answered.append((task, step))
        usage = {"input_tokens": 10_000, "output_tokens": 0, "total_tokens": 10_000}
        if step + 1 >= CALLS:
            return AIMessage(content=f"done {task}", usage_metadata=usage)
        return AIMessage(content="", usage_metadata=usage, tool_calls=[
            {"name": "list_files", "args": {}, "id": f"call-{task}-{time.monotonic_ns()}"}])

    return run


def trial(parallel: int, rng: random.Random) -> tuple[float, int, int, str]:
    """(overshoot in calls, repeated answered calls, calls in all, final status)."""
    answered: list[tuple[str, int]] = []
    helper = Orchestrator()
    workspace = Path(tempfile.mkdtemp())
    helper.context.workspace = str(workspace)
    helper.use(Script(classification=COMPLEX,
                      plans=[plan(*[(f"t{i}", "coder") for i in range(parallel)])],
                      task=task_script(rng, answered)),
               max_cost_per_plan=cap_for(parallel), max_parallel_agents=parallel)
    helper.agent("coder", config={"price_in_per_mtok": 1.0, "price_out_per_mtok": 1.0})
    try:
        helper.send("build")
        paused = helper.state().values["plan"]
        assert paused.status == "paused_budget", paused.status
        overshoot = (plan_spend(paused)["cost"] - cap_for(parallel)) / PER_CALL
        out = helper.resume({"budget": 100.0})
        repeated = sum(n - 1 for n in Counter(answered).values())
        return overshoot, repeated, len(answered), out["final"].status
    finally:
        helper.close()


def main() -> None:
    logging.getLogger("langgraph.checkpoint.serde.jsonplus").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--parallel", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"cap: half of what the plan needs plus half a call; ${PER_CALL} per call, "
          f"{CALLS} calls per task, {args.trials} trials per row")
    print("| parallel tasks | overshoot at the pause, calls (max / mean) | bound (< P) "
          "| answered calls asked again | calls in all after resume (expected) | completed |")
    print("| --- | --- | --- | --- | --- | --- |")
    for parallel in args.parallel:
        results = [trial(parallel, rng) for _ in range(args.trials)]
        overs = [r[0] for r in results]
        print(f"| {parallel} | {max(overs):.1f} / {sum(overs) / len(overs):.1f} | {parallel} "
              f"| {sum(r[1] for r in results)} "
              f"| {sorted({r[2] for r in results})} ({CALLS * parallel}) "
              f"| {sum(r[3] == 'completed' for r in results)}/{len(results)} |")


if __name__ == "__main__":
    main()
