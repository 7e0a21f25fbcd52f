"""One task attempt as its own durable LangGraph run.

The specialist agent runs as a *child run* on the session's checkpointer,
under its own thread id derived from (session thread, plan, task, attempt).
LangGraph treats a graph invoked inside a node with an explicit thread id as
a root run of its own (it does not inherit the parent's checkpoint
namespace), while the run's callbacks and metadata still come from the node
that started it. So:

- every model call and tool call of the specialist is checkpointed
  (``durability="sync"``); after a crash the attempt continues from its last
  completed step, and an attempt that already finished is read back, never
  run again, even if the session's own checkpoint did not record it yet;
- its model calls reach the session's callbacks and ``stream_mode="messages"``
  (with ``subgraphs=True``), tagged through metadata with plan, task, agent
  and attempt;
- its custom events (``tool_called``, ``tool_result``, ``model_call``) are
  forwarded to the session's stream with the same tags;
- it is an asyncio task of the session's run: cancelling it cancels the
  model call in flight.

Why not LangGraph's functional API (``@task``)? Its results are matched by
call order on replay, and the order in which tasks are started here depends
on timing (a task starts the moment its own dependencies are done). A child
thread per attempt has a stable identity instead. Why not ``Send``? A
``Send`` superstep ends with its slowest branch, which costs 16-20% of wall
time on uneven plans (see BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_stream_writer
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl
from langgraph.types import Command

from ..context import TaskContext
from ..persistence import AgentRecord, OrchestratorConfig
from ..prompts.specialist import render_task_prompt
from ..state import Task
from . import fencing
from .outcome import TaskOutcome, outcome_of, text_of
from .results import cut, whole_result
from .specialist import specialist_agent


class TaskInterruptedError(RuntimeError):
    """The specialist asked for input (an ``interrupt()`` inside the task)."""

    def __init__(self, value: Any):
        self.value = value
        super().__init__(f"the task is waiting for input: {value!r}"[:500])


ATTEMPT_MARK = ":task:"


def attempt_thread_id(session_thread: str | None, plan_id: str, task_id: str, attempt: int) -> str:
    return f"{session_thread or 'no-thread'}{ATTEMPT_MARK}{plan_id}:{task_id}:{attempt}"


def is_attempt_thread(thread_id: str) -> bool:
    """Whether ``thread_id`` is a task attempt's run rather than a session."""
    return ATTEMPT_MARK in thread_id


@dataclass(frozen=True)
class Attempt:
    """Everything one attempt's run needs, fixed when it starts."""

    session_thread: str | None
    plan_id: str
    task: Task
    agent: AgentRecord
    settings: OrchestratorConfig
    goal: str
    dependencies: tuple[Task, ...]
    workspace: str
    project_root: str = ""  # the user's workspace; ``workspace`` may become a task's worktree
    budget: Any = None  # budget.ledger.AttemptBudget, checked before each model call
    resume: Any = None  # a person's answer to what the attempt asked (its interrupt)
    previous_error: str | None = None  # why the task's last attempt failed (a retry learns it)

    def __post_init__(self) -> None:
        if not self.project_root:  # built with the user's workspace, before the worktree
            object.__setattr__(self, "project_root", self.workspace)

    @property
    def key(self) -> str:
        return f"{self.plan_id}/{self.task.id}/{self.task.attempts}"

    @property
    def thread_id(self) -> str:
        return attempt_thread_id(self.session_thread, self.plan_id, self.task.id, self.task.attempts)

    @property
    def tags(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "task_id": self.task.id, "agent": self.task.agent,
                "attempt": self.task.attempts}

    def context(self) -> TaskContext:
        config = self.agent.config
        return TaskContext(
            workspace=self.workspace, plan_id=self.plan_id, task_id=self.task.id,
            project_root=self.project_root,
            agent=self.task.agent, allowed_commands=tuple(config.allowed_commands),
            max_tool_output_chars=self.settings.max_tool_output_chars,
            allow_network=config.allow_network, command_policy=self.settings.command_policy,
            deny_files=tuple(config.deny_files), budget=self.budget)


async def run_attempt(attempt: Attempt, saver: BaseCheckpointSaver | None,
                      control: RunControl | None = None) -> TaskOutcome:
    """Run (or continue, or read back) ``attempt``; raise to report its failure.

    ``control`` is the session run's: a drain requested there stops the attempt at its next
    step boundary too (before another model or tool call starts), checkpointed. A durable
    attempt holds its lease meanwhile (:mod:`.fencing`; PostgreSQL only): it waits for a
    previous holder's lease to expire, and stops with ``LeaseLostError`` if another worker
    takes it over."""
    if saver is None:
        return await _run(attempt, saver, control)
    async with fencing.hold(attempt.thread_id):
        return await _run(attempt, saver, control)


async def _run(attempt: Attempt, saver: BaseCheckpointSaver | None,
               control: RunControl | None) -> TaskOutcome:
    agent = specialist_agent(attempt.agent, attempt.settings)
    if saver is not None:
        agent = agent.copy(update={"checkpointer": saver})
    config: dict[str, Any] = {
        "configurable": {"thread_id": attempt.thread_id},
        "metadata": attempt.tags,
        "run_name": f"{attempt.task.id} ({attempt.agent.name})",
        "recursion_limit": 4 * attempt.settings.max_model_calls_per_task + 10,
    }
    payload: Any = None
    if saver is not None:
        before = await agent.aget_state(config)
        if before.values.get("messages"):
            if not before.next and not before.tasks:  # finished before a crash
                # (a step that raised, e.g. a model call refused by the budget, is not
                # in ``next`` -- it has an error write -- but still in ``tasks``: it runs again)
                return outcome_of(before.values["messages"])
            if attempt.resume is not None and before.interrupts:
                payload = Command(resume=attempt.resume)
        else:
            payload = {"messages": [HumanMessage(await _prompt(attempt, saver))]}
    else:
        payload = {"messages": [HumanMessage(await _prompt(attempt, saver))]}
    try:
        forward = get_stream_writer()
    except RuntimeError:  # run outside a graph (tests, scripts): nobody to tell
        def forward(_: Any) -> None:
            return None
    values: dict[str, Any] = {}
    try:
        async for mode, chunk in agent.astream(payload, config, context=attempt.context(),
                                               stream_mode=["custom", "values", "updates"],
                                               durability="sync" if saver is not None else None,
                                               control=control):
            if mode == "custom" and isinstance(chunk, dict):
                forward({**chunk, **attempt.tags})
            elif mode == "values" and isinstance(chunk, dict):
                values = chunk
            elif mode == "updates" and isinstance(chunk, dict) and "__interrupt__" in chunk:
                raise TaskInterruptedError(chunk["__interrupt__"][0].value)
    except GraphDrained:
        # Stopped at a step boundary. If the model had already given its final answer (only
        # middleware bookkeeping was left), the attempt is done: that answer is paid for.
        messages = values.get("messages") or []
        if not _final_answer(messages):
            raise
    return outcome_of(values.get("messages", []))


def _final_answer(messages: list[Any]) -> bool:
    last = messages[-1] if messages else None
    return (isinstance(last, AIMessage) and not last.tool_calls
            and not getattr(last, "invalid_tool_calls", None) and bool(text_of(last).strip()))


async def _prompt(attempt: Attempt, saver: BaseCheckpointSaver | None) -> str:
    limit = attempt.settings.max_dependency_chars
    results = {dep.id: cut(await whole_result(saver, dep), limit, dep)
               for dep in attempt.dependencies}
    return render_task_prompt(attempt.task, attempt.goal, results, attempt.previous_error)
