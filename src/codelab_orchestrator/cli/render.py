"""Live progress for a run: a Rich table of the plan's tasks whose statuses
change as they run, a line per decision, or one JSON object per event."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..state import Plan, PlanPatch, merge_plan, now

STYLE = {"pending": "dim", "running": "yellow", "done": "green", "failed": "red", "skipped": "dim"}


class Progress:
    """Consumes ``(mode, chunk)`` pairs from ``graph.stream(..., stream_mode=["custom", "updates"])``."""

    def __init__(self, console: Console, as_json: bool = False):
        self.console = console
        self.as_json = as_json
        self.plan: Plan | None = None
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if not self.as_json:
            self.live = Live(self._render(), console=self.console, refresh_per_second=4,
                             transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.update(self._render())
            self.live.__exit__(*exc)

    def feed(self, mode: str, chunk: Any) -> None:
        if mode == "custom":
            self._event(chunk)
        elif mode == "updates" and isinstance(chunk, dict):
            for update in chunk.values():
                if isinstance(update, dict) and isinstance(update.get("plan"), Plan | PlanPatch):
                    self.plan = merge_plan(self.plan, update["plan"])
        if self.live is not None:
            self.live.update(self._render())

    def _event(self, event: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps(event, default=str, ensure_ascii=False), flush=True)
            return
        line = describe(event)
        if line:
            self.console.print(line, highlight=False)

    def _render(self) -> Any:
        if self.plan is None:
            return Text("classifying...", style="dim")
        table = Table(title=f"plan {self.plan.id}: {self.plan.goal[:70]}", title_justify="left")
        for column in ("task", "agent", "status", "elapsed", "description"):
            table.add_column(column, overflow="fold" if column == "description" else "ellipsis")
        for task in self.plan.tasks:
            table.add_row(task.id, task.agent, Text(task.status, style=STYLE.get(task.status, "")),
                          _elapsed(task), task.description[:60])
        return Group(table)


def _elapsed(task: Any) -> str:
    if task.started_at is None:
        return ""
    end = task.finished_at or (now() if task.status == "running" else task.started_at)
    return f"{(end - task.started_at).total_seconds():.1f}s"


def describe(event: dict[str, Any]) -> str | None:
    kind = event.get("event")
    task = event.get("task_id")
    if kind == "classified":
        scope = "one step" if event.get("is_atomic") else "needs a plan"
        return (f"[bold]classified[/bold]: {event.get('agent')}, {scope} "
                f"({event.get('confidence')}, {event.get('method')})")
    if kind == "plan_created":
        return f"[bold]plan[/bold] {event.get('plan_id')}: {event.get('tasks')} task(s)"
    if kind == "approval_required":
        return f"[bold yellow]approval required[/bold yellow]: {'; '.join(event.get('reasons', []))}"
    if kind == "switch_agent":
        return f"  -> {event.get('agent')} takes {task}" + (f" ({event['reason']})" if event.get("reason") else "")
    if kind == "task_retry":
        return f"  [yellow]retry[/yellow] {task} (attempt {event.get('attempt')}): {event.get('error')}"
    if kind == "task_failed":
        return f"  [red]failed[/red] {task}: {event.get('error')}"
    if kind == "replanned":
        return (f"[bold]re-plan {event.get('replan')}[/bold]: replaced {', '.join(event.get('replaced', []))} "
                f"with {', '.join(event.get('new_tasks', []))}")
    if kind == "plan_completed":
        return f"[bold]plan {event.get('status')}[/bold]"
    return None


