"""The final answer's text, assembled from the tasks (no extra model call)."""

from __future__ import annotations

from typing import Any

from ..state import Task

HEADER = {
    "completed": "Done: {goal}",
    "failed": "Finished with failures: {goal}",
    "cancelled": "Cancelled: {goal}",
}


def render_answer(goal: str, status: str, tasks: list[Task], summary: dict[str, Any],
                  results: dict[str, str] | None = None) -> str:
    """``results``: the whole result of each done task (else its summary is shown)."""
    results = results or {}
    done = [t for t in tasks if t.status == "done"]
    if status == "completed" and len(done) == 1:
        return results.get(done[0].id) or done[0].result or ""
    lines = [HEADER.get(status, "{goal}").format(goal=goal)]
    if status == "cancelled":
        lines.append("The plan was cancelled; nothing more will run.")
    for task in tasks:
        if task.status == "done":
            lines.append(f"\n[{task.id} · {task.agent}] {results.get(task.id) or task.result}")
        elif task.status == "failed" and task.recovery in (None, "gave_up"):
            lines.append(f"\n[{task.id} · {task.agent}] FAILED: {task.error}")
    skipped = [t.id for t in tasks if t.status in ("skipped", "cancelled")
               and not (t.recovery or "").startswith("replan")]
    if skipped and status != "cancelled":
        lines.append(f"\nNot run: {', '.join(skipped)}")
    if summary.get("files_changed"):
        lines.append("\nFiles changed: " + ", ".join(summary["files_changed"]))
    return "\n".join(lines)
