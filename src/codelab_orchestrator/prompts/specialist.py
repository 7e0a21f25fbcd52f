"""System prompts of the specialist roles and the prompt that hands over a task."""

from __future__ import annotations

from ..state import Task

ROLE_PROMPTS: dict[str, str] = {
    "coder": "You are the Coder. You implement changes in the user's project: write and edit "
             "code and tests that fit the existing style. Answer with what you changed and why.",
    "architect": "You are the Architect. You design: structure, components, interfaces and the "
                 "order of work. Answer with a concise design the Coder can follow.",
    "debug": "You are the Debugger. You find the root cause of failures from errors, logs and "
             "code, fix it, and say what was wrong and how the fix was checked.",
    "ask": "You are the Explainer. You answer questions about the project and programming "
           "clearly and accurately. You do not change files.",
    "universal": "You are a full-stack software assistant working alone: plan, code, debug and "
                 "explain as the request needs.",
    "custom": "You are a specialist agent. Do the task you are given, precisely.",
}

TASK_TEMPLATE = """Overall goal: {goal}

Your task ({task_id}): {description}
{inputs}
Do this task only. Reply with the result, concisely."""

INPUT_TEMPLATE = "\nResults of the tasks this one depends on:\n{results}\n"


def system_prompt_for(role: str, override: str | None = None) -> str:
    return override or ROLE_PROMPTS.get(role, ROLE_PROMPTS["custom"])


def render_task_prompt(task: Task, goal: str, dependency_results: dict[str, str]) -> str:
    inputs = ""
    if dependency_results:
        results = "\n".join(f"- [{tid}] {text}" for tid, text in dependency_results.items())
        inputs = INPUT_TEMPLATE.format(results=results)
    return TASK_TEMPLATE.format(goal=goal, task_id=task.id, description=task.description,
                                inputs=inputs)
