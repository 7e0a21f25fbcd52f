"""Requests from a file or stdin, --plan-only then approval later, resume --last, sessions rm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODELAB = str(Path(sys.executable).with_name("codelab"))
PLANNED = "scripted:tests.server_script:script"  # a 3-task plan
ATOMIC = "scripted:tests.test_cli_requests:atomic"


def atomic(request):
    """One step for the coder; the task echoes the size of the request it was given."""
    if "ClassificationOutput" in request.tools:
        return {"agent": "coder", "is_atomic": True, "confidence": "high"}
    return f"request of {len(request.prompt.split('Your task (t1):', 1)[-1])} characters"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "CODELAB_HOME": str(tmp_path / "home")}
    subprocess.run([CODELAB, "agents", "update", "orchestrator", "-c", '{"routing_strategy": "llm"}'],
                   env=env, check=True, capture_output=True)
    return env


def codelab(env: dict, *args: str, stdin: str | None = None, model: str = PLANNED
            ) -> subprocess.CompletedProcess:
    return subprocess.run([CODELAB, *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          input=stdin, env={**env, "CODELAB_MODEL": model})


def final(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")][-1]


def test_long_request_from_a_file_and_from_stdin(env, tmp_path):
    request = "Refactor the parser.\n" + "Keep \"quotes\", 'apostrophes' and $VARS as they are.\n" * 4000
    assert len(request.encode()) > 200 * 1024  # more than an argument may carry
    path = tmp_path / "request.md"
    path.write_text(request)
    for args, stdin in ((["-f", str(path)], None), (["-"], request), (["-f", "-"], request)):
        result = codelab(env, "run", *args, "-w", str(tmp_path), "--json", stdin=stdin, model=ATOMIC)
        assert final(result)["status"] == "completed", result.stderr[-2000:]
    shown = json.loads(codelab(env, "sessions", "list", "--json").stdout)
    assert len(shown) == 3 and all(s["last_request"] == request.strip() for s in shown)


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["-f", "missing.md"], None, "--file missing.md: no such file"),
    (["-f", "."], None, "--file .: is a directory"),
    (["x", "-f", "README.md"], None, "give the request once"),
    ([], None, "no request"),
    (["-"], "   \n", "the request is empty"),
    (["--plan-only", "--yes", "x"], None, "--plan-only stops before anything runs"),
])
def test_request_mistakes(env, args, stdin, message):
    result = codelab(env, "run", *args, stdin=stdin)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_plan_only_then_approve_later(env, tmp_path):
    shown = codelab(env, "run", "build the thing", "-w", str(tmp_path), "--plan-only", "--thread", "p1")
    assert shown.returncode == 0, shown.stderr[-2000:]
    out = shown.stdout
    assert "estimated cost: 0.0250" in out and "a, b" in out  # the plan with its dependencies
    assert "codelab resume p1 --answer approve" in out
    state = json.loads(codelab(env, "sessions", "show", "p1", "--json").stdout)
    assert state["waiting_for_approval"] and {t["status"] for t in state["plan"]["tasks"]} == {"pending"}

    done = codelab(env, "resume", "--last", "--answer", "approve", "-w", str(tmp_path), "--json")
    assert final(done)["status"] == "completed" and final(done)["thread_id"] == "p1"


def test_plan_only_stops_a_one_step_request_too(env, tmp_path):
    shown = codelab(env, "run", "fix it", "-w", str(tmp_path), "--plan-only", "--json", model=ATOMIC)
    assert shown.returncode == 0, shown.stderr[-2000:]
    events = [json.loads(x) for x in shown.stdout.splitlines()]
    assert events[-1]["event"] == "waiting_for_approval"
    assert not any(e["event"] == "task_started" for e in events)
    thread = events[-1]["thread_id"]
    rejected = codelab(env, "resume", thread, "--answer", "reject", "-w", str(tmp_path), "--json",
                       model=ATOMIC)
    assert final(rejected)["status"] == "cancelled"


def test_resume_last_and_sessions_rm(env, tmp_path):
    assert codelab(env, "resume", "--last").returncode == 2  # no sessions yet
    for thread in ("s1", "s2"):
        assert codelab(env, "run", "x", "-w", str(tmp_path), "--thread", thread, "--json",
                       model=ATOMIC).returncode == 0
    again = codelab(env, "resume", "--last", model=ATOMIC)
    assert again.returncode == 0 and "session s2 has nothing left to run" in again.stdout
    both = codelab(env, "resume", "s1", "--last")
    assert both.returncode == 2 and "codelab resume THREAD, or codelab resume --last" in both.stderr

    missing = codelab(env, "sessions", "rm", "s2", "nope")
    assert missing.returncode == 2 and "no session 'nope'" in missing.stderr and "nothing deleted" in missing.stderr
    removed = codelab(env, "sessions", "rm", "s2")
    assert removed.returncode == 0 and "deleted 1 session(s): s2" in removed.stdout
    listed = json.loads(codelab(env, "sessions", "list", "--json").stdout)
    assert [s["thread_id"] for s in listed] == ["s1"]
    assert codelab(env, "sessions", "show", "s2").returncode == 2
    assert "session s1" in codelab(env, "resume", "--last", model=ATOMIC).stdout
