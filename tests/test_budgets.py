"""Budgets: what tasks, plans and sessions cost, and the limits checked before every
model call. Scripted replies state their own token counts, so every figure is known."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.types import Command

from codelab_orchestrator.budget.ledger import plan_spend
from codelab_orchestrator.context import Context
from tests.scripted import Script, plan, task_id_of, writing

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}
PRICE = {"price_in_per_mtok": 1.0, "price_out_per_mtok": 2.0}  # $1 / $2 per million tokens


def reply(content="", *, tokens_in: int, tokens_out: int, tool: str | None = None, **args):
    calls = ([{"name": tool, "args": args, "id": f"call-{time.monotonic_ns()}"}] if tool else [])
    return AIMessage(content=content, tool_calls=calls, usage_metadata={
        "input_tokens": tokens_in, "output_tokens": tokens_out,
        "total_tokens": tokens_in + tokens_out})


def steps(request) -> int:
    """Model calls this attempt already made (its AI messages)."""
    return sum(1 for m in request.messages if isinstance(m, AIMessage))


def looping(calls: dict[str, int], *, tokens_in=1000, tokens_out=100, delay=0.0, log=None):
    """Task script: ``calls[task] - 1`` write_file calls, then an answer; every call
    ``tokens_in``/``tokens_out`` tokens. ``log`` gets (task, step) of every answered call."""

    async def run(request):
        task = task_id_of(request)
        step = steps(request)
        await asyncio.sleep(delay)
        if log is not None:
            log.append((task, step))
        if step + 1 >= calls.get(task, 1):
            return reply(f"done {task}", tokens_in=tokens_in, tokens_out=tokens_out)
        written = reply(tokens_in=tokens_in, tokens_out=tokens_out, tool="write_file",
                        path=f"{task}.{step}.txt")
        written.tool_calls[0]["args"]["content"] = "x"  # a change: the task's check passes
        return written

    return run


@pytest.fixture
def run_in(orchestrate, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id,
                                  workspace=str(workspace))
    return orchestrate


def priced(run_in, *agents: str, **price) -> None:
    for agent in agents:
        run_in.agent(agent, config=price or PRICE)


def test_costs_add_up_exactly_per_task_plan_and_session(run_in):
    script = Script(classification=lambda r: reply(tokens_in=0, tokens_out=0),  # replaced below
                    plans=[plan(("a", "coder"), ("b", "coder"), ("c", "coder", ["a", "b"]))],
                    task=looping({"a": 2, "b": 3, "c": 1}, tokens_in=1000, tokens_out=100))
    run_in.use(script)
    priced(run_in, "coder", "orchestrator", "architect")
    script.classification = lambda r: reply(tool="ClassificationOutput", tokens_in=500,
                                            tokens_out=20, **COMPLEX, reasoning="r")
    first_plan = script.plans[0]
    script.plans = [lambda r: reply(tool="PlanDraft", tokens_in=700, tokens_out=80, **first_plan)]

    out = run_in.send("build")
    assert out["final"].status == "completed"
    tasks = {t.id: t for t in out["plan"].tasks}
    per_call = (1000 * 1.0 + 100 * 2.0) / 1e6  # $0.0012
    assert {t: (tasks[t].usage["model_calls"], tasks[t].usage["total_tokens"]) for t in tasks} == {
        "a": (2, 2200), "b": (3, 3300), "c": (1, 1100)}
    assert {t: tasks[t].cost for t in tasks} == {"a": round(2 * per_call, 9),
                                                 "b": round(3 * per_call, 9), "c": per_call}
    usage = out["final"].summary["usage"]
    assert usage["cost"] == round(6 * per_call, 9) == plan_spend(out["plan"])["cost"]
    assert (usage["total_tokens"], usage["model_calls"]) == (6600, 6)
    orchestration = (500 * 1 + 20 * 2 + 700 * 1 + 80 * 2) / 1e6
    assert out["spend"]["cost"] == round(6 * per_call + orchestration, 9)
    assert out["spend"]["model_calls"] == 6 + 2 and out["spend"]["total_tokens"] == 6600 + 520 + 780

    # a second request in the same session adds up
    script.plans = [lambda r: reply(tool="PlanDraft", tokens_in=700, tokens_out=80,
                                    **plan(("d", "coder")))]
    script.task = looping({"d": 1}, tokens_in=1000, tokens_out=100)
    out = run_in.send("more")
    assert out["final"].summary["usage"]["cost"] == per_call
    assert out["spend"]["cost"] == round(7 * per_call + 2 * orchestration, 9)
    done = [e for e in run_in.events if e["event"] == "task_done" and e["task_id"] == "d"]
    assert done[0]["cost"] == per_call and done[0]["usage"]["total_tokens"] == 1100


def test_a_plan_over_its_cap_pauses_then_resumes_with_a_higher_budget(run_in):
    """Two tasks call in parallel, each call $0.10; the cap is $0.50. The plan pauses having
    spent at most one in-flight call per running task above the cap, then finishes after
    the cap is raised, without asking any answered model call again."""
    log: list[tuple[str, int]] = []
    calls = {"a": 4, "b": 8, "c": 2}
    run_in.use(Script(classification=COMPLEX,
                      plans=[plan(("a", "coder"), ("b", "coder"), ("c", "coder", ["a", "b"]))],
                      task=looping(calls, tokens_in=100_000, tokens_out=0, delay=0.05, log=log)),
               max_cost_per_plan=0.5)
    priced(run_in, "coder")

    out = run_in.send("build")
    state = run_in.state()
    paused = state.values["plan"]
    assert out.get("final") is None and paused.status == "paused_budget"
    assert state.interrupts and state.interrupts[0].value["type"] == "budget_exceeded"
    spent = plan_spend(paused)["cost"]
    assert 0.5 <= spent <= 0.5 + 2 * 0.1 + 1e-9  # at most one in-flight call per running task
    tasks = {t.id: t for t in paused.tasks}
    assert tasks["c"].status == "pending"
    assert all(tasks[t].status in ("done", "cancelled") for t in ("a", "b"))
    assert any(tasks[t].status == "cancelled" for t in ("a", "b"))
    assert "paused: plan budget reached" in paused.notes[-1]
    names = run_in.names()
    assert names.count("budget_warning") == 1 and names.count("budget_exceeded") == 1
    assert names.index("budget_warning") < names.index("budget_exceeded")
    exceeded = next(e for e in run_in.events if e["event"] == "budget_exceeded")
    assert exceeded["spent"] == spent and exceeded["max_cost"] == 0.5
    assert state.interrupts[0].value["spent"]["cost"] == spent

    asked_before = len(log)
    out = run_in.resume({"budget": 2.0})
    assert out["final"].status == "completed"
    final = out["plan"]
    assert final.max_cost == 2.0 and final.max_cost_source == "resume answer"
    assert {t.id: (t.attempts, t.error) for t in final.tasks} == {"a": (1, None), "b": (1, None), "c": (1, None)}
    answered = Counter(log)
    assert max(answered.values()) == 1, "an answered model call was asked again"
    assert Counter(task for task, _ in log) == calls
    assert len(log) > asked_before
    assert plan_spend(final)["cost"] == pytest.approx(sum(calls.values()) * 0.1)
    assert out["final"].summary["usage"]["cost"] == plan_spend(final)["cost"]


def test_a_too_low_answer_asks_again_and_cancel_ends_the_plan(run_in):
    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"), ("b", "coder", ["a"]))],
                      task=looping({"a": 1, "b": 1}, tokens_in=600_000, tokens_out=0)),
               max_cost_per_plan=0.5)
    priced(run_in, "coder")
    run_in.send("build")
    assert run_in.state().values["plan"].status == "paused_budget"
    run_in.resume({"budget": 0.55})  # not above the $0.60 spent
    waiting = run_in.state().interrupts
    assert waiting and "not above" in waiting[0].value["problem"]
    out = run_in.resume("cancel")
    assert out["final"].status == "cancelled"
    assert {t.id: t.status for t in out["plan"].tasks} == {"a": "done", "b": "skipped"}


def test_a_task_over_max_tokens_per_task_fails_with_that_reason(run_in):
    run_in.use(Script(task=looping({"t1": 100}, tokens_in=900, tokens_out=100)),
               max_tokens_per_task=2500, max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    out = run_in.send("look around")
    task = out["plan"].tasks[0]
    assert task.status == "failed" and "max_tokens_per_task=2500" in task.error
    assert task.usage["model_calls"] == 3 and task.usage["total_tokens"] == 3000
    assert run_in.script.counts["task"] == 3
    assert out["final"].status == "failed"
    over = [e for e in run_in.events if e["event"] == "budget_exceeded"]
    assert over and over[0]["scope"] == "task" and over[0]["task_id"] == "t1"


def test_run_limits_in_the_context_override_the_row(run_in):
    run_in.use(Script(task=looping({"t1": 100}, tokens_in=10, tokens_out=0)),
               max_model_calls_per_task=50, max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    run_in.context = Context(user_id=run_in.context.user_id, project_id=run_in.context.project_id,
                             workspace=run_in.context.workspace, max_model_calls_per_task=3)
    out = run_in.send("look around")
    assert "max_model_calls_per_task=3" in out["plan"].tasks[0].error
    assert run_in.script.counts["task"] == 3


def test_an_unpriced_model_under_a_cap_is_noted(run_in):
    run_in.use(Script(task=writing()), max_cost_per_plan=1.0)
    out = run_in.send("do it")
    assert out["final"].status == "completed"
    assert any("no price for model scripted:test" in n for n in out["plan"].notes)
    assert out["plan"].tasks[0].cost == 0 and out["plan"].tasks[0].usage["total_tokens"] > 0


def test_the_sdk_resumes_a_paused_plan_with_command_resume(run_in):
    run_in.use(Script(task=looping({"t1": 3}, tokens_in=400_000, tokens_out=0)),
               max_cost_per_plan=0.5)
    priced(run_in, "coder")
    run_in.send("do it")
    assert run_in.state().values["plan"].status == "paused_budget"
    again = asyncio.run(run_in.graph.ainvoke(None, run_in.config, context=run_in.context))
    assert "final" not in again or again.get("final") is None  # still waiting
    out = asyncio.run(run_in.graph.ainvoke(Command(resume=3), run_in.config,
                                           context=run_in.context))
    assert out["final"].status == "completed" and out["plan"].tasks[0].usage["model_calls"] == 3
    assert not any(isinstance(m, ToolMessage) for m in out["messages"])
    assert isinstance(out["messages"][0], HumanMessage)


def test_cli_run_pauses_at_its_budget_and_resume_raises_it(monkeypatch, tmp_path):
    """`codelab run --budget` exits 5 with the figures; `sessions show` says how to go on;
    a too-low `resume --budget` is refused; a higher one finishes the plan."""
    import json
    from pathlib import Path

    from typer.testing import CliRunner

    from codelab_orchestrator.cli import app

    runner = CliRunner()
    monkeypatch.setenv("CODELAB_MODEL", "scripted:tests.budget_script:script")
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))
    assert runner.invoke(app, ["agents", "update", "orchestrator", "-c",
                               '{"routing_strategy": "llm"}']).exit_code == 0
    assert runner.invoke(app, ["agents", "update", "coder", "-c", json.dumps(PRICE)]).exit_code == 0

    result = runner.invoke(app, ["run", "build it", "-w", str(tmp_path), "--thread", "tb",
                                 "--budget", "0.35", "--json"])
    assert result.exit_code == 5, result.output
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    kinds = [e["event"] for e in events]
    assert "budget_warning" in kinds and "budget_exceeded" in kinds
    paused = events[-1]
    assert paused["event"] == "paused_budget" and paused["max_cost"] == 0.35
    assert 0.35 <= paused["spent"]["cost"] <= 0.35 + 2 * 0.1 + 1e-9
    assert "model_usage" in kinds

    shown = runner.invoke(app, ["sessions", "show", "tb"])
    assert "paused_budget" in shown.output and "resume tb --budget" in shown.output
    listed = json.loads(runner.invoke(app, ["sessions", "list", "--json"]).output)
    assert listed[0]["status"] == "paused_budget"
    assert "$0.40 of $0.35" in shown.output or "$0.50 of $0.35" in shown.output

    low = runner.invoke(app, ["resume", "tb", "--budget", "0.1"])
    assert low.exit_code == 5 and "not above" in low.output

    done = runner.invoke(app, ["resume", "tb", "--budget", "2.50"])
    assert done.exit_code == 0, done.output
    assert "spent: 800,000 tokens · 8 model calls · $0.80 of $2.50" in done.output
    data = json.loads(runner.invoke(app, ["sessions", "show", "tb", "--json"]).output)
    assert data["plan"]["status"] == "completed" and data["plan_spend"]["cost"] == 0.8
    assert {t["id"]: t["usage"]["model_calls"] for t in data["plan"]["tasks"]} == {
        "a": 3, "b": 3, "c": 2}  # no answered call asked again
    assert data["session_spend"]["cost"] == 0.8  # the scripted classifier/planner are unpriced
    listed = json.loads(runner.invoke(app, ["sessions", "list", "--json"]).output)
    assert listed[0]["status"] == "completed"


def test_prices_row_table_prefix_and_custom_servers(monkeypatch):
    from codelab_orchestrator.budget.pricing import price_for

    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    mini = price_for("openai:gpt-4.1-mini")
    assert (mini.input_per_mtok, mini.output_per_mtok, mini.source) == (0.4, 1.6, "builtin")
    assert price_for("openai:gpt-4.1-mini-2025-04-14") == mini  # a dated snapshot: its family
    assert price_for("openai:gpt-4.1").input_per_mtok == 2.0  # not the mini's price
    assert price_for("anthropic:claude-sonnet-4-20250514").output_per_mtok == 15.0
    assert price_for("openai:gpt-4.1-mini", row_in=0.1, row_out=0.2).source == "row"
    half = price_for("openai:gpt-4.1-mini", row_in=0.0)  # one side from the row
    assert (half.input_per_mtok, half.output_per_mtok) == (0.0, 1.6)
    assert not price_for("ollama:llama3").priced and price_for("ollama:llama3").cost(10**6, 10**6) == 0
    assert price_for("openai:my-model", extra={"openai:my-model": (0.5, 1.5)}).source == "extra"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")  # vLLM, Ollama, OpenRouter...
    assert not price_for("openai:gpt-4.1-mini").priced  # the server sets the price, not OpenAI
    assert price_for("openai:gpt-4.1-mini", row_in=0.2, row_out=0.4).priced
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
    assert price_for("openai:gpt-4.1-mini").priced


def test_a_price_in_a_row_is_validated(orchestrate):
    from codelab_orchestrator.persistence.schemas import ConfigValidationError

    orchestrate.use(Script())
    with pytest.raises(ConfigValidationError, match="price_in_per_mtok"):
        orchestrate.agent("coder", config={"price_in_per_mtok": -1})
    with pytest.raises(ConfigValidationError, match="max_cost_per_plan"):
        orchestrate.settings(max_cost_per_plan=0)


def test_fail_fast_records_what_the_stopped_tasks_spent(run_in):
    """``finalize`` cancels the tasks still running after a fail_fast failure: what their
    model calls cost is still counted."""

    async def script(request):
        task = task_id_of(request)
        if task == "bad":
            await asyncio.sleep(0.3)
            raise RuntimeError("boom")
        if steps(request) == 0:
            return reply(tokens_in=1000, tokens_out=0, tool="list_files")
        await asyncio.sleep(5)  # the second call is in flight when the plan stops
        return reply("late", tokens_in=1000, tokens_out=0)

    run_in.use(Script(classification=COMPLEX, plans=[plan(("bad", "coder"), ("slow", "coder"))],
                      task=script), error_handling="fail_fast", max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    priced(run_in, "coder")
    out = run_in.send("build")
    slow = {t.id: t for t in out["plan"].tasks}["slow"]
    assert out["final"].status == "failed" and slow.status == "cancelled"
    assert slow.usage["model_calls"] == 1 and slow.cost == 0.001
    assert out["final"].summary["usage"]["cost"] == 0.001 == out["spend"]["cost"]
