"""Parallel writers never share a directory: the whole graph with real git.

Each writing task works in its own worktree; the orchestrator merges finished
tasks in dependency order and applies the integrated result to the workspace
when the plan ends.
"""

from __future__ import annotations

import subprocess
import time

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from codelab_orchestrator.context import Context
from tests.scripted import Script, plan, task_id_of

COMPLEX = {"agent": "architect", "is_atomic": False, "confidence": "high"}


def call(name: str, **args) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args,
                                              "id": f"call-{time.monotonic_ns()}"}])


def tool_results(request) -> list[str]:
    return [str(m.content) for m in request.messages if isinstance(m, ToolMessage)]


def steps(*replies):
    """A task script: the i-th reply at the i-th call (after i tool results)."""
    def run(request):
        done = len(tool_results(request))
        reply = replies[min(done, len(replies) - 1)]
        return reply(request) if callable(reply) else reply
    return run


def by_task(**scripts):
    def run(request):
        return scripts[task_id_of(request)](request)
    return run


@pytest.fixture
def run_in(orchestrate, tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    orchestrate.context = Context(user_id=orchestrate.context.user_id,
                                  project_id=orchestrate.context.project_id,
                                  workspace=str(workspace))
    orchestrate.workspace = workspace
    return orchestrate


def git(cwd, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True,
                          check=True).stdout


def test_two_tasks_editing_one_file_both_land(run_in):
    """The lost update of before: A = 2 and B = 2 written by two tasks at once."""
    (run_in.workspace / "config.py").write_text("A = 1\n\nB = 1\n")
    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"), ("b", "coder"))],
                      task=by_task(
                          a=steps(call("edit_file", path="config.py", old="A = 1", new="A = 2"), "A set"),
                          b=steps(call("edit_file", path="config.py", old="B = 1", new="B = 2"), "B set"))))
    out = run_in.send("set A and B to 2")
    assert out["final"].status == "completed"
    assert (run_in.workspace / "config.py").read_text() == "A = 2\n\nB = 2\n"
    assert out["final"].summary["files_changed"] == ["config.py"]
    assert not (run_in.workspace / ".git").exists()  # no git here before: none added


def test_a_conflict_fails_the_task_and_its_retry_resolves_it(run_in):
    """Two tasks change the same line: the second to integrate fails with the hunks, and its
    retry starts from the conflict markers, so the user gets both intents, never a lost one."""
    (run_in.workspace / "config.py").write_text("PORT = 80\n")
    seen: dict[str, str] = {}

    def resolve(request):
        text = tool_results(request)[-1]
        seen["conflict view"] = text
        return call("write_file", path="config.py", content="PORT = 8081\n")

    b_attempts: list[int] = []

    def b_script(request):
        if not tool_results(request):
            b_attempts.append(1)
            if len(b_attempts) == 1:
                return call("edit_file", path="config.py", old="PORT = 80", new="PORT = 8081")
            return call("read_file", path="config.py")
        if len(b_attempts) > 1 and len(tool_results(request)) == 1:
            return resolve(request)
        return "port set"

    def a_script(request):
        if not tool_results(request):
            return call("edit_file", path="config.py", old="PORT = 80", new="PORT = 8080")
        return "port set"

    def slow_b(request):  # b finishes after a, so b is the one that conflicts
        time.sleep(0.3)
        return b_script(request)

    run_in.use(Script(classification=COMPLEX, plans=[plan(("a", "coder"), ("b", "coder"))],
                      task=by_task(a=a_script, b=slow_b)), max_task_attempts=2)
    out = run_in.send("change the port")
    tasks = {t.id: t for t in out["plan"].tasks}
    assert out["final"].status == "completed"
    assert tasks["b"].attempts == 2 and tasks["b"].status == "done"
    failures = [e for e in run_in.events if e["event"] == "task_failed"]
    assert len(failures) == 1 and "merge conflict" in failures[0]["error"]
    assert "config.py" in failures[0]["error"] and "PORT = 8080" in failures[0]["error"]
    assert "<<<<<<<" in seen["conflict view"]  # the retry saw both sides
    assert (run_in.workspace / "config.py").read_text() == "PORT = 8081\n"


def test_a_dependent_sees_its_dependency_and_not_a_running_siblings_edits(run_in):
    def lister(request):
        if not tool_results(request):
            return call("list_files", path=".")
        return f"I see: {tool_results(request)[-1]}"

    def slow_sibling(request):
        if not tool_results(request):
            return call("write_file", path="sibling.txt", content="half done")
        time.sleep(1.0)  # still running while the dependent looks
        return "sibling done"

    run_in.use(Script(classification=COMPLEX,
                      plans=[plan(("a", "coder"), ("s", "coder"), ("c", "ask", ["a"]))],
                      task=by_task(a=steps(call("write_file", path="new.txt", content="x"), "made"),
                                   s=slow_sibling, c=lister)))
    out = run_in.send("build")
    result = next(t for t in out["plan"].tasks if t.id == "c").result
    assert "new.txt" in result and "sibling.txt" not in result
    assert sorted(p.name for p in run_in.workspace.iterdir()) == ["new.txt", "sibling.txt"]


def test_a_failing_task_leaves_the_users_tree_unchanged(run_in):
    (run_in.workspace / "app.py").write_text("print('hi')\n")
    before = (run_in.workspace / "app.py").read_bytes()

    def breaks(request):
        if not tool_results(request):
            return call("write_file", path="app.py", content="broken(\n")
        raise RuntimeError("the provider fell over")

    run_in.use(Script(task=breaks), max_task_attempts=1)
    run_in.agent("debug", status="disabled")
    out = run_in.send("rewrite app.py")
    assert out["final"].status == "failed"
    assert (run_in.workspace / "app.py").read_bytes() == before
    assert sorted(p.name for p in run_in.workspace.iterdir()) == ["app.py"]


def test_the_users_uncommitted_work_branch_index_and_stash_survive_a_run(run_in):
    ws = run_in.workspace
    git(ws, "init", "-q", "-b", "feature")
    git(ws, "config", "user.email", "me@example.com")
    git(ws, "config", "user.name", "Me")
    (ws / "tracked.py").write_text("v = 1\n")
    (ws / "staged.py").write_text("s = 1\n")
    git(ws, "add", ".")
    git(ws, "commit", "-qm", "start")
    (ws / "tracked.py").write_text("v = 1\nstashed = True\n")
    git(ws, "stash", "-q")
    (ws / "staged.py").write_text("s = 2\n")
    git(ws, "add", "staged.py")
    (ws / "tracked.py").write_text("v = 2  # my uncommitted edit\n")
    state = (git(ws, "rev-parse", "HEAD"), git(ws, "diff", "--cached"), git(ws, "stash", "list"),
             git(ws, "branch", "--show-current"))

    run_in.use(Script(task=steps(call("write_file", path="added.py", content="new = 1\n"), "added")))
    out = run_in.send("add a module")
    assert out["final"].status == "completed"
    assert (ws / "added.py").read_text() == "new = 1\n"
    assert (ws / "tracked.py").read_text() == "v = 2  # my uncommitted edit\n"
    assert (git(ws, "rev-parse", "HEAD"), git(ws, "diff", "--cached"), git(ws, "stash", "list"),
            git(ws, "branch", "--show-current")) == state


def test_no_apply_keeps_the_result_on_a_branch_and_says_how_to_merge_it(run_in):
    from dataclasses import replace

    run_in.context = replace(run_in.context, apply_changes=False)
    run_in.use(Script(task=steps(call("write_file", path="notes.txt", content="n\n"), "wrote")))
    out = run_in.send("write notes")
    assert out["final"].status == "completed"
    assert list(run_in.workspace.iterdir()) == []
    delivery = out["final"].summary["delivery"]
    assert delivery["status"] == "branch" and delivery["branch"].startswith("codelab/")
    assert delivery["merge_command"] in out["final"].text
