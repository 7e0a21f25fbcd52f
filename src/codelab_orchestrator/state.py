"""Graph state (pydantic). Tasks live inside the plan and merge by id.

``plan`` has a reducer: a node returns the plan's fields plus *only the tasks
it changed*, and :func:`merge_plan` folds them in by task id. So results
coming back from different tasks never overwrite each other, and a node
never has to copy the whole task list to change one task.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

AgentName = str  # a role name: coder, architect, debug, ask, universal, custom
Confidence = Literal["high", "medium", "low"]
TaskStatus = Literal["pending", "running", "done", "failed", "skipped"]
PlanStatus = Literal["draft", "approved", "running", "completed", "failed", "cancelled"]

ACTIVE_PLAN: frozenset[str] = frozenset({"draft", "approved", "running"})
FINISHED_PLAN: frozenset[str] = frozenset({"completed", "failed", "cancelled"})


def now() -> datetime:
    return datetime.now(UTC)


class Classification(BaseModel):
    agent: AgentName
    is_atomic: bool
    confidence: Confidence = "medium"
    reasoning: str = ""
    method: Literal["llm", "local", "single_agent", "fallback"] = "llm"
    score: float | None = Field(default=None, description="Local router's probability, if used.")


class Task(BaseModel):
    id: str
    description: str
    agent: AgentName
    dependencies: list[str] = Field(default_factory=list)
    expected: list[str] = Field(default_factory=list,
                                description="Files the task should create or change.")
    check: str | None = Field(default=None,
                              description="Command that passes when the task is done.")
    status: TaskStatus = "pending"
    result: str | None = None
    error: str | None = None
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    record: dict[str, Any] = Field(default_factory=dict, description="What the agent did.")
    origin: str | None = Field(default=None, description="Why it exists: 'debug:t2', 'replan:1'.")
    recovery: str | None = Field(
        default=None, description="How a failure was handled: 'debug:<id>', 'replan:<n>', 'gave_up'."
    )


class Plan(BaseModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    goal: str
    status: PlanStatus = "draft"
    tasks: list[Task] = Field(default_factory=list)
    replans: int = 0
    created_at: datetime = Field(default_factory=now)
    estimated_cost: float = 0.0
    notes: list[str] = Field(default_factory=list, description="Recorded reasons and decisions.")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_PLAN

    def task(self, task_id: str) -> Task:
        return next(t for t in self.tasks if t.id == task_id)

    def with_tasks(self, tasks: Iterable[Task], **fields: Any) -> Plan:
        """An update carrying only ``tasks`` (merged by id by the reducer) and changed fields."""
        return self.model_copy(update={"tasks": list(tasks), **fields})


class FinalAnswer(BaseModel):
    plan_id: str | None
    status: PlanStatus
    text: str
    summary: dict[str, Any] = Field(default_factory=dict)


def merge_plan(current: Plan | None, update: Plan | dict | None) -> Plan | None:
    """Reducer for ``State.plan``: same plan id -> merge tasks by id; else replace."""
    if update is None:
        return None
    if isinstance(update, dict):
        update = Plan.model_validate(update)
    if current is None or current.id != update.id:
        return update
    merged = {t.id: t for t in current.tasks}
    merged.update((t.id, t) for t in update.tasks)
    return update.model_copy(update={"tasks": list(merged.values())})


class InputState(BaseModel):
    """What a caller sends: the conversation (usually one new human message)."""

    messages: Annotated[list[AnyMessage], add_messages] = Field(default_factory=list)


class State(InputState):
    classification: Classification | None = None
    plan: Annotated[Plan | None, merge_plan] = None
    final: FinalAnswer | None = None
    pending_replan: str | None = Field(
        default=None, description="Id of a failed task the Architect must re-plan around."
    )


CHECKPOINT_TYPES: tuple[type[BaseModel], ...] = (Classification, Task, Plan, FinalAnswer)
