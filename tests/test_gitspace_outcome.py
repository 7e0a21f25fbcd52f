"""The git layer, outcome side: what reaches the user's workspace, branches, undo, no-git folders."""

from __future__ import annotations

import subprocess
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


def one_task_plan(ws: Path, data: Path, plan: str = "p1", **task_edits) -> PlanSpace:
    space = PlanSpace.open(ws, data, plan, thread_id="thread-1")
    path = space.task_worktree("t", 1)
    for name, (old, new) in task_edits.items():
        edit(path / name.replace("__", "."), old, new)
    write(path, {"added.txt": "new file\n"})
    space.commit_task("t", 1, "coder", "change")
    assert space.integrate("t").clean
    return space


def test_users_uncommitted_work_branch_index_and_stash_are_untouched(ws, data):
    git(ws, "checkout", "-q", "-b", "feature")
    write(ws, {"notes.md": "stash me\n"})
    git(ws, "add", "notes.md")
    git(ws, "stash", "-q")
    edit(ws / "README.md", "# project", "# project (being edited)")  # unstaged
    write(ws, {"staged.py": "s = 1\n"})
    git(ws, "add", "staged.py")                                       # staged
    write(ws, {"scratch.txt": "untracked\n"})                         # untracked
    before = user_state(ws)
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    assert user_state(ws) == before  # nothing visible until the plan ends
    outcome = space.finish()
    assert outcome.status == "applied"
    after = user_state(ws)
    for key in ("index", "HEAD", "branches", "stash"):
        assert after[key] == before[key], key
    assert (ws / "README.md").read_text() == "# project (being edited)\n"
    assert (ws / "staged.py").read_text() == "s = 1\n" and (ws / "scratch.txt").exists()
    assert "A = 2" in (ws / "config.py").read_text() and (ws / "added.txt").exists()
    # the plan's base included the uncommitted work, so its tasks saw it
    assert "staged.py" in git(ws, "ls-tree", "-r", "--name-only", space.base)


def test_apply_refused_when_the_workspace_changed_keeps_a_mergeable_branch(ws, data):
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    edit(ws / "config.py", "z = 0", "z = 7")  # the user edits a file the plan changes
    before = tree_digest(ws)
    outcome = space.finish()
    assert outcome.status == "branch" and outcome.branch == "codelab/p1"
    assert "config.py" in outcome.reason
    assert tree_digest(ws) == before  # nothing overwritten
    assert f"git -C {ws} merge codelab/p1" == outcome.merge_command
    assert "codelab/p1" in outcome.summary() and outcome.merge_command in outcome.summary()
    git(ws, "commit", "-qam", "my own change")
    subprocess.run(outcome.merge_command + " -q -m merge", shell=True, check=True,
                   capture_output=True, env={"GIT_AUTHOR_NAME": "u", "GIT_AUTHOR_EMAIL": "u@x",
                                             "GIT_COMMITTER_NAME": "u", "GIT_COMMITTER_EMAIL": "u@x",
                                             "PATH": "/usr/bin:/bin:/usr/local/bin"})
    text = (ws / "config.py").read_text()
    assert "A = 2" in text and "z = 7" in text and (ws / "added.txt").exists()
    assert space.finish() == outcome  # finishing again reports the same outcome


def test_an_unrelated_edit_in_the_workspace_does_not_block_apply(ws, data):
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    edit(ws / "README.md", "# project", "# mine")
    assert space.finish().status == "applied"
    assert (ws / "README.md").read_text() == "# mine\n"


def test_no_apply_keeps_the_result_on_a_branch_only(ws, data):
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    before = tree_digest(ws)
    outcome = space.finish(apply=False)
    assert outcome.status == "branch" and "--no-apply" in outcome.reason
    assert tree_digest(ws) == before
    assert "A = 2" in git(ws, "show", "codelab/p1:config.py")
    assert git(ws, "rev-parse", "codelab/p1^") == git(ws, "rev-parse", "HEAD")


def test_branch_of_a_plan_started_on_uncommitted_work_holds_only_the_plans_change(ws, data):
    edit(ws / "README.md", "# project", "# uncommitted title")
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    outcome = space.finish(apply=False)
    assert git(ws, "rev-parse", "codelab/p1^") == git(ws, "rev-parse", "HEAD")
    changed = git(ws, "diff", "--name-only", "HEAD", "codelab/p1").splitlines()
    assert sorted(changed) == ["added.txt", "config.py"]
    assert outcome.merge_command.endswith("merge codelab/p1")


def test_undo_restores_the_tree_and_refuses_after_edits(ws, data):
    edit(ws / "README.md", "# project", "# uncommitted")
    before = tree_digest(ws)
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    assert space.finish().status == "applied"
    assert tree_digest(ws) != before
    undone = PlanSpace.load(data, "p1").undo()
    assert sorted(c.path for c in undone.restored) == ["added.txt", "config.py"]
    assert tree_digest(ws) == before
    with pytest.raises(GitSpaceError, match="already undone"):
        space.undo()

    second = one_task_plan(ws, data, "p2", config__py=("B = 1", "B = 2"))
    second.finish()
    edit(ws / "config.py", "B = 2", "B = 3")
    with pytest.raises(GitSpaceError, match="changed since the plan was applied: config.py"):
        second.undo()
    assert "B = 3" in (ws / "config.py").read_text()


def test_undo_of_a_plan_that_was_not_applied_is_refused(ws, data):
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    space.finish(apply=False)
    with pytest.raises(GitSpaceError, match="on branch codelab/p1"):
        space.undo()


def test_workspace_without_git_works_the_same_and_gains_no_dot_git(tmp_path, data):
    ws = tmp_path / "plain"
    write(ws, {"config.py": CONFIG, "node_modules/pkg/index.js": "x", "data.bin": bytes(range(256))})
    before = tree_digest(ws)
    space = PlanSpace.open(ws, data, "p1")
    a = space.task_worktree("a", 1)
    b = space.task_worktree("b", 1)
    assert not (a / "node_modules").exists()  # heavy machine-made folders stay out
    edit(a / "config.py", "A = 1", "A = 2")
    edit(b / "config.py", "B = 1", "B = 2")
    (b / "data.bin").write_bytes(bytes(range(255, -1, -1)))
    space.commit_task("a", 1, "coder", "A")
    space.commit_task("b", 1, "coder", "B")
    assert space.integrate("a").clean and space.integrate("b").clean
    outcome = space.finish()
    assert outcome.status == "applied"
    assert {c.path: c.binary for c in outcome.changes} == {"config.py": False, "data.bin": True}
    assert (ws / "data.bin").read_bytes() == bytes(range(255, -1, -1))
    assert "A = 2" in (ws / "config.py").read_text() and "B = 2" in (ws / "config.py").read_text()
    assert not (ws / ".git").exists()
    assert not list(ws.rglob(".git"))
    space.undo()
    assert tree_digest(ws) == before


def test_workspace_without_git_keeps_a_branch_with_a_working_command(tmp_path, data):
    ws = tmp_path / "plain folder (with spaces)"
    write(ws, {"config.py": CONFIG})
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("a", 1)
    edit(path / "config.py", "A = 1", "A = 2")
    space.commit_task("a", 1, "coder", "A")
    space.integrate("a")
    outcome = space.finish(apply=False)
    assert outcome.status == "branch" and "--git-dir=" in outcome.merge_command
    subprocess.run(outcome.merge_command, shell=True, check=True, capture_output=True)
    assert "A = 2" in (ws / "config.py").read_text() and not (ws / ".git").exists()


def test_repository_without_commits(tmp_path, data):
    ws = make_repo(tmp_path / "fresh", commit=False)
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    assert space.finish().status == "applied"
    assert "A = 2" in (ws / "config.py").read_text()
    assert git(ws, "rev-parse", "-q", "--verify", "HEAD", check=False) == ""  # still no commit


def test_user_in_the_middle_of_a_merge_keeps_it(ws, data):
    git(ws, "checkout", "-q", "-b", "other")
    edit(ws / "config.py", "A = 1", "A = 10")
    git(ws, "commit", "-qam", "other")
    git(ws, "checkout", "-q", "main")
    edit(ws / "config.py", "A = 1", "A = 20")
    git(ws, "commit", "-qam", "main")
    git(ws, "merge", "other", check=False)
    assert (ws / ".git" / "MERGE_HEAD").exists()
    before = user_state(ws)
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("a", 1)
    assert "<<<<<<<" in (path / "config.py").read_text()  # the base is the content, markers included
    write(path, {"fix.md": "later\n"})
    space.commit_task("a", 1, "coder", "note")
    space.integrate("a")
    assert space.finish().status == "applied"
    after = user_state(ws)
    assert (ws / ".git" / "MERGE_HEAD").exists()
    assert after["index"] == before["index"] and after["HEAD"] == before["HEAD"]


def test_autocrlf_round_trip_keeps_line_endings(tmp_path, data):
    ws = tmp_path / "crlf"
    ws.mkdir()
    git(ws, "init", "-q")
    git(ws, "config", "core.autocrlf", "true")
    write(ws, {"a.txt": "one\ntwo\n", "b.txt": "keep\n"})
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "i")
    (ws / "a.txt").unlink()
    (ws / "b.txt").unlink()
    git(ws, "checkout", "-q", "--", ".")
    assert (ws / "a.txt").read_bytes() == b"one\r\ntwo\r\n"
    b_before = (ws / "b.txt").read_bytes()
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("t", 1)
    (path / "a.txt").write_bytes(b"one\r\nTWO\r\n")
    space.commit_task("t", 1, "coder", "upper")
    assert git(ws, "show", f"{space.integrate('t').integration}:a.txt") == "one\nTWO"
    assert [c.path for c in space.finish().changes] == ["a.txt"]
    assert (ws / "a.txt").read_bytes() == b"one\r\nTWO\r\n"
    assert (ws / "b.txt").read_bytes() == b_before


def test_diff_is_a_patch_git_apply_takes(ws, data, tmp_path):
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    patch = space.diff()
    assert "+A = 2" in patch and "added.txt" in patch
    copy = make_repo(tmp_path / "copy")
    subprocess.run(["git", "apply"], input=patch, text=True, cwd=copy, check=True)
    assert (copy / "config.py").read_text() == CONFIG.replace("A = 1", "A = 2")
    assert (copy / "added.txt").read_text() == "new file\n"


def test_an_untracked_file_in_the_way_is_not_overwritten(ws, data):
    write(ws, {".gitignore": "*.out\n"})
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("t", 1)
    write(path, {"result.out": "from the plan\n"})
    (path / ".gitignore").write_text("")  # the task stops ignoring it, so it is committed
    space.commit_task("t", 1, "coder", "output")
    space.integrate("t")
    write(ws, {"result.out": "the user's own, ignored\n"})
    outcome = space.finish()
    assert outcome.status == "branch" and "result.out" in outcome.reason
    assert (ws / "result.out").read_text() == "the user's own, ignored\n"


def test_deleted_and_oddly_named_files_apply_and_undo(ws, data):
    odd = "caf\u00e9 \u2014 notes.txt"
    space = PlanSpace.open(ws, data, "plan one/\u00fc")
    path = space.task_worktree("t", 1)
    (path / "README.md").unlink()
    write(path, {odd: "accents\n", "bin/run.sh": "#!/bin/sh\n"})
    (path / "bin" / "run.sh").chmod(0o755)
    space.commit_task("t", 1, "coder", "odd")
    space.integrate("t")
    before = tree_digest(ws)
    outcome = space.finish()
    assert outcome.status == "applied"
    assert not (ws / "README.md").exists() and (ws / odd).read_text() == "accents\n"
    assert (ws / "bin" / "run.sh").stat().st_mode & 0o111
    assert {c.path: c.status for c in outcome.changes}["README.md"] == "deleted"
    space.undo()
    assert tree_digest(ws) == before


def test_data_directory_inside_the_workspace_is_left_out(ws):
    data = ws / ".codelab"
    space = PlanSpace.open(ws, data, "p1")
    path = space.task_worktree("t", 1)
    assert not (path / ".codelab").exists()
    write(path, {"x.txt": "x\n"})
    space.commit_task("t", 1, "coder", "x")
    space.integrate("t")
    assert [c.path for c in space.finish().changes] == ["x.txt"]


def test_a_user_branch_named_codelab_does_not_lose_the_result(ws, data):
    git(ws, "branch", "codelab")  # refs/heads/codelab blocks refs/heads/codelab/<plan>
    space = one_task_plan(ws, data, config__py=("A = 1", "A = 2"))
    outcome = space.finish(apply=False)
    assert outcome.status == "branch" and outcome.branch == "codelab/p1/integration"
    assert "A = 2" in git(ws, "show", f"{outcome.branch}:config.py")
    assert "apply" in outcome.merge_command
