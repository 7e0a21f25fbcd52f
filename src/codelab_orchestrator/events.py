"""Custom stream events (``stream_mode="custom"``), one per orchestration decision.

Every event passes through secret redaction: a key a tool printed never reaches a client."""

from __future__ import annotations

import time
from typing import Any

from langgraph.config import get_stream_writer

from .tools.redaction import redact_value

EVENTS = (
    "classified", "switch_agent", "plan_created", "approval_required", "task_started",
    "task_done", "task_failed", "task_retry", "task_cancelled", "input_required", "replanned",
    "plan_completed", "budget_warning", "budget_exceeded",
    # from inside a task's run (forwarded with plan_id, task_id, agent and attempt):
    "model_call", "model_usage", "tool_called", "tool_result",
    # while a model call runs, at most once a second: elapsed_s, tokens and chars so far
    "model_progress",
)


def emit(event: str, *, plan_id: str | None = None, task_id: str | None = None,
         agent: str | None = None, **data: Any) -> None:
    """Send one event to whoever streams custom events; a no-op outside a graph run."""
    assert event in EVENTS, event
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer(redact_value({"event": event, "plan_id": plan_id, "task_id": task_id, "agent": agent,
                         "timestamp": time.time(), **data}))
