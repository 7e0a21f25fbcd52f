"""Scripted replies for the `langgraph dev` test (imported by the server process
through the model string ``scripted:tests.server_script:script``). The server
loads it only because it runs with CODELAB_ALLOW_SCRIPTED_MODELS=1, which
tests/conftest.py sets for every test and the processes it starts."""

import time

from tests.scripted import Script, plan, task_id_of


def _task(request):
    time.sleep(0.05)
    return f"result of {task_id_of(request)}"


script = Script(classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
                plans=[plan(("a", "coder"), ("b", "ask"), ("c", "coder", ["a", "b"]))],
                task=_task)
