"""The specialist: a tool-calling loop built from the agent's row.

Model, temperature, max_tokens and system prompt come from the row (the
role's default prompt when empty); the tools are the row's list, bound to
the run's workspace. The loop ends when the model answers without calling a
tool, or fails the task at the step limit. Tool errors go back to the model
as tool messages; model errors (after the client's retries) propagate and
fail the task, so the graph's failure policy decides what happens next.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from ..models import get_chat_model
from ..prompts.specialist import render_task_prompt, system_prompt_for
from ..tools import ToolRecorder, Workspace, build_tools, openai_schema
from .base import TaskOutcome, TaskRequest

MAX_STEPS = 25


class StepLimitError(RuntimeError):
    pass


def add_usage(total: dict[str, int], message: BaseMessage) -> None:
    usage = getattr(message, "usage_metadata", None) or {}
    for key in ("input_tokens", "output_tokens", "total_tokens"):
        total[key] = total.get(key, 0) + int(usage.get(key, 0) or 0)


def text_of(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


class SpecialistRunner:
    def __init__(self, max_steps: int = MAX_STEPS):
        self.max_steps = max_steps

    def run(self, request: TaskRequest) -> TaskOutcome:
        config = request.agent.config
        recorder = ToolRecorder()
        tools = build_tools(config.tools, Workspace(request.context.workspace, config.deny_files),
                            config.allowed_commands, recorder,
                            allow_network=config.allow_network) if config.tools else []
        by_name = {tool.name: tool for tool in tools}
        model = get_chat_model(config.model, temperature=config.temperature,
                               max_tokens=config.max_tokens)
        bound = model.bind_tools([openai_schema(name) for name in by_name]) if tools else model
        messages: list[BaseMessage] = [
            SystemMessage(system_prompt_for(request.agent.role.value, config.system_prompt,
                                            tools=list(by_name))),
            HumanMessage(render_task_prompt(request.task, request.goal, request.dependency_results)),
        ]
        usage: dict[str, int] = {}
        for _ in range(self.max_steps):
            reply = bound.invoke(messages)
            add_usage(usage, reply)
            messages.append(reply)
            calls = list(reply.tool_calls) if isinstance(reply, AIMessage) else []
            invalid = list(getattr(reply, "invalid_tool_calls", []) or [])
            if not calls and not invalid:
                answer = text_of(reply) if isinstance(reply, AIMessage) else str(reply.content)
                if not answer.strip():
                    raise ValueError("the model returned an empty answer")
                return TaskOutcome(result=answer, usage=usage, record=recorder.as_dict())
            for call in calls:
                tool = by_name.get(call["name"])
                if tool is None:
                    error = f"ERROR: unknown tool {call['name']!r}; available: {sorted(by_name)}"
                    recorder.add("tool_errors", error)
                    messages.append(ToolMessage(error, tool_call_id=call["id"] or "", status="error"))
                    continue
                messages.append(tool.invoke({**call, "type": "tool_call"}))
            for bad in invalid:
                error = f"ERROR: the arguments of {bad.get('name')!r} are not valid JSON: {bad.get('error')}"
                recorder.add("tool_errors", error)
                messages.append(ToolMessage(error, tool_call_id=bad.get("id") or "", status="error"))
        raise StepLimitError(f"no final answer after {self.max_steps} model calls (step limit)")
