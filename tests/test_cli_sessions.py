"""One run at a time per session, and sessions scoped to their user and project, through the
real ``codelab`` CLI (separate processes where concurrency matters), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.persistence.sessions import SessionStore

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "scripted:tests.session_script:script"  # a task that waits for $CODELAB_TEST_GATE
runner = CliRunner()


@pytest.fixture
def gated(database_url, monkeypatch, tmp_path):
    """A project whose one task waits for a gate file; returns (gate, log, workspace)."""
    monkeypatch.setenv("CODELAB_MODEL", SCRIPT)
    monkeypatch.setenv("CODELAB_TEST_GATE", str(tmp_path / "gate"))
    monkeypatch.setenv("CODELAB_TEST_LOG", str(tmp_path / "tasks.log"))
    monkeypatch.syspath_prepend(str(ROOT))
    assert runner.invoke(app, ["agents", "update", "orchestrator", "-c",
                               '{"routing_strategy": "llm"}']).exit_code == 0
    workspace = tmp_path / "ws"
    workspace.mkdir()
    return tmp_path / "gate", tmp_path / "tasks.log", workspace


def start(*args: str) -> subprocess.Popen:
    exe = str(Path(sys.executable).with_name("codelab"))
    return subprocess.Popen([exe, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_for(condition, what: str, proc: subprocess.Popen | None = None, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"{what}: the process ended first: {proc.communicate()}")
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.05)


def started(log: Path) -> int:
    return log.read_text().count("started") if log.exists() else 0


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_a_second_run_on_a_busy_session_is_refused_or_waits_then_continues(gated):
    gate, log, ws = gated
    first = start("run", "first request", "--thread", "busy", "-w", str(ws), "--json")
    try:
        wait_for(lambda: started(log) == 1, "the first run's task started", first)
        listed = json.loads(runner.invoke(app, ["sessions", "list", "--json"]).output)
        assert [(s["thread_id"], s["state"], s["running"]) for s in listed] == [
            ("busy", "running", True)]
        assert listed[0]["holder"] == f"pid {first.pid} on {os.uname().nodename}"

        refused = runner.invoke(app, ["run", "second request", "--thread", "busy"])
        assert refused.exit_code == 4, refused.output
        assert f"session busy is already running (pid {first.pid}" in refused.output
        assert "--wait" in refused.output and "Traceback" not in refused.output
        refused = runner.invoke(app, ["resume", "busy"])
        assert refused.exit_code == 4 and "already running" in refused.output

        # --wait, in this process (a thread: one interpreter start less) while the first runs
        waited: list = []
        waiter = threading.Thread(target=lambda: waited.append(runner.invoke(
            app, ["run", "second request", "--thread", "busy", "--wait", "--json"])))
        waiter.start()
        time.sleep(1.0)
        assert waiter.is_alive() and started(log) == 1  # waiting, nothing run
        gate.touch()
        waiter.join(120)
        assert waited and waited[0].exit_code == 0, waited and waited[0].output
        kinds = [e["event"] for e in events(waited[0].output)]
        assert kinds[0] == "waiting_for_session" and kinds[-1] == "final"
        assert events(waited[0].output)[-1]["status"] == "completed"
    finally:
        gate.touch()
        first_out, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err[-2000:]
    assert started(log) == 2  # one task per request, each run once

    shown = json.loads(runner.invoke(app, ["sessions", "show", "busy", "--json"]).output)
    assert [m["content"] for m in shown["history"] if m["role"] == "human"] == [
        "first request", "second request"]
    session = SessionStore().require("busy", user_id="local", project_id="local")
    assert (session.running, session.status, session.last_request) == (
        False, "completed", "second request")


def test_a_sigkilled_run_does_not_block_an_immediate_resume(gated):
    gate, log, ws = gated
    doomed = start("run", "build it", "--thread", "killed", "-w", str(ws), "--json")
    wait_for(lambda: started(log) == 1, "the task started", doomed)
    time.sleep(0.3)  # let the checkpoint recording the running task land
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    gate.touch()
    shown = SessionStore().require("killed", user_id="local", project_id="local")
    assert shown.state == "interrupted" and not shown.running

    began = time.monotonic()
    resumed = runner.invoke(app, ["resume", "killed", "--json"])
    assert resumed.exit_code == 0, resumed.output
    assert time.monotonic() - began < 15  # not held up by the dead run's lease TTL
    assert events(resumed.output)[-1]["status"] == "completed"
    assert SessionStore().require("killed", user_id="local", project_id="local").state == "completed"


def test_sessions_of_another_user_or_project_are_invisible(gated):
    gate, _log, ws = gated
    gate.touch()
    assert runner.invoke(app, ["run", "ann's secret", "--thread", "ann-t", "-w", str(ws),
                               "-u", "ann", "--json"]).exit_code == 0
    assert runner.invoke(app, ["agents", "update", "orchestrator", "-c",
                               '{"routing_strategy": "llm"}', "-u", "bob"]).exit_code == 0
    assert runner.invoke(app, ["run", "bob's", "--thread", "bob-t", "-w", str(ws), "-u", "bob",
                               "--json"]).exit_code == 0

    ann = json.loads(runner.invoke(app, ["sessions", "list", "-u", "ann", "--json"]).output)
    assert [(s["thread_id"], s["last_request"], s["state"]) for s in ann] == [
        ("ann-t", "ann's secret", "completed")]
    bob = json.loads(runner.invoke(app, ["sessions", "list", "-u", "bob", "--json"]).output)
    assert [s["thread_id"] for s in bob] == ["bob-t"]
    assert json.loads(runner.invoke(app, ["sessions", "list", "-u", "ann", "-p", "other",
                                          "--json"]).output) == []

    for attempt in (["sessions", "show", "ann-t", "-u", "bob"],
                    ["sessions", "show", "ann-t", "-u", "ann", "-p", "other"],
                    ["resume", "ann-t", "-u", "bob"],
                    ["run", "continue ann's", "--thread", "ann-t", "-u", "bob"],
                    ["run", "continue ann's", "--thread", "ann-t", "-u", "bob", "--wait"]):
        result = runner.invoke(app, attempt)
        assert result.exit_code == 2, (attempt, result.output)
        assert "no session 'ann-t' in bob/local" in result.output or "in ann/other" in result.output
        assert "secret" not in result.output and "Traceback" not in result.output
    shown = json.loads(runner.invoke(app, ["sessions", "show", "ann-t", "-u", "ann", "--json"]).output)
    assert [m["content"] for m in shown["history"] if m["role"] == "human"] == ["ann's secret"]
