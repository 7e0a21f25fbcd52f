"""The checkpointer factory on both backends: a thread resumes from a new saver."""

from __future__ import annotations

import asyncio
from typing import TypedDict

from langgraph.graph import END, START, StateGraph

from codelab_orchestrator.persistence import open_async_checkpointer, open_checkpointer
from codelab_orchestrator.persistence.settings import checkpoint_url


class Counter(TypedDict):
    n: int


def _graph():
    builder = StateGraph(Counter)
    builder.add_node("inc", lambda s: {"n": s["n"] + 1})
    builder.add_edge(START, "inc")
    builder.add_edge("inc", END)
    return builder


def test_sync_and_async_savers_share_threads(database_url):
    url = checkpoint_url()
    config = {"configurable": {"thread_id": "t-1"}}
    with open_checkpointer(url) as saver:
        graph = _graph().compile(checkpointer=saver)
        assert graph.invoke({"n": 1}, config) == {"n": 2}
    with open_checkpointer(url) as saver:  # a new connection sees the thread
        assert _graph().compile(checkpointer=saver).get_state(config).values == {"n": 2}

    async def run_async() -> dict:
        async with open_async_checkpointer(url) as saver:
            graph = _graph().compile(checkpointer=saver)
            state = await graph.aget_state(config)
            return await graph.ainvoke({"n": state.values["n"] + 10}, config)

    assert asyncio.run(run_async()) == {"n": 13}


def test_default_checkpoint_file_lives_in_data_dir(tmp_path):
    url = checkpoint_url()
    assert url.startswith("sqlite:///") and str(tmp_path / "home") in url
