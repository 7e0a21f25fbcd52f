"""Scripted replies with known token counts for the budget CLI test (model string
``scripted:tests.budget_script:script``): two parallel tasks, then one after both;
every task call is 100,000 input tokens (at $1 per million: $0.10)."""

import asyncio
import time

from langchain_core.messages import AIMessage

from tests.scripted import Script, plan, task_id_of

CALLS = {"a": 3, "b": 3, "c": 2}  # model calls per task (the last one answers)


async def _task(request):
    task = task_id_of(request)
    step = sum(1 for m in request.messages if isinstance(m, AIMessage))
    await asyncio.sleep(0.02)
    usage = {"input_tokens": 100_000, "output_tokens": 0, "total_tokens": 100_000}
    if step + 1 >= CALLS[task]:
        return AIMessage(content=f"result of {task}", usage_metadata=usage)
    return AIMessage(content="", usage_metadata=usage, tool_calls=[
        {"name": "list_files", "args": {}, "id": f"call-{task}-{time.monotonic_ns()}"}])


script = Script(classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
                plans=[plan(("a", "coder"), ("b", "coder"), ("c", "coder", ["a", "b"]))],
                task=_task)
