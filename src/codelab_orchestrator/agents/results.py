"""A finished task's whole result, read back from its attempt's run.

The plan keeps a summary of each result; the whole answer stays in the
attempt's run (the last message of its thread). Dependents and the final
answer read it from there, cut to what they can use.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from ..state import Task
from .outcome import text_of
from .specialist import TaskAgentState


@cache
def _reader() -> CompiledStateGraph:
    """A graph with the attempts' state schema, to read their threads (messages are a delta
    channel: reading rebuilds them from the stored steps)."""
    builder = StateGraph(TaskAgentState)
    builder.add_node("read", lambda state: {})
    builder.add_edge(START, "read")
    return builder.compile()


async def attempt_messages(saver: BaseCheckpointSaver, thread_id: str) -> list[Any]:
    graph = _reader().copy(update={"checkpointer": saver})
    state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    return list(state.values.get("messages") or [])


async def whole_result(saver: BaseCheckpointSaver | None, task: Task) -> str:
    """The task's whole result, or its summary when the run cannot be read."""
    summary = task.result or ""
    if saver is None or not task.run or task.result_chars <= len(summary):
        return summary
    messages = await attempt_messages(saver, task.run)
    last = messages[-1] if messages else None
    return text_of(last) if isinstance(last, AIMessage) else summary


def cut(text: str, limit: int, task: Task) -> str:
    """``text`` cut at ``limit`` characters with a note saying so and where the whole is."""
    if len(text) <= limit:
        return text
    return (text[:limit] + f"\n[... cut: {len(text)} characters in all; the whole result is in "
            f"the run of task {task.id}; files it changed are in the workspace]")
