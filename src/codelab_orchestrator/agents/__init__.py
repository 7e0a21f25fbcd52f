"""Specialists: how one task is run by one agent row."""

from .base import AgentRunner, TaskOutcome, TaskRequest, get_runner, set_runner

__all__ = ["AgentRunner", "TaskOutcome", "TaskRequest", "get_runner", "set_runner"]
