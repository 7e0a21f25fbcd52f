"""SIGKILL mid-plan, then the same thread finishes without re-running done tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_sigkill_then_resume_runs_no_done_task_again(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CODELAB_MODEL", "scripted:test")
    log = tmp_path / "tasks.log"
    thread = f"crash-{tmp_path.name}"
    cmd = [sys.executable, "-m", "tests.resume_worker"]
    proc = subprocess.Popen([*cmd, "start", thread, str(log)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while "start slow" not in (log.read_text() if log.exists() else ""):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the slow task never started"
        time.sleep(0.05)
    time.sleep(0.3)  # let the checkpoint that records 'slow' as running land
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    resumed = subprocess.run([*cmd, "resume", thread, str(log)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "FINAL completed" in resumed.stdout
    runs = log.read_text().split("\n")
    assert runs.count("start a") == 1 and runs.count("start b") == 1
    assert not any(line in runs for line in ("resume a", "resume b"))
    assert "resume slow" in runs and "resume after" in runs
