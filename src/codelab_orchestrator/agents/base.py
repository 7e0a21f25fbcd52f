"""The ``AgentRunner`` interface: one task in, its result (or an exception) out.

The graph never talks to a model for a task directly; it hands a
:class:`TaskRequest` to the process's runner. Swapping the runner (a
tool-using specialist, a remote worker) changes nothing in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..context import Context
from ..persistence import AgentRecord
from ..state import Task


@dataclass(frozen=True)
class TaskRequest:
    task: Task
    agent: AgentRecord
    goal: str
    dependency_results: dict[str, str]
    context: Context


@dataclass
class TaskOutcome:
    result: str
    usage: dict[str, int] = field(default_factory=dict)
    record: dict[str, Any] = field(default_factory=dict)


class AgentRunner(Protocol):
    def run(self, request: TaskRequest) -> TaskOutcome:
        """Do the task; raise to report failure (the message is recorded as the task's error)."""
        ...


_runner: AgentRunner | None = None


def get_runner() -> AgentRunner:
    global _runner
    if _runner is None:
        from .specialist import SpecialistRunner  # noqa: PLC0415

        _runner = SpecialistRunner()
    return _runner


def set_runner(runner: AgentRunner | None) -> None:
    """Install ``runner`` for this process (None restores the default)."""
    global _runner
    _runner = runner
