"""Each branch of the failure policy, driven by scripted task outcomes."""

from __future__ import annotations

from collections import Counter

from tests.scripted import Script, plan, task_id_of, writing

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def failing(fail: dict[str, int], calls: Counter | None = None):
    """A task script where task id X fails its first ``fail[X]`` calls (-1: always)."""
    calls = calls if calls is not None else Counter()

    def run(request):
        task_id = task_id_of(request)
        calls[task_id] += 1
        limit = fail.get(task_id, 0)
        if limit == -1 or calls[task_id] <= limit:
            raise RuntimeError(f"boom in {task_id}")
        return f"result of {task_id}"

    return run


def test_retry_then_success(orchestrate):
    calls = Counter()
    orchestrate.use(Script(task=writing(failing({"t1": 1}, calls))), max_task_attempts=2)
    out = orchestrate.send("do it")
    task = out["plan"].tasks[0]
    assert (out["final"].status, task.status, task.attempts, calls["t1"]) == ("completed", "done", 2, 2)
    assert "task_retry" in orchestrate.names() and "task_failed" in orchestrate.names()


def test_debug_takes_over_a_task_nothing_depends_on(orchestrate):
    orchestrate.use(Script(task=writing(failing({"t1": -1}))), max_task_attempts=2)
    out = orchestrate.send("fix it")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["t1"].status == "failed" and tasks["t1"].recovery == "debug:t1-debug1"
    debug = tasks["t1-debug1"]
    assert debug.agent == "debug" and debug.status == "done" and "boom in t1" in debug.description
    assert out["final"].status == "completed"


def test_targeted_replan_keeps_done_work(orchestrate):
    calls = Counter()
    first = plan(("a", "coder"), ("b", "coder", ["a"]), ("c", "coder", ["b"]), ("d", "ask"))
    replacement = {"goal": "g", "tasks": [
        {"id": "b2", "description": "do b differently", "agent": "coder", "dependencies": ["a"]},
        {"id": "c2", "description": "do c", "agent": "coder", "dependencies": ["b2"]}]}
    script = orchestrate.use(Script(classification=COMPLEX, plans=[first, replacement],
                                    task=failing({"b": -1}, calls)),
                             max_task_attempts=1, max_replans=1)
    out = orchestrate.send("build")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert out["plan"].replans == 1
    assert tasks["a"].status == "done" and tasks["d"].status == "done"
    assert calls["a"] == 1 and calls["d"] == 1  # done work not run again
    assert tasks["b"].recovery == "replan:1" and tasks["c"].status == "skipped"
    assert tasks["r1.b2"].status == "done" and tasks["r1.c2"].dependencies == ["r1.b2"]
    assert tasks["r1.b2"].dependencies == ["a"]
    assert out["final"].status == "completed"
    assert "replanned" in orchestrate.names() and script.counts["plan"] == 2


def test_replans_exhausted_reports_failure(orchestrate):
    first = plan(("a", "coder"), ("b", "coder", ["a"]))
    orchestrate.use(Script(classification=COMPLEX, plans=[first],
                           task=failing({"a": -1})), max_task_attempts=1, max_replans=0)
    out = orchestrate.send("build")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert tasks["a"].recovery == "gave_up" and tasks["b"].status == "skipped"
    assert out["final"].status == "failed" and out["plan"].status == "failed"
    assert out["final"].summary["failures"][0]["task"] == "a"
    assert "boom in a" in out["final"].text


def test_fail_fast_stops_at_first_unrecoverable_failure(orchestrate):
    first = plan(("a", "coder"), ("b", "coder", ["a"]), ("c", "coder", ["b"]), ("x", "ask", ["c"]))
    calls = Counter()
    orchestrate.use(Script(classification=COMPLEX, plans=[first], task=failing({"a": -1}, calls)),
                    max_task_attempts=1, max_replans=0, error_handling="fail_fast")
    out = orchestrate.send("build")
    assert out["plan"].status == "failed"
    assert {t.id: t.status for t in out["plan"].tasks} == {
        "a": "failed", "b": "skipped", "c": "skipped", "x": "skipped"}
    assert calls["b"] == 0


def test_continue_on_error_runs_independent_tasks(orchestrate):
    first = plan(("a", "coder"), ("b", "coder", ["a"]), ("c", "coder"), ("d", "coder", ["c"]))
    calls = Counter()
    orchestrate.use(Script(classification=COMPLEX, plans=[first], task=failing({"a": -1}, calls)),
                    max_task_attempts=1, max_replans=0, error_handling="continue_on_error")
    out = orchestrate.send("build")
    status = {t.id: t.status for t in out["plan"].tasks}
    assert status == {"a": "failed", "b": "skipped", "c": "done", "d": "done"}
    assert out["plan"].status == "failed"
    assert "Not run: b" in out["final"].text


def test_debug_failure_is_not_debugged_again(orchestrate):
    orchestrate.use(Script(task=lambda req: (_ for _ in ()).throw(RuntimeError("always"))),
                    max_task_attempts=1)
    out = orchestrate.send("fix it")
    assert [t.id for t in out["plan"].tasks] == ["t1", "t1-debug1"]
    assert out["plan"].status == "failed"
