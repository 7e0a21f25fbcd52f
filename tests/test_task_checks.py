"""A task is done when its checks pass (issue 13): the orchestrator checks the work itself, in
the attempt's worktree and sandbox, before it merges anything."""

from __future__ import annotations

import shutil

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from tests.scripted import Script, task_id_of, writing

needs_sandbox = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def prompts_of(orchestrate, task: str) -> list[str]:
    """The task hand-over prompt of every attempt of ``task``, in order, once each."""
    seen: list[str] = []
    for call in orchestrate.model.calls:
        for m in call.messages:
            text = str(m.content)
            if isinstance(m, HumanMessage) and f"Your task ({task})" in text and text not in seen:
                seen.append(text)
    return seen


def tool_writes(files: dict[str, str], then: str = "done"):
    """A task script: one write_file per file (in one reply), then ``then``."""
    def run(request):
        if not any(isinstance(m, ToolMessage) for m in request.messages):
            return AIMessage(content="", tool_calls=[
                {"name": "write_file", "id": f"w{i}", "args": {"path": p, "content": c}}
                for i, (p, c) in enumerate(files.items())])
        return then
    return run


def test_a_coder_that_changes_nothing_fails_and_its_retry_is_told_why(orchestrate):
    answers = iter(["I fixed it.", None])

    def task(request):
        text = next(answers, None)
        return text if text is not None else writing()(request)

    orchestrate.use(Script(task=task), max_task_attempts=2)
    out = orchestrate.send("fix the off-by-one in utils.py")
    task1 = out["plan"].tasks[0]
    assert (out["final"].status, task1.status, task1.attempts) == ("completed", "done", 2)
    retry = [e for e in orchestrate.events if e["event"] == "task_retry"]
    assert retry and "no file was changed" in retry[0]["error"]
    prompts = prompts_of(orchestrate, "t1")
    assert len(prompts) >= 2 and "no file was changed" in prompts[-1]
    assert "no file was changed" not in prompts[0]
    assert task1.verified == ["files changed: t1.txt"]


def test_a_task_that_never_changes_anything_never_completes(orchestrate):
    orchestrate.use(Script(task=lambda r: "All done, the bug is fixed."), max_task_attempts=2)
    out = orchestrate.send("fix the crash in parser.py")
    assert out["final"].status == "failed"
    assert all(t.status == "failed" for t in out["plan"].tasks)
    assert "no file was changed" in out["final"].text


def test_expected_files_must_be_the_ones_changed(orchestrate):
    plan = {"goal": "g", "tasks": [{"id": "a", "description": "make a.py", "agent": "coder",
                                    "expected": ["a.py"]}]}
    calls = {"n": 0}

    def task(request):
        calls["n"] += 1
        # first attempt writes the wrong file; the retry the right one
        return tool_writes({"b.py" if calls["n"] <= 2 else "a.py": "x = 1\n"})(request)

    orchestrate.use(Script(classification=COMPLEX, plans=[plan], task=task), max_task_attempts=2)
    out = orchestrate.send("build a and b")
    task_a = out["plan"].tasks[0]
    assert task_a.status == "done" and task_a.attempts == 2
    assert task_a.verified == ["changed a.py"]
    failed = [e for e in orchestrate.events if e["event"] == "task_failed"]
    assert "should have created or changed a.py" in failed[0]["error"]
    assert "changed only b.py" in failed[0]["error"]
    # the failed attempt's b.py was never merged
    assert not (orchestrate.workspace / "b.py").exists()
    assert (orchestrate.workspace / "a.py").read_text() == "x = 1\n"


@needs_sandbox
def test_a_task_whose_check_command_fails_is_never_done(orchestrate):
    plan = {"goal": "g", "tasks": [{
        "id": "a", "description": "write ok.txt saying yes", "agent": "coder",
        "expected": ["ok.txt"],
        "check": "python3 -c \"import sys; sys.exit(open('ok.txt').read().strip() != 'yes')\""}]}
    contents = iter(["no", "still no"])
    orchestrate.use(Script(classification=COMPLEX, plans=[plan],
                           task=lambda r: tool_writes({"ok.txt": next(contents, "no")})(r)),
                    max_task_attempts=2)
    orchestrate.agent("coder", config={"allowed_commands": ["python3"]})
    orchestrate.agent("debug", config={"allowed_commands": ["python3"]})
    out = orchestrate.send("write ok.txt")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["a"].status == "failed" and "exited with 1" in tasks["a"].error
    assert out["final"].status == "failed"
    assert all(t.status != "done" for t in tasks.values())  # Debug had the same check
    assert not (orchestrate.workspace / "ok.txt").exists()


@needs_sandbox
def test_a_passing_check_is_listed_in_the_final_answer(orchestrate):
    plan = {"goal": "g", "tasks": [{
        "id": "a", "description": "write ok.txt saying yes", "agent": "coder",
        "expected": ["ok.txt"],
        "check": "python3 -c \"import sys; sys.exit(open('ok.txt').read().strip() != 'yes')\""},
        {"id": "b", "description": "explain", "agent": "ask", "dependencies": ["a"]}]}
    orchestrate.use(Script(classification=COMPLEX, plans=[plan],
                           task=lambda r: tool_writes({"ok.txt": "yes\n"})(r)
                           if task_id_of(r) == "a" else "It says yes."))
    orchestrate.agent("coder", config={"allowed_commands": ["python3"]})
    out = orchestrate.send("write ok.txt")
    assert out["final"].status == "completed"
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["a"].verified[0] == "changed ok.txt" and "passed" in tasks["a"].verified[1]
    assert tasks["b"].verified == ["an answer was given (12 characters)"]
    text = out["final"].text
    assert "Verified:" in text and "a (coder): changed ok.txt; `python3 -c" in text
    assert "b (ask): an answer was given" in text


def test_a_check_command_the_agent_may_not_run_is_reported_not_verified(orchestrate):
    plan = {"goal": "g", "tasks": [{"id": "a", "description": "d", "agent": "coder",
                                    "expected": ["x.txt"], "check": "make test"}]}
    orchestrate.use(Script(classification=COMPLEX, plans=[plan],
                           task=lambda r: tool_writes({"x.txt": "1"})(r)))
    out = orchestrate.send("do it")
    task = out["plan"].tasks[0]
    assert task.status == "done" and task.verified == ["changed x.txt"]
    assert task.unverified and "'make' is not allowed" in task.unverified[0]
    assert "a: not verified: `make test` not run" in out["final"].text


TESTS = """\
from calc import add

def test_add():
    assert add(2, 2) == 4

def test_add_zero():
    assert add(0, 5) == 5
"""


@pytest.mark.parametrize("fix, status", [("return a + b\n", "completed"),
                                         ("return a - b\n", "failed")])
def test_an_atomic_fix_must_not_make_the_projects_tests_worse(orchestrate, fix, status):
    ws = orchestrate.workspace
    (ws / "calc.py").write_text("def add(a, b):\n    return a + b + (a == 0)\n")  # 1 test fails
    (ws / "test_calc.py").write_text(TESTS)
    (ws / ".codelab.toml").write_text('test_command = "python3 -m pytest -q -p no:cacheprovider"\n')
    orchestrate.use(Script(task=tool_writes({"calc.py": "def add(a, b):\n    " + fix})),
                    max_task_attempts=1)
    orchestrate.settings(error_handling="fail_fast")
    orchestrate.agent("debug", status="disabled")
    out = orchestrate.send("fix add in calc.py")
    task = out["plan"].tasks[0]
    assert out["final"].status == status
    if status == "completed":  # 1 failing -> 0 failing
        assert "not worse than before (exit code 1, 1 failing -> exit code 0" in task.verified[1]
        assert "return a + b\n" in (ws / "calc.py").read_text()
    else:  # a - b: both fail
        assert "more failing tests than before (1 -> 2)" in task.error
        assert "(a == 0)" in (ws / "calc.py").read_text()  # nothing merged


def test_an_answer_that_is_only_a_tool_call_in_text_is_not_an_answer(orchestrate):
    orchestrate.use(Script(classification={"agent": "ask", "is_atomic": True,
                                            "confidence": "high"},
                           task=lambda r: '```json\n{"name": "explain_code", "arguments": '
                                          '{"file": "utils.py"}}\n```'),
                    max_task_attempts=1)
    orchestrate.agent("debug", status="disabled")
    out = orchestrate.send("what does utils.py do?")
    assert out["final"].status == "failed"
    assert out["plan"].tasks[0].status == "failed"


def test_an_answer_must_address_what_the_request_names(tmp_path):
    from codelab_orchestrator.checks import CheckFailedError, addressed

    (tmp_path / "text.py").write_text("def word_count(s):\n    ...\n\nclass Slug:\n    ...\n")
    assert addressed("which functions are in text.py?", "word_count and Slug.", str(tmp_path)) \
        == "Slug, word_count"
    assert addressed("what does `parse_args` do?", "parse_args reads argv", str(tmp_path)) \
        == "parse_args"
    assert addressed("explain the architecture", "anything at all", str(tmp_path)) is None
    error = ("CheckFailedError: check failed: the answer does not address the request: it "
             "mentions none of text.py nor what they define.")
    with pytest.raises(CheckFailedError, match="only repeats the task"):  # Qwen's Debug did
        addressed(f"Task t1 failed: {error}\nOriginal task: which functions are in text.py?",
                  error, str(tmp_path))
    with pytest.raises(CheckFailedError, match="only repeats the task"):  # ... or its retry's
        addressed("which functions are in text.py?", error, str(tmp_path), given=error)
    with pytest.raises(CheckFailedError, match="mentions none of text.py"):
        addressed("какие функции есть в text.py?",
                  "The task is to find all functions that have a list_files argument.",
                  str(tmp_path))


def test_debug_taking_over_a_question_need_not_change_files(orchestrate):
    """An ask task that failed its check is taken over by Debug with the failed task's
    checks, not an atomic coder's: a question's answer changes no file."""
    answers = {"t1": "Nothing useful."}

    def task(request):
        return answers.get(task_id_of(request), "text.py defines word_count.")

    orchestrate.use(Script(classification={"agent": "ask", "is_atomic": True,
                                           "confidence": "high"}, task=task),
                    max_task_attempts=1)
    out = orchestrate.send("which functions are in text.py?")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["t1"].status == "failed" and "does not address" in tasks["t1"].error
    assert tasks["t1-debug1"].status == "done" and out["final"].status == "completed"
    assert tasks["t1-debug1"].verified == [
        "an answer was given (27 characters), about text, text.py"]


def test_debug_echoing_the_error_is_not_an_answer_to_the_question(orchestrate):
    """Seen with Qwen2.5-Coder-0.5B: Debug, handed a failed question, answered with the
    error text it was given. It is held to the question's check: not an answer."""
    orchestrate.use(Script(classification={"agent": "ask", "is_atomic": True,
                                           "confidence": "high"},
                           task=lambda r: "EmptyAnswerError: the model returned an empty answer"),
                    max_task_attempts=1)
    out = orchestrate.send("which functions are in text.py?")
    assert out["final"].status == "failed"
    assert all(t.status == "failed" for t in out["plan"].tasks)


def test_a_retry_echoing_its_previous_error_is_not_an_answer(orchestrate):
    """Seen with Qwen2.5-Coder-0.5B: the retry answered with the check error its prompt
    carried, which names the file asked about."""
    import re

    def task(request):
        found = re.search(r"previous attempt at this task failed:\n(.*)\n", request.prompt)
        return found.group(1) if found else "Nothing useful."

    orchestrate.use(Script(classification={"agent": "ask", "is_atomic": True,
                                           "confidence": "high"}, task=task),
                    max_task_attempts=2)
    orchestrate.agent("debug", status="disabled")
    out = orchestrate.send("which functions are in text.py?")
    task1 = out["plan"].tasks[0]
    assert out["final"].status == "failed" and task1.attempts == 2
    assert "only repeats the task" in task1.error
