"""The final answer's text, assembled from the tasks (no extra model call)."""

from __future__ import annotations

from typing import Any

from ..state import Task

HEADER = {
    "completed": "Done: {goal}",
    "failed": "Finished with failures: {goal}",
    "cancelled": "Cancelled: {goal}",
}


TEXT_BUDGET_CHARS = 24_000  # the answer's text, all tasks together
MIN_TASK_CHARS = 160


def render_answer(goal: str, status: str, tasks: list[Task], summary: dict[str, Any],
                  whole: str | None = None) -> str:
    """One task done: its whole result (``whole``). Several: each task's summary, cut so the
    answer stays within :data:`TEXT_BUDGET_CHARS` however large the plan."""
    done = [t for t in tasks if t.status == "done"]
    if status == "completed" and len(done) == 1:
        return (whole or done[0].result or "")[:TEXT_BUDGET_CHARS] + checks_section(tasks)
    share = max(MIN_TASK_CHARS, TEXT_BUDGET_CHARS // max(1, len(tasks)))

    def short(text: str | None) -> str:
        text = text or ""
        return text if len(text) <= share else text[:share] + " [...]"

    lines = [HEADER.get(status, "{goal}").format(goal=goal)]
    if status == "cancelled":
        lines.append("The plan was cancelled; nothing more will run.")
    for task in tasks:
        if task.status == "done":
            lines.append(f"\n[{task.id} · {task.agent}] {short(task.result)}")
        elif task.status == "failed" and task.recovery in (None, "gave_up"):
            lines.append(f"\n[{task.id} · {task.agent}] FAILED: {short(task.error)}")
    skipped = [t.id for t in tasks if t.status in ("skipped", "cancelled")
               and not (t.recovery or "").startswith("replan")]
    if skipped and status != "cancelled":
        lines.append(f"\nNot run: {', '.join(skipped)}")
    if summary.get("files_changed"):
        lines.append("\nFiles changed: " + ", ".join(summary["files_changed"]))
    return "\n".join(lines) + checks_section(tasks)


def checks_section(tasks: list[Task]) -> str:
    """How the done tasks are known to be done: the checks they passed, and those that could
    not run (a task without checks says so: nothing but the agent's word)."""
    lines = []
    for task in tasks:
        if task.status != "done":
            continue
        passed = "; ".join(task.verified) or "no checks (the agent's word only)"
        lines.append(f"- {task.id} ({task.agent}): {passed}")  # a Markdown list: the CLI renders it
        lines.extend(f"- {task.id}: not verified: {why}" for why in task.unverified)
    return ("\n\nVerified:\n" + "\n".join(lines)) if lines else ""
