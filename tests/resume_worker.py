"""Subprocess for the crash test: ``python -m tests.resume_worker start|resume THREAD LOG``.

``start`` runs a plan whose last task sleeps for a minute (the test kills
the process meanwhile); ``resume`` continues the same thread with fast tasks.
Every task run is appended to LOG, so the test sees what ran twice.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from langchain_core.messages import HumanMessage

from codelab_orchestrator.context import Context
from codelab_orchestrator.graph import build_graph
from codelab_orchestrator.persistence import AgentRepository, open_async_checkpointer
from tests.scripted import Script, install, plan, task_id_of


def main(phase: str, thread: str, log_path: str) -> None:
    def run_task(request):
        task_id = task_id_of(request)
        with open(log_path, "a") as log:
            log.write(f"{phase} {task_id}\n")
        if phase == "start" and task_id == "slow":
            time.sleep(60)
        return f"result of {task_id}"

    install(Script(classification={"agent": "architect", "is_atomic": False},
                   plans=[plan(("a", "coder"), ("b", "coder", ["a"]), ("slow", "coder", ["b"]),
                               ("after", "ask", ["slow"]))],
                   task=run_task))
    # A workspace of the test's own, beside its log: not the repository the tests run from
    # (the plan's worktrees would be registered in its .git).
    workspace = os.path.join(os.path.dirname(os.path.abspath(log_path)), "ws")
    os.makedirs(workspace, exist_ok=True)
    context = Context(user_id="crash", project_id="p", workspace=workspace)
    repo = AgentRepository()
    repo.project_agents("crash", "p")
    repo.update("crash", "p", "orchestrator", config={"routing_strategy": "llm"})
    asyncio.run(_run(phase, thread, context))


async def _run(phase: str, thread: str, context: Context) -> None:
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        config = {"configurable": {"thread_id": thread}}
        payload = {"messages": [HumanMessage("build")]} if phase == "start" else None
        out = await graph.ainvoke(payload, config, context=context, durability="sync")
        print("FINAL", out["final"].status)


if __name__ == "__main__":
    main(*sys.argv[1:])
