"""A specialist's system prompt (the row's own, else its role's) and the task hand-over."""

from __future__ import annotations

from ..state import Task
from . import architect, ask, coder, custom, debug, universal

ROLE_PROMPTS: dict[str, str] = {
    "coder": coder.SYSTEM, "architect": architect.SYSTEM, "debug": debug.SYSTEM,
    "ask": ask.SYSTEM, "universal": universal.SYSTEM, "custom": custom.SYSTEM,
}

TOOLS_LINE = """

Tools you have: {tools}. Paths are relative to the project's root.
Call one tool at a time with a JSON object of arguments, for example
{example}
When the task is done, answer without a tool call."""
NO_TOOLS_LINE = "\n\nYou have no tools: answer from the task and its inputs."

# One example of a tool call, with the first of these tools the agent has. A small model
# copies the example: looking at the project first is the one step that is never wrong (with
# a read_file example Qwen2.5-Coder-0.5B edited the example's path instead of the task's).
TOOL_EXAMPLES: dict[str, str] = {
    "list_files": '{"name": "list_files", "arguments": {"path": "."}}',
    "read_file": '{"name": "read_file", "arguments": {"path": "README.md"}}',
    "search_in_code": '{"name": "search_in_code", "arguments": {"pattern": "def main"}}',
    "write_file": '{"name": "write_file", "arguments": {"path": "notes.txt", "content": "hello\\n"}}',
    "run_command": '{"name": "run_command", "arguments": {"command": "pytest -q"}}',
}

TASK_TEMPLATE = """Overall goal: {goal}

Your task ({task_id}): {description}
{done_when}{inputs}
Do this task only."""

EXPECTED_LINE = "Files to create or change: {files}\n"
CHECK_LINE = "Done when this command passes: {check}\n"

RETRY_TEMPLATE = """
Your previous attempt at this task failed:
{error}
Fix that this time.
"""

INPUT_TEMPLATE = "\nResults of the tasks this one depends on:\n{results}\n"


def system_prompt_for(role: str, override: str | None = None, tools: list[str] | None = None) -> str:
    base = override or ROLE_PROMPTS.get(role, ROLE_PROMPTS["custom"])
    if not tools:
        return base + NO_TOOLS_LINE
    example = next((TOOL_EXAMPLES[t] for t in TOOL_EXAMPLES if t in tools),
                   f'{{"name": "{tools[0]}", "arguments": {{}}}}')
    return base + TOOLS_LINE.format(tools=", ".join(tools), example=example)


def render_task_prompt(task: Task, goal: str, dependency_results: dict[str, str],
                       previous_error: str | None = None) -> str:
    inputs = ""
    if dependency_results:
        results = "\n".join(f"- [{tid}] {text}" for tid, text in dependency_results.items())
        inputs = INPUT_TEMPLATE.format(results=results)
    done_when = ""
    if task.expected:
        done_when += EXPECTED_LINE.format(files=", ".join(task.expected))
    if task.check:
        done_when += CHECK_LINE.format(check=task.check)
    if previous_error:
        inputs += RETRY_TEMPLATE.format(error=previous_error[:1500])
    return TASK_TEMPLATE.format(goal=goal, task_id=task.id, description=task.description,
                                done_when=done_when, inputs=inputs)
