"""The simplest specialist: one model call with the task and its inputs."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage

from ..models import get_chat_model
from ..prompts.specialist import render_task_prompt, system_prompt_for
from .base import TaskOutcome, TaskRequest


def usage_of(message: object) -> dict[str, int]:
    usage = getattr(message, "usage_metadata", None) or {}
    return {k: int(usage.get(k, 0)) for k in ("input_tokens", "output_tokens", "total_tokens")}


class SimpleRunner:
    def run(self, request: TaskRequest) -> TaskOutcome:
        config = request.agent.config
        model = get_chat_model(config.model, temperature=config.temperature,
                               max_tokens=config.max_tokens)
        reply = model.invoke([
            SystemMessage(system_prompt_for(request.agent.role.value, config.system_prompt)),
            HumanMessage(render_task_prompt(request.task, request.goal, request.dependency_results)),
        ])
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        if not text.strip():
            raise ValueError("the model returned an empty answer")
        return TaskOutcome(result=text, usage=usage_of(reply))
