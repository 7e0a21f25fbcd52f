"""classify and architect_plan decisions: single-agent mode, strategies, approval,
cancel, malformed model output, invalid plans."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage

from tests.scripted import Script, plan, writing

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def test_single_agent_mode_sends_everything_to_universal(orchestrate):
    script = orchestrate.use(Script())
    for name in ("architect", "coder", "debug", "ask"):
        orchestrate.agent(name, status="disabled")
    orchestrate.agent("universal", status="ready")
    out = orchestrate.send("study the project and build a mobile app")
    assert out["classification"].method == "single_agent"
    assert out["plan"].tasks[0].agent == "universal"
    assert script.counts["classify"] == 0


@pytest.mark.parametrize("reply", [
    AIMessage('Sure! Here it is:\n```json\n{"agent": "Code", "is_atomic": true}\n```'),
    AIMessage('I think {"AGENT": "explain", "atomic": "yes", "confidence": 0.9} fits.'),
    AIMessage('{"classification": {"agent": "plan", "is_atomic": false}}'),
])
def test_malformed_classifier_replies_are_repaired(orchestrate, reply):
    orchestrate.use(Script(classification=lambda req: reply, plans=[plan(("t1", "coder"))]))
    out = orchestrate.send("hello")
    assert out["classification"].method == "llm"
    assert out["classification"].agent in ("coder", "ask", "architect")


def test_llm_error_falls_back_to_local_router(orchestrate):
    def broken(request):
        raise TimeoutError("model timed out")

    orchestrate.use(Script(classification=broken, task=writing()))
    out = orchestrate.send("Исправь ошибку в parser.py, он падает")
    assert out["classification"].method == "fallback"
    assert out["classification"].agent == "debug"
    assert "TimeoutError" in out["classification"].reasoning
    assert out["final"].status == "completed"


def test_local_and_hybrid_strategies(orchestrate):
    script = orchestrate.use(Script())
    orchestrate.settings(routing_strategy="local")
    assert orchestrate.send("explain what this function does?")["classification"].method == "local"
    assert script.counts["classify"] == 0
    orchestrate.settings(routing_strategy="hybrid", routing_confidence_threshold=1.0)
    assert orchestrate.send("anything")["classification"].method == "llm"
    orchestrate.settings(routing_confidence_threshold=0.0)
    assert orchestrate.send("anything at all")["classification"].method == "local"
    assert script.counts["classify"] == 1


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=300) | st.sampled_from([
    "", "{", '{"agent": 5}', "```json\n{broken\n```", '{"tasks": [{"id": 1}]}', "null"]))
def test_random_classifier_and_planner_text_never_crashes(orchestrate, text):
    orchestrate.use(Script(classification=lambda req: AIMessage(text),
                           plans=[AIMessage(text)]))
    out = orchestrate.send("do something with the project")
    assert out["final"] is not None
    assert out["plan"].status in ("completed", "failed")


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(tasks=st.lists(st.fixed_dictionaries({
    "id": st.sampled_from(["a", "b", "c", "a"]),
    "agent": st.sampled_from(["coder", "ask", "wizard", "universal", "Code"]),
    "dependencies": st.lists(st.sampled_from(["a", "b", "c", "zzz"]), max_size=3),
    "description": st.just("x")}), max_size=5))
def test_random_plans_are_validated_never_run_as_is(orchestrate, tasks):
    orchestrate.use(Script(classification=COMPLEX, plans=[{"goal": "g", "tasks": tasks}]))
    out = orchestrate.send("build")
    assert out["final"] is not None
    ran = out["plan"].tasks
    ids = [t.id for t in ran]
    assert len(ids) == len(set(ids))
    assert all(t.agent in ("coder", "ask", "architect", "debug") for t in ran)  # universal disabled


def test_invalid_plan_is_reasked_once_then_falls_back(orchestrate):
    cyclic = plan(("a", "coder", ["b"]), ("b", "coder", ["a"]))
    script = orchestrate.use(Script(classification=COMPLEX, plans=[cyclic], task=writing()))
    out = orchestrate.send("build a thing")
    assert script.counts["plan"] == 2
    assert [t.id for t in out["plan"].tasks] == ["t1"]
    # classified for the read-only architect, the request runs as one task for an agent that
    # can write, with an atomic request's checks
    assert out["plan"].tasks[0].agent == "coder" and out["plan"].tasks[0].atomic
    assert out["final"].status == "completed" and out["plan"].tasks[0].verified
    assert any("dependency cycle" in n for n in out["plan"].notes)
    fixed = plan(("a", "coder"), ("b", "coder", ["a"]))
    script = orchestrate.use(Script(classification=COMPLEX, plans=[cyclic, fixed]))
    out = orchestrate.send("build it again")
    assert [t.id for t in out["plan"].tasks] == ["a", "b"] and script.counts["plan"] == 2


def _big_plan():
    return plan(("a", "coder"), ("b", "coder"), ("c", "ask", ["a", "b"]))


def test_approval_approve(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_big_plan()]), approval_threshold_tasks=2)
    paused = orchestrate.send("build")
    assert paused["plan"].status == "draft" and paused["final"] is None
    interrupt = orchestrate.state().interrupts[0].value
    assert interrupt["type"] == "approval_required" and len(interrupt["tasks"]) == 3
    assert "approval_required" in orchestrate.names()
    out = orchestrate.resume("approve")
    assert out["final"].status == "completed"
    assert orchestrate.script.counts["plan"] == 1  # resuming did not ask the Architect again


def test_approval_by_cost(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_big_plan()]), approval_threshold_cost=0.001)
    assert orchestrate.send("build")["plan"].status == "draft"
    out = orchestrate.resume("reject")
    assert out["plan"].status == "cancelled" and "Cancelled" in out["final"].text
    assert orchestrate.script.counts["task"] == 0


def test_approval_edit_is_validated(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_big_plan()]), approval_threshold_tasks=2)
    orchestrate.send("build")
    bad = orchestrate.resume({"action": "edit", "plan": plan(("x", "coder", ["nope"]))})
    assert bad["plan"].status == "draft" and "unknown task 'nope'" in bad["plan"].notes[-1]
    assert orchestrate.state().interrupts  # asked again
    out = orchestrate.resume({"action": "edit", "plan": plan(("only", "ask"))})
    assert [t.id for t in out["plan"].tasks] == ["only"] and out["final"].status == "completed"


def test_cancel_word_cancels_waiting_plan_and_next_message_is_new(orchestrate):
    orchestrate.use(Script(classification=COMPLEX, plans=[_big_plan()]), approval_threshold_tasks=2)
    orchestrate.send("build")
    out = orchestrate.send("отмена")
    assert out["plan"].status == "cancelled" and out["final"].status == "cancelled"
    orchestrate.script.classification = {"agent": "ask", "is_atomic": True}
    out = orchestrate.send("what is a DAG?")
    assert out["plan"].status == "completed" and out["plan"].tasks[0].agent == "ask"
    assert out["classification"].agent == "ask"


def test_new_request_while_plan_waits_supersedes_it_with_plan_in_view(orchestrate):
    script = orchestrate.use(Script(classification=COMPLEX, plans=[_big_plan()], task=writing()),
                             approval_threshold_tasks=2)
    orchestrate.send("build")
    script.classification = {"agent": "coder", "is_atomic": True}
    out = orchestrate.send("actually just add a README")
    classify_prompt = [c for c in orchestrate.script_model_calls() if "ClassificationOutput" in c.tools][-1]
    assert "already active" in classify_prompt.system
    assert out["plan"].tasks[0].agent == "coder" and out["final"].status == "completed"
