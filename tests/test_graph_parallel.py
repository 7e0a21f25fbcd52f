"""A task starts the moment its own dependencies are done; independent tasks overlap."""

from __future__ import annotations

import asyncio
import time

from langchain_core.messages import HumanMessage

from tests.scripted import Script, plan, task_id_of

COMPLEX = {"agent": "architect", "is_atomic": False}


def sleeping(durations: dict[str, float], default: float = 0.0):
    def run(request):
        time.sleep(durations.get(task_id_of(request), default))
        return f"result of {task_id_of(request)}"
    return run


def _four_independent():
    return plan(("a", "coder"), ("b", "coder"), ("c", "coder"), ("d", "coder"))


def test_four_independent_tasks_run_in_parallel(orchestrate):
    script = orchestrate.use(Script(classification=COMPLEX, plans=[_four_independent()],
                                    task=sleeping({}, 0.6)), max_parallel_agents=4)
    out = orchestrate.send("build")
    assert out["final"].status == "completed"
    starts = sorted(moment for _, moment in script.task_calls)
    assert len(starts) == 4 and starts[-1] - starts[0] < 0.6  # all four before the first ended


def test_max_parallel_one_runs_them_one_by_one(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_four_independent()],
                           task=sleeping({}, 0.3)), max_parallel_agents=1)
    start = time.perf_counter()
    out = orchestrate.send("build")
    assert time.perf_counter() - start >= 1.2
    spans = sorted((t.started_at, t.finished_at) for t in out["plan"].tasks)
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:], strict=False))


def test_dependent_task_starts_before_unrelated_slow_task_ends(orchestrate):
    orchestrate.use(Script(classification=COMPLEX,
                           plans=[plan(("A", "coder"), ("B", "coder"), ("C", "coder", ["A"]))],
                           task=sleeping({"A": 0.2, "B": 1.5, "C": 0.2})))
    out = orchestrate.send("build")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["C"].finished_at < tasks["B"].finished_at
    assert tasks["C"].started_at >= tasks["A"].finished_at
    assert "result of A" in _prompt_of(orchestrate, "C")  # receives its dependency's result


def _prompt_of(orchestrate, task_id: str) -> str:
    return next(c.prompt for c in orchestrate.script_model_calls() if task_id_of(c) == task_id)


def test_ainvoke_runs_the_same_graph(orchestrate):
    script = orchestrate.use(Script(classification=COMPLEX, plans=[_four_independent()],
                                    task=sleeping({}, 0.6)))

    async def run():
        return await orchestrate.graph.ainvoke(
            {"messages": [HumanMessage("build")]}, orchestrate.config, context=orchestrate.context)

    out = asyncio.run(run())
    assert out["final"].status == "completed" and len(out["plan"].tasks) == 4
    starts = sorted(moment for _, moment in script.task_calls)
    assert starts[-1] - starts[0] < 0.6  # the four ran at once


def test_every_event_carries_plan_task_agent_and_time(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_four_independent()]))
    orchestrate.send("build")
    for event in orchestrate.events:
        assert {"event", "plan_id", "task_id", "agent", "timestamp"} <= event.keys()
    started = [e for e in orchestrate.events if e["event"] == "task_started"]
    assert {e["task_id"] for e in started} == {"a", "b", "c", "d"}
