"""The specialist: a LangChain ``create_agent`` agent built from an agent row.

Model, temperature, max_tokens and system prompt come from the row (the
role's default prompt when empty); the tools are the row's list; middleware
replaces the hand-written loop of before: the budget (the plan's cost cap and
``max_tokens_per_task``, checked before every model call), a model-call limit per attempt
(``max_model_calls_per_task``, as a wrapper: no extra checkpointed step), tool errors returned to the model as tool
messages (the tools do that themselves), a cap on every tool output, old
tool results cleared when the context grows, activity events and progress while
a model call runs, replies cut at the token limit continued (or the task failed),
and huge replies stored as artifacts (see :mod:`.replies`). The model streams
(OpenAI-compatible endpoints), so a long generation shows progress and is not
taken for a dead connection.

Agents are compiled once per row version and reused for every task: the
task's directory and limits arrive in the run's context
(:class:`~codelab_orchestrator.context.TaskContext`), not in the graph.
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from langchain.agents import create_agent
from langchain.agents.middleware import (
    AgentState,
    ClearToolUsesEdit,
    ContextEditingMiddleware,
)
from langchain_core.messages import AnyMessage
from langgraph.channels.delta import DeltaChannel
from langgraph.graph.state import CompiledStateGraph

from ..context import TaskContext
from ..models import model_for
from ..persistence import AgentRecord, OrchestratorConfig
from ..prompts.specialist import system_prompt_for
from ..state import fold_messages
from ..tools import tools_for
from . import tracing
from .budget import BudgetGuard
from .middleware import ActivityEvents, LeaseFence, ModelCallLimit, RedactSecrets, ToolOutputCap
from .progress import ReplyProgress
from .replies import ContinueCutReplies, LargeReplyArtifacts, StreamedReplyCheck
from .text_tool_calls import TextToolCallMiddleware

# Old tool results are cleared (the latest few kept) once a conversation passes this
# many tokens (approximate count: no tokenizer download).
CLEAR_TOOL_RESULTS_AT_TOKENS = 60_000
_CACHE_LIMIT = 256

_cache: dict[tuple[Any, ...], CompiledStateGraph] = {}
_lock = threading.Lock()


class TaskAgentState(AgentState):
    """The agent's state with the conversation as a delta channel: each message is stored
    once (with the step that wrote it), not again in every checkpoint of the attempt."""

    messages: Annotated[list[AnyMessage], DeltaChannel(fold_messages)]  # type: ignore[misc]


def specialist_agent(agent: AgentRecord, settings: OrchestratorConfig) -> CompiledStateGraph:
    """The compiled agent for ``agent`` under ``settings`` (cached: compiling costs ms)."""
    config = agent.config
    model = model_for(config, agent.role.value, streaming=True)
    key = (agent.id, agent.updated_at, config.model_dump_json(), id(model),
           settings.max_model_calls_per_task, settings.max_tool_output_chars)
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    tracing.install()
    built = create_agent(
        model,
        tools_for(config.tools),
        system_prompt=system_prompt_for(agent.role.value, config.system_prompt, tools=config.tools),
        middleware=[
            LeaseFence(),  # outermost: nothing runs, and nothing is kept, without the lease
            BudgetGuard(),  # then: a refused call is not announced, made or counted
            ActivityEvents(),
            ReplyProgress(),
            LargeReplyArtifacts(),  # outside RedactSecrets (the file is redacted) and outside
            # TextToolCallMiddleware (calls written in a long reply are recovered first)
            RedactSecrets(),
            ModelCallLimit(settings.max_model_calls_per_task),
            ToolOutputCap(settings.max_tool_output_chars),
            ContextEditingMiddleware(edits=[ClearToolUsesEdit(
                trigger=CLEAR_TOOL_RESULTS_AT_TOKENS, keep=3)]),
            TextToolCallMiddleware(),  # the others see the calls it recovers
            ContinueCutReplies(),  # calls are recovered from whole replies only
            StreamedReplyCheck(),  # innermost: a cut stream is never taken as a reply
        ],
        state_schema=TaskAgentState,
        context_schema=TaskContext,
        name=agent.name,
    )
    with _lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.pop(next(iter(_cache)))
        _cache[key] = built
    return built
