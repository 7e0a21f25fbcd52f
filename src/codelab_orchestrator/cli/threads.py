"""Finding sessions in the checkpointer without loading the graph."""

from __future__ import annotations

from typing import Any

from .common import fail


def latest_thread() -> str:
    """The most recently updated session's id (``codelab resume --last``)."""
    from ..persistence import open_checkpointer  # noqa: PLC0415

    with open_checkpointer() as saver:
        newest = next(iter(saver.list(None, limit=1)), None)  # newest checkpoint first
    if newest is None:
        fail("no sessions yet: start one with codelab run \"...\"")
    return str(newest.config["configurable"]["thread_id"])


def exists(saver: Any, thread: str) -> bool:
    return saver.get_tuple({"configurable": {"thread_id": thread}}) is not None
