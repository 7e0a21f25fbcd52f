"""SIGKILL in the middle of a task's third tool step: the resumed task makes no model call
that was answered before the kill (counted on the model server), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import written_anywhere
from tests.openai_server import OpenAIServer, tool_names, tool_results

ROOT = Path(__file__).resolve().parents[1]


def script(body: dict) -> dict:
    if "ClassificationOutput" in tool_names(body):
        return {"tool_calls": [{"name": "ClassificationOutput",
                                "arguments": {"agent": "coder", "is_atomic": True}}]}
    done = len(tool_results(body))
    if done < 2:
        return {"tool_calls": [{"name": "write_file", "arguments": {
            "path": f"journal{done + 1}.txt", "content": f"line {done + 1}\n"}}]}
    if done == 2:  # the third tool step is slow: the test kills the process during it
        return {"tool_calls": [{"name": "run_command", "arguments": {
            "command": "python3 -c \"import time, pathlib; p = pathlib.Path('step3.txt'); "
                       "first = not p.exists(); p.write_text('started'); "
                       "time.sleep(20 if first else 0)\""}}]}
    return {"content": "appended three journal lines"}


@pytest.mark.slow
def test_sigkill_mid_task_repeats_no_answered_model_call(database_url, tmp_path, monkeypatch):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    with OpenAIServer(script) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "k",
               "CODELAB_MODEL": "openai:gpt-test", "DATABASE_URL": database_url}
        cmd = [sys.executable, "-m", "tests.crash_worker", f"t-{tmp_path.name}", str(workspace)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        home = Path(os.environ["CODELAB_HOME"])  # the task works in a worktree in there
        while not written_anywhere(home, "step3.txt"):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the third tool step never started"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert list(workspace.iterdir()) == []  # killed mid-plan: nothing reached the user's tree
        before = [len(tool_results(b)) for b in server.requests if "ClassificationOutput" not in tool_names(b)]
        assert before == [0, 1, 2]

        resumed = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert "FINAL completed" in resumed.stdout
        task_calls = [len(tool_results(b)) for b in server.requests
                      if "ClassificationOutput" not in tool_names(b)]
    assert task_calls == [0, 1, 2, 3]  # after the kill: only the call after the third tool
    assert sum("ClassificationOutput" in tool_names(b) for b in server.requests) == 1
    assert (workspace / "journal1.txt").read_text() == "line 1\n"
    assert (workspace / "journal2.txt").read_text() == "line 2\n"
