"""A specialist's system prompt (the row's own, else its role's) and the task hand-over."""

from __future__ import annotations

from ..state import Task
from . import architect, ask, coder, custom, debug, universal

ROLE_PROMPTS: dict[str, str] = {
    "coder": coder.SYSTEM, "architect": architect.SYSTEM, "debug": debug.SYSTEM,
    "ask": ask.SYSTEM, "universal": universal.SYSTEM, "custom": custom.SYSTEM,
}

TOOLS_LINE = "\n\nTools you have: {tools}. Paths are relative to the project's root."
NO_TOOLS_LINE = "\n\nYou have no tools: answer from the task and its inputs."

TASK_TEMPLATE = """Overall goal: {goal}

Your task ({task_id}): {description}
{inputs}
Do this task only."""

INPUT_TEMPLATE = "\nResults of the tasks this one depends on:\n{results}\n"


def system_prompt_for(role: str, override: str | None = None, tools: list[str] | None = None) -> str:
    base = override or ROLE_PROMPTS.get(role, ROLE_PROMPTS["custom"])
    return base + (TOOLS_LINE.format(tools=", ".join(tools)) if tools else NO_TOOLS_LINE)


def render_task_prompt(task: Task, goal: str, dependency_results: dict[str, str]) -> str:
    inputs = ""
    if dependency_results:
        results = "\n".join(f"- [{tid}] {text}" for tid, text in dependency_results.items())
        inputs = INPUT_TEMPLATE.format(results=results)
    return TASK_TEMPLATE.format(goal=goal, task_id=task.id, description=task.description,
                                inputs=inputs)
