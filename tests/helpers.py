"""Running the graph in tests: a project with scripted agents, a checkpointer,
and the stream of custom events."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from codelab_orchestrator.context import Context
from codelab_orchestrator.graph import build_graph
from codelab_orchestrator.models import unregister_model
from codelab_orchestrator.project import repository

from .scripted import MODEL_NAME, Script, install


class Orchestrator:
    def __init__(self, user: str = "tester", project: str | None = None):
        self.workspace = Path(tempfile.mkdtemp(prefix="codelab-test-ws-"))
        self.context = Context(user_id=user, project_id=project or uuid.uuid4().hex[:8],
                               workspace=str(self.workspace))
        self.saver = InMemorySaver()
        self.graph = build_graph(checkpointer=self.saver)
        self.script: Script | None = None
        self.events: list[dict[str, Any]] = []
        self.thread = uuid.uuid4().hex

    # -- set-up --
    def use(self, script: Script, **settings: Any) -> Script:
        self.script = script
        self.model = install(script)
        repo = repository()
        repo.project_agents(self.context.user_id, self.context.project_id)
        self.settings(routing_strategy="llm", **settings)
        return script

    def settings(self, **values: Any) -> None:
        repository().update(self.context.user_id, self.context.project_id, "orchestrator",
                            config=values)

    def agent(self, name: str, **changes: Any) -> None:
        repository().update(self.context.user_id, self.context.project_id, name, **changes)

    # -- running --
    @property
    def config(self) -> dict:
        return {"configurable": {"thread_id": self.thread}}

    def send(self, text: str) -> dict:
        return self._run({"messages": [HumanMessage(text)]})

    def resume(self, value: Any) -> dict:
        return self._run(Command(resume=value))

    def cont(self) -> dict:
        """Continue the thread where it stopped (a crash, a stop)."""
        return self._run(None)

    def _run(self, payload: Any) -> dict:
        return asyncio.run(self.arun(payload))

    async def arun(self, payload: Any) -> dict:
        last: dict = {}
        async for mode, chunk in self.graph.astream(payload, self.config, context=self.context,
                                                    stream_mode=["custom", "values"]):
            if mode == "custom":
                self.events.append(chunk)
            else:
                last = chunk
        return last

    def state(self):
        return self.graph.get_state(self.config)

    def script_model_calls(self) -> list:
        return self.model.calls

    def names(self) -> list[str]:
        return [e["event"] for e in self.events]

    def close(self) -> None:
        unregister_model(MODEL_NAME)
        shutil.rmtree(self.workspace, ignore_errors=True)


def written_anywhere(root: Path, name: str) -> bool:
    """Whether a task wrote ``name`` in its worktree (somewhere below the data directory)."""
    return any(root.rglob(name))
