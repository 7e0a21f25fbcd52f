"""Finding sessions in the checkpointer without loading the graph."""

from __future__ import annotations

from typing import Any

from .common import fail


def latest_thread() -> str:
    """The most recently updated session's id (``codelab resume --last``)."""
    from ..agents.attempt import is_attempt_thread  # noqa: PLC0415
    from ..persistence import open_checkpointer  # noqa: PLC0415

    with open_checkpointer() as saver:
        # Newest checkpoint first; task attempts are runs of their own, not sessions.
        newest = next((item.config["configurable"]["thread_id"] for item in saver.list(None)
                       if not is_attempt_thread(item.config["configurable"]["thread_id"])), None)
    if newest is None:
        fail("no sessions yet: start one with codelab run \"...\"")
    return str(newest)


def exists(saver: Any, thread: str) -> bool:
    return saver.get_tuple({"configurable": {"thread_id": thread}}) is not None
