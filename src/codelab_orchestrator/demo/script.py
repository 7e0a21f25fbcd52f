"""The demo's scripted model. It is NOT an AI: it answers from this file so
the demo runs with no network and no key, while the graph, the task runtime,
the tools and the failure handling all run for real.

The plan: study the project, then fix ``divide`` and add tests in parallel,
then summarize. The fix fails on its first attempt (a simulated provider
error) and succeeds on the retry.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

from langchain_core.messages import AIMessage, ToolMessage

from ..models import ScriptedRequest

TAG = "[scripted demo model]"
PLAN = {"goal": "Make calc safe to divide by zero, with tests", "tasks": [
    {"id": "study", "agent": "ask", "dependencies": [],
     "description": "Read calc.py and list its functions and risks"},
    {"id": "fix", "agent": "coder", "dependencies": ["study"], "expected": ["calc.py"],
     "description": "Make divide() raise ValueError with a clear message when b is 0"},
    {"id": "tests", "agent": "coder", "dependencies": ["study"], "expected": ["tests/test_calc.py"],
     "description": "Add tests/test_calc.py covering add() and divide()"},
    {"id": "summary", "agent": "ask", "dependencies": ["fix", "tests"],
     "description": "Summarize what changed for the user"},
]}
TESTS = '''from calc import add, divide
import pytest


def test_add():
    assert add(2, 3) == 5


def test_divide_by_zero_is_a_clear_error():
    with pytest.raises(ValueError, match="divide by zero"):
        divide(1, 0)
'''
_TASK = re.compile(r"Your task \(([^)]+)\)")
_calls: Counter[str] = Counter()
_lock = threading.Lock()
STEP_SECONDS = 0.5


def reset() -> None:
    _calls.clear()


def _call(name: str, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{name}_{time.time_ns()}"}])


def script(request: ScriptedRequest) -> Any:
    if "ClassificationOutput" in request.tools:
        return {"agent": "architect", "is_atomic": False, "confidence": "high",
                "reasoning": f"{TAG} a fix plus tests across files needs a plan"}
    if "PlanDraft" in request.tools:
        return PLAN
    match = _TASK.search(request.prompt)
    task = match.group(1) if match else "?"
    done = sum(isinstance(m, ToolMessage) for m in request.messages)
    if done == 0:  # the first model call of an attempt
        with _lock:
            _calls[task] += 1
    attempt = _calls[task]
    time.sleep(STEP_SECONDS)
    if task == "study":
        if done == 0:
            return _call("read_file", path="calc.py")
        return f"{TAG} calc.py has add() and divide(); divide() crashes on b == 0."
    if task == "fix":
        if done == 0 and attempt == 1:
            raise RuntimeError("simulated provider error: 503 Service Unavailable")
        if done == 0:
            return _call("edit_file", path="calc.py", old="    return a / b",
                         new='    if b == 0:\n        raise ValueError("cannot divide by zero")\n    return a / b')
        return f"{TAG} divide() now raises ValueError('cannot divide by zero')."
    if task == "tests":
        if done == 0:
            return _call("write_file", path="tests/test_calc.py", content=TESTS)
        return f"{TAG} added tests/test_calc.py (2 tests)."
    return (f"{TAG} calc.divide() no longer crashes on zero: it raises a clear ValueError, "
            "and tests/test_calc.py covers add() and divide().")
