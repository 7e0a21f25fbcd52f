"""The git layer, task side: isolated worktrees, commits, integration and conflicts (real git)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from codelab_orchestrator.gitspace import GitSpaceError, PlanSpace

from .gitrepo import CONFIG, edit, git, make_repo, tree_digest, user_state, write


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "project")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def run_task(space: PlanSpace, task: str, deps=(), files=None, edits=(), attempt: int = 1):
    path = space.task_worktree(task, attempt, deps)
    write(path, files or {})
    for name, old, new in edits:
        edit(path / name, old, new)
    return path, space.commit_task(task, attempt, "coder", f"work of {task}")


def test_two_tasks_editing_different_lines_of_one_file_both_land(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", edits=[("config.py", "A = 1", "A = 2")])
    run_task(space, "b", edits=[("config.py", "B = 1", "B = 2")])
    assert space.integrate("a").clean
    merged = space.integrate("b")
    assert merged.clean and merged.changed
    outcome = space.finish()
    assert outcome.status == "applied"
    assert (ws / "config.py").read_text() == CONFIG.replace("A = 1", "A = 2").replace("B = 1", "B = 2")
    assert [(c.path, c.added, c.removed) for c in outcome.changes] == [("config.py", 2, 2)]


def test_identical_changes_merge_cleanly(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", edits=[("config.py", "A = 1", "A = 2")])
    run_task(space, "b", edits=[("config.py", "A = 1", "A = 2")])
    assert space.integrate("a").changed
    second = space.integrate("b")
    assert second.clean


def test_same_line_changed_twice_is_a_conflict_with_paths_and_hunks(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", edits=[("config.py", "A = 1", "A = 2")])
    run_task(space, "b", edits=[("config.py", "A = 1", "A = 3")])
    first = space.integrate("a")
    conflict = space.integrate("b")
    assert not conflict.clean and not conflict.changed
    assert conflict.paths == ["config.py"]
    hunk = "\n".join(conflict.conflicts[0].hunks)
    assert "<<<<<<<" in hunk and "A = 2" in hunk and "A = 3" in hunk and ">>>>>>>" in hunk
    assert "config.py" in conflict.describe() and "A = 3" in conflict.describe()
    assert space.integration == first.integration  # the integration did not move
    assert not (data / "gitspace" / "worktrees" / "p1" / "b.1").exists()  # released
    space.discard("b", 1)  # its commit too: it can never be integrated now
    with pytest.raises(GitSpaceError, match="no committed result"):
        space.integrate("b")
    assert space.finish().status == "applied"
    assert "A = 2" in (ws / "config.py").read_text()


def test_conflict_resolver_starts_from_the_markers_and_its_fix_integrates(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", edits=[("config.py", "A = 1", "A = 2")])
    run_task(space, "b", edits=[("config.py", "A = 1", "A = 3")])
    space.integrate("a")
    assert not space.integrate("b").clean
    retry = space.task_worktree("b", 2, resolve_conflict_of="b")  # the task's own retry, or
    assert "<<<<<<<" in (retry / "config.py").read_text()
    space.discard("b", 2)
    fix = space.task_worktree("debug-b", 1, resolve_conflict_of="b")  # a Debug task
    text = (fix / "config.py").read_text()
    assert "<<<<<<<" in text and "A = 2" in text and "A = 3" in text
    (fix / "config.py").write_text(CONFIG.replace("A = 1", "A = 5"))
    assert space.commit_task("debug-b", 1, "debug", "resolve the conflict of b")
    assert space.integrate("debug-b").clean
    space.finish()
    assert (ws / "config.py").read_text() == CONFIG.replace("A = 1", "A = 5")


def test_dependent_sees_its_dependency_and_not_an_unrelated_sibling(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "dep", files={"lib/new_module.py": "VALUE = 1\n"})
    sibling_done, _ = run_task(space, "done-sibling", files={"other.txt": "sibling\n"})
    in_progress = space.task_worktree("busy-sibling", 1)
    edit(in_progress / "README.md", "# project", "# half-written")
    space.integrate("done-sibling")
    space.integrate("dep")
    path = space.task_worktree("child", 1, ["dep"])
    assert (path / "lib" / "new_module.py").read_text() == "VALUE = 1\n"
    assert not (path / "other.txt").exists()
    assert (path / "README.md").read_text() == "# project\n"
    # and a task depending on both merges both results
    both = space.task_worktree("both", 1, ["dep", "done-sibling"])
    assert (both / "other.txt").exists() and (both / "lib" / "new_module.py").exists()


def test_dependency_must_be_integrated_first(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", files={"a.txt": "a\n"})
    with pytest.raises(GitSpaceError, match="no integrated result"):
        space.task_worktree("b", 1, ["a"])


def test_failed_or_cancelled_work_never_reaches_the_user(ws, data):
    git(ws, "checkout", "-q", "-b", "feature")
    before = user_state(ws)
    space = PlanSpace.open(ws, data, "p1")
    failed, _ = run_task(space, "failed", edits=[("config.py", "A = 1", "A = 9")])
    cancelled = space.task_worktree("cancelled", 1)
    write(cancelled, {"half.py": "def f(:\n"})
    space.discard("failed", 1)
    space.discard("cancelled", 1)
    assert not failed.exists() and not cancelled.exists()
    outcome = space.finish()
    assert outcome.status == "unchanged"
    assert user_state(ws) == before


def test_commit_names_the_agent_plan_and_task(ws, data):
    space = PlanSpace.open(ws, data, "plan-42")
    path = space.task_worktree("t1", 2)
    write(path, {"x.txt": "x\n"})
    commit = space.commit_task("t1", 2, "coder", "add x\n\nbecause")
    log = git(ws, "log", "-1", "--format=%an <%ae>%n%cn%n%B", commit)
    assert log.startswith("coder <coder@agents.codelab.invalid>\ncodelab\nt1: add x")
    assert "Codelab-Plan: plan-42" in log and "Codelab-Task: t1" in log and "Codelab-Attempt: 2" in log
    assert space.commit_task("t1", 2, "coder", "again") == commit  # nothing new: same commit
    nothing = space.task_worktree("t2", 1)
    assert nothing.is_dir() and space.commit_task("t2", 1, "ask", "looked around") is None


def test_commands_output_and_ignored_files_follow_gitignore(ws, data):
    write(ws, {".gitignore": "build/\n*.log\n"})
    git(ws, "add", ".gitignore")
    git(ws, "commit", "-qm", "ignore")
    write(ws, {"build/out.bin": "x", "debug.log": "x"})
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("a", 1)
    assert not (path / "build").exists() and not (path / "debug.log").exists()
    write(path, {"build/artifact": "generated", "app.py": "print()\n"})
    space.commit_task("a", 1, "coder", "build")
    space.integrate("a")
    outcome = space.finish()
    assert [c.path for c in outcome.changes] == ["app.py"]


def test_nested_repository_is_left_out_not_linked(ws, data):
    make_repo(ws / "vendor" / "lib", {"lib.py": "x = 1\n"})
    space = PlanSpace.open(ws, data, "p1")
    assert git(ws, "ls-tree", "-r", "--name-only", space.base).splitlines() == ["README.md", "config.py"]
    path = space.task_worktree("a", 1)
    make_repo(path / "generated", {"g.py": "g = 1\n"})  # a task that runs `git init` somewhere
    write(path, {"main.py": "import lib\n"})
    space.commit_task("a", 1, "coder", "main")
    space.integrate("a")
    assert [c.path for c in space.finish().changes] == ["main.py"]


def test_read_only_view_is_shared_and_its_dependents_see_its_dependencies(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "writer", files={"w.txt": "w\n"})
    space.integrate("writer")
    view = space.read_only_view("reader", 1, ["writer"])
    assert (view / "w.txt").exists()
    assert space.read_only_view("reader2", 1, ["writer"]) == view
    after = space.task_worktree("after-reader", 1, ["reader"])
    assert (after / "w.txt").exists()


def test_resume_after_sigkill_continues_in_the_same_worktree(ws, data, tmp_path):
    before = user_state(ws)
    script = textwrap.dedent(f"""
        import os, signal
        from codelab_orchestrator.gitspace import PlanSpace
        space = PlanSpace.open({str(ws)!r}, {str(data)!r}, "p1")
        path = space.task_worktree("t", 1)
        (path / "config.py").write_text("half written by the agent\\n")
        # killed in the middle of a git write: the index lock stays behind
        admin = (path / ".git").read_text().split(": ", 1)[1].strip()
        open(os.path.join(admin, "index.lock"), "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert user_state(ws) == before  # the killed task left the user's tree as it was
    space = PlanSpace.open(ws, data, "p1")  # a new object, as after a restart
    path = space.task_worktree("t", 1)
    assert path.name == "t.1"
    assert (path / "config.py").read_text() == "half written by the agent\n"
    commit = space.commit_task("t", 1, "coder", "finish the job")  # despite the stale index.lock
    assert commit and space.integrate("t").clean


def test_stale_ref_lock_from_a_killed_process_is_handled(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", files={"a.txt": "a\n"})
    lock = ws / ".git" / "refs" / "codelab" / "p1" / "integration.lock"
    lock.write_text("")
    assert space.integrate("a").changed
    assert not lock.exists()


def test_parallel_tasks_in_threads_all_land(ws, data):
    space = PlanSpace.open(ws, data, "p1")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            run_task(space, f"t{n}", files={f"out/{n}.txt": f"{n}\n"})
            assert space.integrate(f"t{n}").clean
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(c.path for c in space.finish().changes) == [f"out/{n}.txt" for n in range(6)]


def test_worktrees_are_reused_and_pruned(ws, data):
    space = PlanSpace.open(ws, data, "p1", pool_size=1)
    run_task(space, "a", files={"a.txt": "a\n"})
    space.integrate("a")
    leftover = space.task_worktree("b", 1)
    write(leftover, {"junk/ignored.tmp": "x"})
    space.discard("b", 1)
    c = space.task_worktree("c", 1)  # the pooled worktree, cleaned
    assert not (c / "junk").exists() and not (c / "a.txt").exists()
    assert tree_digest(c) == tree_digest(ws)
    space.finish()
    listed = git(ws, "worktree", "list", "--porcelain")
    assert str(data / "gitspace" / "worktrees") not in listed
    assert listed.count("worktree ") <= 2  # the user's own, and at most one pooled


def test_opening_again_keeps_the_first_base(ws, data):
    first = PlanSpace.open(ws, data, "p1", thread_id="s1")
    write(ws, {"later.txt": "after the start\n"})
    again = PlanSpace.open(ws, data, "p1")
    assert again.base == first.base
    assert "later.txt" not in git(ws, "ls-tree", "-r", "--name-only", again.base)
    with pytest.raises(GitSpaceError, match="belongs to workspace"):
        PlanSpace.open(make_repo(ws.parent / "other"), data, "p1")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_unreadable_file_does_not_stop_the_plan(ws, data):
    secret = ws / "secret.key"
    secret.write_text("k")
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        space = PlanSpace.open(ws, data, "p1")
        run_task(space, "a", files={"a.txt": "a\n"})
        space.integrate("a")
        assert space.finish().status == "applied"
    finally:
        secret.chmod(0o600)


def test_users_hooks_never_run_and_no_git_identity_is_needed(ws, data, tmp_path, monkeypatch):
    marker = tmp_path / "hook-ran"
    hooks = ws / ".git" / "hooks"
    for name in ("post-checkout", "reference-transaction", "pre-commit", "post-commit", "post-index-change"):
        (hooks / name).write_text(f"#!/bin/sh\necho {name} >> {marker}\n")
        (hooks / name).chmod(0o755)
    empty_home = tmp_path / "empty-home"
    empty_home.mkdir()
    monkeypatch.setenv("HOME", str(empty_home))  # no ~/.gitconfig: no user.name / user.email
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty_home))
    space = PlanSpace.open(ws, data, "p1")
    run_task(space, "a", files={"a.txt": "a\n"})
    assert space.integrate("a").clean
    assert space.finish(apply=False).status == "branch"
    assert not marker.exists()


def test_a_rewritten_dot_git_file_is_never_followed(ws, data, tmp_path):
    marker = tmp_path / "ran"
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("a", 1)
    planted = path / "evil"
    git(tmp_path, "init", "-q", "--bare", str(planted))
    (planted / "config").write_text(f"[core]\n\tfsmonitor = touch {marker}\n"
                                    f"[filter \"x\"]\n\tclean = touch {marker}\n")
    (path / ".gitattributes").write_text("* filter=x\n")
    (path / ".git").write_text(f"gitdir: {planted}\n")
    with pytest.raises(GitSpaceError, match="was changed"):
        space.commit_task("a", 1, "coder", "x")
    assert not marker.exists()
