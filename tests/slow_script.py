"""Scripted replies for the Ctrl-C test (``scripted:tests.slow_script:script``): a plan of
``a`` (fast), ``b`` (slow: 2 s before its write) and ``c`` (after both); each task writes
``<task>.txt`` with a tool call, then answers."""

import asyncio

from langchain_core.messages import AIMessage, ToolMessage

from tests.scripted import Script, plan, task_id_of

DELAYS = {"a": 0.0, "b": 2.0, "c": 0.0}


async def _task(request):
    task = task_id_of(request)
    if any(isinstance(m, ToolMessage) for m in request.messages):
        return f"wrote {task}.txt"
    await asyncio.sleep(DELAYS.get(task, 0.0))
    return AIMessage(content="", tool_calls=[{"name": "write_file", "id": f"call-{task}",
                                              "args": {"path": f"{task}.txt", "content": task}}])


script = Script(classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
                plans=[plan(("a", "coder"), ("b", "coder"), ("c", "coder", ["a", "b"]))],
                task=_task)
