"""Requests from a file or stdin, --plan-only then approval later, resume --last, sessions rm.

One real subprocess per feature (stdin, --plan-only, resume --last); the variations run
in-process through Typer's runner, which is the same code without the start-up cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.project import repository
from tests.scripted import writing

ROOT = Path(__file__).resolve().parents[1]
CODELAB = str(Path(sys.executable).with_name("codelab"))
PLANNED = "scripted:tests.server_script:script"  # a 3-task plan
ATOMIC = "scripted:tests.test_cli_requests:atomic"


def atomic(request):
    """One step for the coder; the task echoes the size of the request it was given."""
    if "ClassificationOutput" in request.tools:
        return {"agent": "coder", "is_atomic": True, "confidence": "high"}
    return writing(lambda r: f"request of {len(r.prompt.split('Your task (t1):', 1)[-1])} "
                             "characters")(request)


@pytest.fixture
def env(monkeypatch) -> dict[str, str]:
    """LLM routing for the default project, set in-process; subprocesses inherit the environment."""
    monkeypatch.syspath_prepend(str(ROOT))
    repository().project_agents("local", "local")
    repository().update("local", "local", "orchestrator", config={"routing_strategy": "llm"})
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def invoke(monkeypatch, *args: str, stdin: str | None = None, model: str = PLANNED):
    """The same command in-process (Typer's runner)."""
    monkeypatch.setenv("CODELAB_MODEL", model)
    return CliRunner().invoke(app, list(args), input=stdin)


def codelab(env: dict, *args: str, stdin: str | None = None, model: str = PLANNED
            ) -> subprocess.CompletedProcess:
    return subprocess.run([CODELAB, *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          input=stdin, env={**env, "CODELAB_MODEL": model})


def final(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")][-1]


def test_long_request_from_a_file_and_from_stdin(env, tmp_path, monkeypatch):
    request = "Refactor the parser.\n" + "Keep \"quotes\", 'apostrophes' and $VARS as they are.\n" * 4000
    assert len(request.encode()) > 200 * 1024  # more than an argument may carry
    piped = codelab(env, "run", "-", "-w", str(tmp_path), "--json", stdin=request, model=ATOMIC)
    assert final(piped)["status"] == "completed", piped.stderr[-2000:]
    path = tmp_path / "request.md"
    path.write_text(request)
    for args, stdin in ((["-f", str(path)], None), (["-f", "-"], request)):
        result = invoke(monkeypatch, "run", *args, "-w", str(tmp_path), "--json", stdin=stdin, model=ATOMIC)
        assert result.exit_code == 0, result.output[-2000:]
    sessions = json.loads(invoke(monkeypatch, "sessions", "list", "--json").output)
    assert len(sessions) == 3
    for session in sessions:  # the whole request reached the session, quotes and all
        shown = json.loads(invoke(monkeypatch, "sessions", "show", session["thread_id"], "--json").output)
        assert shown["history"][0] == {"role": "human", "content": request.strip()}


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["-f", "missing.md"], None, "--file missing.md: no such file"),
    (["-f", "."], None, "--file .: is a directory"),
    (["x", "-f", "README.md"], None, "give the request once"),
    ([], None, "no request"),
    (["-"], "   \n", "the request is empty"),
    (["--plan-only", "--yes", "x"], None, "--plan-only stops before anything runs"),
])
def test_request_mistakes(env, monkeypatch, args, stdin, message):
    monkeypatch.chdir(ROOT)
    result = invoke(monkeypatch, "run", *args, stdin=stdin)
    assert result.exit_code == 2 and message in result.output, result.output


def test_plan_only_then_approve_later(env, tmp_path, monkeypatch):
    shown = codelab(env, "run", "build the thing", "-w", str(tmp_path), "--plan-only", "--thread", "p1")
    assert shown.returncode == 0, shown.stderr[-2000:]
    out = shown.stdout
    assert "estimated cost: 0.0250" in out and "a, b" in out  # the plan with its dependencies
    assert "codelab resume p1 --answer approve" in out
    state = json.loads(invoke(monkeypatch, "sessions", "show", "p1", "--json").output)
    assert state["waiting_for_approval"] and {t["status"] for t in state["plan"]["tasks"]} == {"pending"}

    done = invoke(monkeypatch, "resume", "--last", "--answer", "approve", "--json")
    last = json.loads(done.output.splitlines()[-1])
    assert last["status"] == "completed" and last["thread_id"] == "p1"


def test_plan_only_stops_a_one_step_request_too(env, tmp_path, monkeypatch):
    shown = invoke(monkeypatch, "run", "fix it", "-w", str(tmp_path), "--plan-only", "--json", model=ATOMIC)
    assert shown.exit_code == 0, shown.output[-2000:]
    events = [json.loads(x) for x in shown.output.splitlines() if x.startswith("{")]
    assert events[-1]["event"] == "waiting_for_approval"
    assert not any(e["event"] == "task_started" for e in events)
    thread = events[-1]["thread_id"]
    rejected = invoke(monkeypatch, "resume", thread, "--answer", "reject", "--json", model=ATOMIC)
    assert json.loads(rejected.output.splitlines()[-1])["status"] == "cancelled"


def test_resume_last_and_sessions_rm(env, tmp_path, monkeypatch):
    assert invoke(monkeypatch, "resume", "--last").exit_code == 2  # no sessions yet
    for thread in ("s1", "s2"):
        ran = invoke(monkeypatch, "run", "x", "-w", str(tmp_path), "--thread", thread, "--json", model=ATOMIC)
        assert ran.exit_code == 0, ran.output[-2000:]
    again = codelab(env, "resume", "--last", model=ATOMIC)  # a real process finds the newest
    assert again.returncode == 0 and "session s2 has nothing left to run" in again.stdout
    both = invoke(monkeypatch, "resume", "s1", "--last")
    assert both.exit_code == 2 and "codelab resume THREAD, or codelab resume --last" in both.output

    missing = invoke(monkeypatch, "sessions", "rm", "s2", "nope")
    assert missing.exit_code == 2 and "no session 'nope'" in missing.output
    assert "nothing deleted" in missing.output
    removed = codelab(env, "sessions", "rm", "s2")
    assert removed.returncode == 0 and "deleted 1 session(s): s2" in removed.stdout
    listed = json.loads(invoke(monkeypatch, "sessions", "list", "--json").output)
    assert [s["thread_id"] for s in listed] == ["s1"]
    assert invoke(monkeypatch, "sessions", "show", "s2").exit_code == 2
    assert "session s1" in invoke(monkeypatch, "resume", "--last", model=ATOMIC).output
