"""Subprocess for the mid-task crash test: ``python -m tests.crash_worker THREAD WORKSPACE``.

Runs (or, for an existing thread, continues) an atomic coder request against the
OpenAI-compatible server at ``$OPENAI_BASE_URL``; the test kills it mid-task.
"""

from __future__ import annotations

import asyncio
import sys

from langchain_core.messages import HumanMessage

from codelab_orchestrator.context import Context
from codelab_orchestrator.graph import build_graph
from codelab_orchestrator.persistence import AgentRepository, open_async_checkpointer


async def main(thread: str, workspace: str) -> None:
    repo = AgentRepository()
    repo.project_agents("crash", "p")
    repo.update("crash", "p", "orchestrator", config={"routing_strategy": "llm"})
    repo.update("crash", "p", "coder", config={"allowed_commands": ["python3"]})
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        config = {"configurable": {"thread_id": thread}}
        started = (await graph.aget_state(config)).values
        payload = None if started else {"messages": [HumanMessage("append three journal lines")]}
        context = Context(user_id="crash", project_id="p", workspace=workspace)
        out = await graph.ainvoke(payload, config, context=context, durability="sync")
        print("FINAL", out["final"].status, flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
