"""The orchestration graph: wiring only. Each node's logic is in ``nodes/``.

Imports are absolute: `langgraph dev` loads this file by path, not as part of the package.

    START -> classify -> route -> (execute_task | architect_plan | handle_failure | finalize)
    execute_task -> route                     (after any task finishes)
    architect_plan -> route | architect_plan (awaiting approval) | finalize
    handle_failure -> route (retry, Debug) | architect_plan (re-plan) | finalize (give up)
    finalize -> END
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.store.base import BaseStore

from codelab_orchestrator.context import Context
from codelab_orchestrator.nodes import architect_plan as architect_plan_node
from codelab_orchestrator.nodes import handle_failure as handle_failure_node
from codelab_orchestrator.nodes import route as route_node
from codelab_orchestrator.nodes.classify import classify
from codelab_orchestrator.nodes.common import TRANSIENT_RETRY, async_node, node
from codelab_orchestrator.nodes.execute_task import execute_task
from codelab_orchestrator.nodes.finalize import finalize
from codelab_orchestrator.state import CHECKPOINT_TYPES, InputState, State

builder = StateGraph(State, input_schema=InputState, context_schema=Context)
builder.add_node("classify", node(classify), retry_policy=TRANSIENT_RETRY)
builder.add_node("route", async_node(route_node.route))
builder.add_node("architect_plan", node(architect_plan_node.architect_plan), retry_policy=TRANSIENT_RETRY)
builder.add_node("execute_task", async_node(execute_task), retry_policy=TRANSIENT_RETRY)
builder.add_node("handle_failure", node(handle_failure_node.handle_failure), retry_policy=TRANSIENT_RETRY)
builder.add_node("finalize", async_node(finalize))

builder.add_edge(START, "classify")
builder.add_edge("classify", "route")
builder.add_conditional_edges(
    "route", route_node.next_step,
    ["execute_task", "architect_plan", "handle_failure", "finalize"],
)
builder.add_edge("execute_task", "route")
builder.add_conditional_edges(
    "architect_plan", architect_plan_node.next_step, ["route", "architect_plan", "finalize"]
)
builder.add_conditional_edges(
    "handle_failure", handle_failure_node.next_step, ["route", "architect_plan", "finalize"]
)
builder.add_edge("finalize", END)

# For `langgraph dev` / LangGraph Server, which bring their own checkpointer.
graph = builder.compile(name="orchestrator")


def build_graph(
    checkpointer: BaseCheckpointSaver | None = None, store: BaseStore | None = None
) -> CompiledStateGraph[State, Context, InputState, State]:
    """The graph for embedded use, with the state's types allowed in checkpoints.

    It runs asynchronously (``ainvoke``/``astream``): give it an async-capable
    checkpointer (:func:`~codelab_orchestrator.persistence.open_async_checkpointer`,
    or ``InMemorySaver``).
    """
    if checkpointer is not None:
        checkpointer = checkpointer.with_allowlist(
            [(cls.__module__, cls.__name__) for cls in CHECKPOINT_TYPES]
        )
    return builder.compile(checkpointer=checkpointer, store=store, name="orchestrator")
