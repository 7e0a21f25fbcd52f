"""Graph state (pydantic). Tasks live inside the plan and merge by id.

``plan`` is a delta channel: a node returns a :class:`PlanPatch` (the header
fields it changed plus *only the tasks it changed*) and :func:`merge_plan`
folds patches in by task id. Checkpoints store the patches, not the whole
plan again at every step (a full snapshot only every
``PLAN_SNAPSHOT_EVERY`` updates), so a checkpoint's size does not grow with
the plan's history. Results coming back from different tasks never
overwrite each other, and a node never copies the task list to change one
task.

A task's whole result stays in its own run (the durable child thread named
by ``Task.run``); the plan keeps a summary of at most ``RESULT_SUMMARY_CHARS``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from langchain_core.messages import AnyMessage
from langgraph.channels.delta import DeltaChannel
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field

from .budget.usage import fold_session

AgentName = str  # a role name: coder, architect, debug, ask, universal, custom
Confidence = Literal["high", "medium", "low"]
TaskStatus = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]
PlanStatus = Literal["draft", "approved", "running", "paused_budget", "completed", "failed",
                     "cancelled"]

# paused_budget: the plan's cost cap was reached; it waits (an interrupt) for a higher one.
ACTIVE_PLAN: frozenset[str] = frozenset({"draft", "approved", "running", "paused_budget"})
FINISHED_PLAN: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
RESULT_SUMMARY_CHARS = 600
PLAN_SNAPSHOT_EVERY = 100


def now() -> datetime:
    return datetime.now(UTC)


class Classification(BaseModel):
    agent: AgentName
    is_atomic: bool
    confidence: Confidence = "medium"
    reasoning: str = ""
    method: Literal["llm", "local", "single_agent", "fallback"] = "llm"
    score: float | None = Field(default=None, description="Local router's probability, if used.")
    looks_complex: bool = Field(
        default=False, description="The router said one step, but the request's complexity "
                                   "signals point to a plan (it is then not confident).")


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
    result: str | None = Field(default=None, description="The result, cut to a summary.")
    result_chars: int = Field(default=0, description="Length of the whole result.")
    run: str | None = Field(default=None, description="Thread id of the attempt's durable run.")
    fatal: bool = Field(
        default=False, description="The failure ends the plan: no retry or agent can fix it "
                                   "(the model endpoint itself is unusable).")
    conflict: bool = Field(
        default=False, description="The last attempt's changes conflicted with integrated work.")
    waiting_for: Any = Field(
        default=None, description="What the attempt asked a person (an interrupt inside the task).")
    error: str | None = None
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    usage: dict[str, int] = Field(default_factory=dict, description="Tokens and model calls, all attempts.")
    cost: float = Field(default=0.0, description="USD, all attempts (see budget.pricing).")
    usage_by_attempt: dict[str, dict[str, int | float]] = Field(
        default_factory=dict, description="Per attempt number: tokens, model calls, cost.")
    record: dict[str, Any] = Field(default_factory=dict, description="What the agent did.")
    atomic: bool = Field(default=False, description="The whole request as one task (no plan): "
                                                     "it gets the default checks.")
    must_answer: bool = Field(default=False, description="A question taken over by another agent: "
                                                         "done when it is answered.")
    verified: list[str] = Field(default_factory=list,
                                description="The checks the last attempt passed (how it is known done).")
    unverified: list[str] = Field(default_factory=list,
                                  description="Checks that could not run, and why.")
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
    max_cost: float | None = Field(default=None, description="Cost cap in USD (None: no cap).")
    max_cost_source: str | None = Field(
        default=None, description="Where max_cost came from; None until the plan first runs.")
    notes: list[str] = Field(default_factory=list, description="Recorded reasons and decisions.")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_PLAN

    def task(self, task_id: str) -> Task:
        return next(t for t in self.tasks if t.id == task_id)

    def with_tasks(self, tasks: Iterable[Task], **fields: Any) -> PlanPatch:
        """An update carrying only ``tasks`` (merged by id by the reducer) and changed fields."""
        return PlanPatch(id=self.id, tasks=list(tasks), fields=fields)

    def apply(self, patch: PlanPatch) -> Plan:
        """This plan with ``patch`` folded in (what the reducer does)."""
        return merge_plan(self, patch) or self


class PlanPatch(BaseModel):
    """A change to the plan ``id``: header ``fields`` replaced, ``tasks`` merged by id."""

    id: str
    tasks: list[Task] = Field(default_factory=list)
    fields: dict[str, Any] = Field(default_factory=dict)


class FinalAnswer(BaseModel):
    plan_id: str | None
    status: PlanStatus
    text: str
    summary: dict[str, Any] = Field(default_factory=dict)


def merge_plan(current: Plan | None, update: Plan | PlanPatch | dict | None) -> Plan | None:
    """Fold one update into the plan.

    None clears it; a :class:`Plan` with a new id replaces it (same id: its
    header wins and its tasks merge by id); a :class:`PlanPatch` for the
    current plan merges, one for another plan (stale) is ignored.
    """
    if update is None:
        return None
    if isinstance(update, dict):
        update = (PlanPatch if "fields" in update else Plan).model_validate(update)
    if isinstance(update, PlanPatch):
        if current is None or current.id != update.id:
            return current
        header = dict(update.fields)
    else:
        if current is None or current.id != update.id:
            return update
        header = {k: getattr(update, k) for k in type(update).model_fields if k != "tasks"}
    if update.tasks:
        merged = {t.id: t for t in current.tasks}
        merged.update((t.id, t) for t in update.tasks)
        header = {**header, "tasks": list(merged.values())}
    return current.model_copy(update=header) if header else current


def merge_plan_updates(current: Plan | None, updates: Sequence[Any]) -> Plan | None:
    """The delta channel's reducer: the updates folded in order (so batching cannot matter)."""
    for update in updates:
        current = merge_plan(current, update)
    return current


class PlanChannel(DeltaChannel):
    """``DeltaChannel`` whose empty value is None (there is no plan yet)."""

    def __init__(self, reducer: Any, typ: Any = None, *, snapshot_frequency: int = 100) -> None:
        super().__init__(reducer, type(None), snapshot_frequency=snapshot_frequency)


class SessionInfo(BaseModel):
    """What a session works on, recorded when it starts; resume uses it."""

    workspace: str
    user_id: str
    project_id: str
    orchestrator: str | None = None
    created_at: datetime = Field(default_factory=now)


def fold_messages(current: list[AnyMessage], updates: Sequence[Any]) -> list[AnyMessage]:
    """``add_messages`` over a batch of updates, in order (a delta channel's reducer)."""
    for update in updates:
        current = add_messages(current, update)
    return current


class InputState(BaseModel):
    """What a caller sends: the conversation (usually one new human message).

    A delta channel too: each message is stored once, with the step that added it, so a
    long conversation does not make every checkpoint larger."""

    messages: Annotated[list[AnyMessage], DeltaChannel(fold_messages)] = Field(default_factory=list)


class State(InputState):
    classification: Classification | None = None
    session: SessionInfo | None = None
    plan: Annotated[Plan | None, PlanChannel(merge_plan_updates, snapshot_frequency=PLAN_SNAPSHOT_EVERY)] = None
    final: FinalAnswer | None = None
    pending_replan: str | None = Field(
        default=None, description="Id of a failed task the Architect must re-plan around."
    )
    spend: Annotated[dict[str, Any], fold_session] = Field(
        default_factory=dict, description="The session's tokens, model calls and cost (USD): "
        "every plan's tasks, classification and planning calls.")


CHECKPOINT_TYPES: tuple[type[BaseModel], ...] = (
    Classification, Task, Plan, PlanPatch, SessionInfo, FinalAnswer)
