"""Golden files of the rendered prompts: a prompt change shows up in review as a
diff of tests/golden/*.txt. Regenerate with UPDATE_GOLDEN=1 python -m pytest tests/test_prompts_golden.py"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from codelab_orchestrator.parsing import describe_fields
from codelab_orchestrator.planning import classification_schema, plan_schema
from codelab_orchestrator.prompts import classify, finalize, plan, recovery, specialist, structured
from codelab_orchestrator.state import Task

GOLDEN = Path(__file__).with_name("golden")
AGENTS = "coder (implementation, tests); ask (explanation); debug (diagnosis)"
TASK = Task(id="t2", description="Add a /health endpoint", agent="coder", dependencies=["t1"],
            expected=["app.py"], check="pytest -q tests/test_health.py")

RENDERED = {
    **{f"role_{role}": specialist.system_prompt_for(role, tools=["read_file", "edit_file"])
       for role in specialist.ROLE_PROMPTS},
    "role_without_tools": specialist.system_prompt_for("ask", tools=[]),
    "task": specialist.render_task_prompt(TASK, "Ship v2", {"t1": "Design: FastAPI app in app.py"}),
    "task_retry": specialist.render_task_prompt(
        TASK, "Ship v2", {}, "check failed: `pytest -q tests/test_health.py` exited with 1:\n"
                             "1 failed in 0.02s"),
    "classify": classify.classify_prompt(["coder", "architect", "debug", "ask"],
                                         "goal: build (status running)"),
    "classify_no_coder": classify.classify_prompt(["ask", "debug"]),
    "role_ask_read_only": specialist.system_prompt_for("ask", tools=["list_files", "search_in_code"]),
    "structured_retry": structured.STRUCTURED_RETRY.format(
        problem="agent: Input should be 'coder' or 'ask'",
        fields=describe_fields(classification_schema(("ask", "coder")))),
    "plan": plan.PLAN_SYSTEM.format(agents=AGENTS, max_tasks=20),
    "plan_fields": describe_fields(plan_schema(("ask", "coder"), 5)),
    "plan_retry": plan.PLAN_RETRY.format(problems="- dependency cycle: a -> b -> a"),
    "replan": plan.REPLAN_SYSTEM.format(agents=AGENTS, max_tasks=20) + "\n---\n" +
    plan.REPLAN_REQUEST.format(goal="Ship v2", done="- t1 [architect] design: ok", failed_id="t2",
                               failed_agent="coder", failed_description="Add endpoint", attempts=2,
                               error="TimeoutError", affected="- t3 [coder] tests"),
    "debug_task": recovery.DEBUG_TASK.format(task_id="t2", agent="coder", description="Add endpoint",
                                             attempts=2, error="KeyError: 'x'"),
    "final_failed": finalize.render_answer("Ship v2", "failed", [
        TASK.model_copy(update={"status": "failed", "error": "boom", "recovery": "gave_up"}),
        Task(id="t3", description="x", agent="ask", status="done", result="explained",
             verified=["an answer was given (9 characters)"]),
        Task(id="t4", description="y", agent="coder", status="done", result="wrote y",
             verified=["changed y.py"], unverified=["`make test` not run: 'make' is not allowed"])],
        {"files_changed": ["app.py"]}),
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_prompt_matches_golden_file(name):
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(RENDERED[name] + "\n")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert RENDERED[name] + "\n" == path.read_text()
