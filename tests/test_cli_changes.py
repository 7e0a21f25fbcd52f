"""``codelab diff`` and ``codelab undo`` on a plan recorded by the git layer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.gitspace import PlanSpace
from codelab_orchestrator.persistence.settings import data_dir

from .gitrepo import CONFIG, edit, make_repo, tree_digest, write

runner = CliRunner()


def finished_plan(ws: Path, apply: bool = True, plan: str = "plan-1") -> PlanSpace:
    space = PlanSpace.open(ws, data_dir(), plan, thread_id="session-1")
    path = space.task_worktree("t1", 1)
    edit(path / "config.py", "A = 1", "A = 2")
    write(path, {"docs/new.md": "hello\n"})
    space.commit_task("t1", 1, "coder", "change A")
    space.integrate("t1")
    space.finish(apply=apply)
    return space


def test_diff_prints_a_patch_that_applies(tmp_path):
    ws = make_repo(tmp_path / "ws")
    finished_plan(ws)
    result = runner.invoke(app, ["diff", "session-1"])
    assert result.exit_code == 0, result.output
    assert "+A = 2" in result.output and "docs/new.md" in result.output
    copy = make_repo(tmp_path / "copy")
    subprocess.run(["git", "apply"], input=result.output, text=True, cwd=copy, check=True)
    assert (copy / "config.py").read_text() == CONFIG.replace("A = 1", "A = 2")


def test_diff_stat_and_json(tmp_path):
    ws = make_repo(tmp_path / "ws")
    finished_plan(ws, apply=False)
    stat = runner.invoke(app, ["diff", "session-1", "--stat"])
    assert stat.exit_code == 0 and "config.py" in stat.output and "+1" in stat.output
    data = json.loads(runner.invoke(app, ["diff", "plan-1", "--json"]).output)
    assert data["outcome"] == "branch" and data["branch"] == "codelab/plan-1"
    assert {c["path"]: (c["added"], c["removed"]) for c in data["changes"]} == {
        "config.py": (1, 1), "docs/new.md": (1, 0)}


def test_undo_restores_then_refuses_a_second_time(tmp_path):
    ws = make_repo(tmp_path / "ws")
    before = tree_digest(ws)
    finished_plan(ws)
    assert tree_digest(ws) != before
    result = runner.invoke(app, ["undo", "session-1"])
    assert result.exit_code == 0, result.output
    assert "config.py" in result.output and tree_digest(ws) == before
    again = runner.invoke(app, ["undo", "session-1"])
    assert again.exit_code == 2 and "already undone" in again.output


def test_undo_refused_when_files_changed_since(tmp_path):
    ws = make_repo(tmp_path / "ws")
    finished_plan(ws)
    edit(ws / "config.py", "A = 2", "A = 3")
    result = runner.invoke(app, ["undo", "session-1"])
    assert result.exit_code == 2
    assert "changed since the plan was applied: config.py" in result.output
    assert "A = 3" in (ws / "config.py").read_text()


def test_unknown_session_is_a_clear_error():
    result = runner.invoke(app, ["diff", "nope"])
    assert result.exit_code == 2 and "no recorded changes for session 'nope'" in result.output
    assert "Traceback" not in result.output


def test_recorded_outcome_for_sessions_show(tmp_path):
    from codelab_orchestrator.cli.changes import print_outcome, recorded_outcome
    from codelab_orchestrator.cli.common import console

    ws = make_repo(tmp_path / "ws")
    finished_plan(ws, apply=False)
    outcome = recorded_outcome("session-1", "plan-1")
    assert outcome["status"] == "branch" and outcome["branch"] == "codelab/plan-1"
    assert recorded_outcome("session-1", "another-plan") is None
    with console.capture() as captured:
        print_outcome(console, outcome)
    text = captured.get()
    assert "config.py" in text and "+1" in text and "git -C" in text and "merge codelab/plan-1" in text


def test_another_users_plan_is_not_found(tmp_path):
    ws = make_repo(tmp_path / "ws")
    space = PlanSpace.open(ws, data_dir(), "plan-9", thread_id="s9", owner="ann/shop")
    space.finish()
    mine = runner.invoke(app, ["diff", "s9", "--user", "ann", "--project", "shop", "--stat"])
    assert mine.exit_code == 0, mine.output
    theirs = runner.invoke(app, ["diff", "s9", "--user", "bob", "--project", "shop"])
    assert theirs.exit_code == 2 and "no recorded changes" in theirs.output
    assert runner.invoke(app, ["undo", "s9", "-u", "bob", "-p", "shop"]).exit_code == 2
