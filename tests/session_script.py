"""Scripted replies for the session-lease tests (``scripted:tests.session_script:script``):
an atomic request whose task logs that it started, then waits until the file named by
``$CODELAB_TEST_GATE`` exists, so a test decides when the run may end."""

import os
import time
from pathlib import Path

from tests.scripted import Script, task_id_of, writing


def _task(request):
    log, gate = os.environ.get("CODELAB_TEST_LOG"), os.environ.get("CODELAB_TEST_GATE")
    if log:
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()} started {task_id_of(request)}\n")
    deadline = time.monotonic() + 60
    while gate and not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return f"result of {task_id_of(request)}"


script = Script(classification={"agent": "coder", "is_atomic": True, "confidence": "high",
                                "reasoning": "test"},
                task=writing(_task))  # writes <task>.txt first: a coder task must change something
