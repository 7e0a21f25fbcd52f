"""`codelab run/resume/sessions/demo/graph` through Typer's runner and as real subprocesses."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from tests.helpers import written_anywhere

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
SCRIPTED = "scripted:tests.server_script:script"  # 3-task plan, see server_script.py
LLM_ROUTING = '{"routing_strategy": "llm"}'  # the scripted classifier decides, not the local router


def codelab(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    exe = str(Path(sys.executable).with_name("codelab"))
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_no_model_configured_is_one_clear_message(tmp_path):
    result = runner.invoke(app, ["run", "fix the bug", "-w", str(tmp_path)])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.output and "OPENAI_BASE_URL" in result.output
    assert "CODELAB_MODEL" in result.output and "Traceback" not in result.output


def test_bad_usage_exits_2(tmp_path):
    assert runner.invoke(app, ["run", "  "]).exit_code == 2
    assert runner.invoke(app, ["run", "x", "-w", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(app, ["resume", "no-such-thread"]).exit_code == 2


def test_run_json_in_a_subprocess_then_sessions(tmp_path):
    env = {"CODELAB_MODEL": SCRIPTED}
    assert codelab("agents", "update", "orchestrator", "-c", LLM_ROUTING, env=env).returncode == 0
    result = codelab("run", "build the thing", "-w", str(tmp_path), "--thread", "t-json", "--json", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    parsed = events(result.stdout)
    kinds = [e["event"] for e in parsed]
    assert kinds[0] == "classified" and kinds[-1] == "final"
    assert kinds.count("task_done") == 3 and "plan_completed" in kinds
    assert parsed[-1]["status"] == "completed" and parsed[-1]["thread_id"] == "t-json"

    listed = json.loads(codelab("sessions", "list", "--json", env=env).stdout)
    assert [(s["thread_id"], s["state"], s["last_request"]) for s in listed] == [
        ("t-json", "completed", "build the thing")]
    shown = json.loads(codelab("sessions", "show", "t-json", "--json", env=env).stdout)
    assert [t["status"] for t in shown["plan"]["tasks"]] == ["done"] * 3
    assert shown["history"][0] == {"role": "human", "content": "build the thing"}
    text = codelab("sessions", "show", "t-json", env=env).stdout
    assert "result of c" in text


def test_run_with_live_table_through_typer(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", SCRIPTED)
    monkeypatch.syspath_prepend(str(ROOT))
    runner.invoke(app, ["agents", "update", "orchestrator", "-c", LLM_ROUTING])
    result = runner.invoke(app, ["run", "build the thing", "-w", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "classified" in result.output and "completed" in result.output
    assert re.search(r"\ba\s+coder\s+done\s", result.output)


def test_approval_waits_then_resume_answers(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", SCRIPTED)
    monkeypatch.syspath_prepend(str(ROOT))
    assert runner.invoke(app, ["agents", "update", "orchestrator", "-c",
                               '{"approval_threshold_tasks": 2, "routing_strategy": "llm"}']).exit_code == 0
    waiting = runner.invoke(app, ["run", "build", "-w", str(tmp_path), "--thread", "t-appr", "--json"])
    assert waiting.exit_code == 3
    assert events(waiting.output)[-1] == {"event": "waiting_for_approval", "thread_id": "t-appr",
                                          "plan_id": events(waiting.output)[-1]["plan_id"]}
    done = runner.invoke(app, ["resume", "t-appr", "--answer", "approve", "-w", str(tmp_path), "--json"])
    assert done.exit_code == 0, done.output
    assert events(done.output)[-1]["status"] == "completed"
    again = runner.invoke(app, ["resume", "t-appr"])
    assert again.exit_code == 0 and "nothing left to run" in again.output
    yes = runner.invoke(app, ["run", "build", "-w", str(tmp_path), "--yes", "--json"])
    assert yes.exit_code == 0 and events(yes.output)[-1]["status"] == "completed"


def test_failed_plan_exits_1(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", "scripted:tests.test_cli_run:always_fails")
    monkeypatch.syspath_prepend(str(ROOT))
    runner.invoke(app, ["agents", "update", "orchestrator", "-c", '{"max_task_attempts": 1}'])
    result = runner.invoke(app, ["run", "x", "-w", str(tmp_path), "--json"])
    assert result.exit_code == 1 and events(result.output)[-1]["status"] == "failed"


def always_fails(request):
    if "ClassificationOutput" in request.tools:
        return {"agent": "coder", "is_atomic": True}
    raise RuntimeError("model is down")


@pytest.mark.slow
def test_demo_runs_offline_shows_the_whole_flow_and_keeps_its_directory(tmp_path):
    target = tmp_path / "demo"
    result = codelab("demo", str(target), timeout=60, env={"CODELAB_MODEL": "openai:elsewhere",
                                                           "CODELAB_MAX_PARALLEL_AGENTS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "built-in scripted model" in out
    assert "needs a plan" in out and "plan" in out
    assert "failed fix" in out and "retry fix" in out
    assert "Done:" in out and re.search(r"calc.py\s+│\s+modified\s+│\s+\+2", out)
    assert re.search(r"tests/test_calc.py\s+│\s+added", out)
    assert '+        raise ValueError("cannot divide by zero")' in out
    # Kept, and said where; then the three commands for one's own project.
    assert f"The demo is kept in {target}" in out
    assert 'raise ValueError("cannot divide by zero")' in (target / "project" / "calc.py").read_text()
    assert "1. export OPENAI_API_KEY=" in out and "2. codelab config show" in out
    assert '3. codelab run "' in out
    look = re.search(r"CODELAB_HOME=(\S+) codelab sessions show (\S+) -u demo -p calc", out)
    shown = codelab("sessions", "show", look.group(2), "-u", "demo", "-p", "calc", "--json",
                    env={"CODELAB_HOME": look.group(1)})
    assert json.loads(shown.stdout)["plan"]["status"] == "completed"
    # A directory with something in it is refused, and left as it was.
    again = codelab("demo", str(target))
    assert again.returncode == 2 and "is not an empty directory" in again.stderr
    assert (target / "project" / "calc.py").exists()


def test_graph_command_matches_readme():
    mermaid = runner.invoke(app, ["graph"]).output.strip()
    assert "execute_task" in mermaid
    readme = (ROOT / "README.md").read_text()
    assert mermaid in readme, "README's Mermaid diagram is out of date: paste `codelab graph` into it"


def test_readme_embedding_snippet_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", SCRIPTED)
    monkeypatch.syspath_prepend(str(ROOT))
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("## Embedding it in Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    snippet = snippet.replace('"/path/to/project"', repr(str(tmp_path)))
    exec(compile(snippet, "README.md", "exec"), {})  # noqa: S102 - the README's own example


def test_no_enabled_specialist_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", SCRIPTED)
    monkeypatch.syspath_prepend(str(ROOT))
    for name in ("architect", "coder", "debug", "ask"):
        assert runner.invoke(app, ["agents", "update", name, "--status", "disabled"]).exit_code == 0
    result = runner.invoke(app, ["run", "x", "-w", str(tmp_path)])
    assert result.exit_code == 2 and "no enabled specialist agent" in result.output


def test_bad_edited_plan_answer_is_used_once_and_session_stays_resumable(monkeypatch, tmp_path):
    monkeypatch.setenv("CODELAB_MODEL", SCRIPTED)
    monkeypatch.syspath_prepend(str(ROOT))
    runner.invoke(app, ["agents", "update", "orchestrator", "-c", '{"approval_threshold_tasks": 2, "routing_strategy": "llm"}'])
    assert runner.invoke(app, ["run", "b", "-w", str(tmp_path), "--thread", "t-e", "--json"]).exit_code == 3
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({"tasks": [{"id": "x", "description": "d", "agent": "coder",
                                          "dependencies": ["nope"]}]}))
    again = runner.invoke(app, ["resume", "t-e", "--answer", f"@{bad}", "--json", "-w", str(tmp_path)])
    assert again.exit_code == 2  # checked before it is sent: the problem is printed, nothing sent
    assert "task 'x' depends on unknown task 'nope'" in again.output
    assert "still waiting" in again.output
    assert runner.invoke(app, ["resume", "t-e", "--answer", "@/missing.json"]).exit_code == 2
    done = runner.invoke(app, ["resume", "t-e", "--yes", "--json", "-w", str(tmp_path)])
    assert done.exit_code == 0 and events(done.output)[-1]["status"] == "completed"


@pytest.mark.slow
def test_ctrl_c_exits_at_once_while_a_planning_call_blocks_its_thread(tmp_path):
    """The Architect's model call runs in a worker thread (a synchronous node): after Ctrl-C
    the process must not wait for it (a slow local server's call lasts up to its time-out,
    120 s, and is retried)."""
    env = {**os.environ, "CODELAB_MODEL": "scripted:tests.blocking_plan_script:script",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p)}
    assert codelab("agents", "update", "orchestrator", "-c", LLM_ROUTING, env=env).returncode == 0
    out_path = tmp_path / "out.txt"
    exe = str(Path(sys.executable).with_name("codelab"))
    with out_path.open("w") as out_f:
        proc = subprocess.Popen([exe, "run", "build", "-w", str(tmp_path), "--thread", "t-blk",
                                 "--json"], cwd=ROOT, env=env, stdout=out_f,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while '"classified"' not in out_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(1.0)  # in the planning call now
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        try:
            _, err = proc.communicate(timeout=30)
        finally:
            proc.kill()
    assert time.monotonic() - sent < 15
    assert proc.returncode == 130 and "Traceback" not in err, err[-2000:]
    assert any(e["event"] == "stopped" for e in events(out_path.read_text()))
    shown = codelab("sessions", "show", "t-blk", "--json", env=env)
    assert json.loads(shown.stdout)["running"] is False  # released: resumable at once


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resume_from_another_directory_finishes(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODELAB_MODEL": "scripted:tests.slow_script:script"}
    assert codelab("agents", "update", "orchestrator", "-c", LLM_ROUTING, env=env).returncode == 0
    workspace = tmp_path / "ws"
    workspace.mkdir()
    exe = str(Path(sys.executable).with_name("codelab"))
    proc = subprocess.Popen([exe, "run", "build", "-w", str(workspace), "--thread", "t-int", "--json"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    home = Path(os.environ["CODELAB_HOME"])  # tasks write in worktrees in there
    while not written_anywhere(home, "a.txt"):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)  # b is sleeping before its write
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5  # the stop itself: bench/stop_latency.py; this adds exit
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err
    assert "codelab resume t-int" in out or any(e["event"] == "stopped" for e in events(out))
    time.sleep(2.5)  # past the moment b would have written
    assert list(workspace.iterdir()) == []  # the plan did not end: nothing reached the workspace
    assert not written_anywhere(home, "b.txt")

    other = tmp_path / "elsewhere"
    other.mkdir()
    resumed = subprocess.run([exe, "resume", "t-int", "--json"], cwd=other, env=env,
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert sorted(p.name for p in workspace.iterdir()) == ["a.txt", "b.txt", "c.txt"]
    assert list(other.iterdir()) == []
    final = events(resumed.stdout)[-1]
    assert final["status"] == "completed"
    attempts = {t["id"]: t["attempts"] for t in final["summary"]["tasks"]}
    assert attempts == {"a": 1, "b": 1, "c": 1}
    mismatch = subprocess.run([exe, "run", "more", "--thread", "t-int", "-w", str(other)],
                              cwd=other, env=env, capture_output=True, text=True, timeout=60)
    assert mismatch.returncode == 2 and f"works in {workspace}" in mismatch.stderr
    assert list(other.iterdir()) == []


@pytest.mark.slow
def test_demo_in_a_terminal_shows_the_live_table(tmp_path):
    """In a terminal the demo redraws the plan's table as tasks change, as `codelab run` does."""
    from tests.terminal import Terminal

    exe = str(Path(sys.executable).with_name("codelab"))
    terminal = Terminal([exe, "demo", str(tmp_path / "demo")], env={**os.environ, "PYTHONPATH": str(ROOT)})
    terminal.expect("elapsed")  # the live table's header, drawn while the plan runs
    before_end = terminal.expect("plan completed")
    # Redrawn while tasks change: some task is seen not yet done, then the plan completes.
    assert re.search(r"\b(study|fix|tests|summary)\s+(ask|coder)\s+(pending|running)", before_end), \
        before_end[-3000:]
    terminal.expect("3. codelab run")
    assert terminal.wait() == 0
