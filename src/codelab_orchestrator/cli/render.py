"""Live progress for a run: a Rich table of the plan's tasks that ticks while they run,
a line per decision, or one JSON object per event.

The table is rebuilt on every refresh (four times a second), so running tasks show
their elapsed time and what their agent is doing right now (calling the model, with
the call's elapsed time and tokens so far while it runs, or the tool it runs), from
the events the tasks' runs stream.
"""

from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..state import Plan, PlanPatch, Task, merge_plan, now
from .budget import describe_budget_event, live_spend, plan_caption, spend_cells, track_usage

STYLE = {"pending": "dim", "running": "yellow", "done": "green", "failed": "red",
         "skipped": "dim", "cancelled": "magenta"}


class Progress:
    """Consumes ``(mode, chunk)`` pairs from ``graph.astream(..., stream_mode=["custom", "updates"])``."""

    def __init__(self, console: Console, as_json: bool = False, verbose: bool = False):
        self.console = console
        self.as_json = as_json
        self.verbose = verbose
        self.plan: Plan | None = None
        self.doing: dict[str, str] = {}  # task id -> what its agent is doing now
        self.usage: dict[str, dict] = {}  # task id -> its attempt's spend so far (model_usage)
        self.live: Live | None = None
        self.waiting = ""  # a model call outside the tasks, while no plan is shown

    def __enter__(self) -> Progress:
        if not self.as_json:
            self.live = Live(self, console=self.console, refresh_per_second=4, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.live is not None:
            self.live.refresh()
            self.live.__exit__(*exc)
            self.console.print()

    def feed(self, mode: str, chunk: Any) -> None:
        if mode == "custom":
            self._event(chunk)
        elif mode == "updates" and isinstance(chunk, dict):
            for update in chunk.values():
                if isinstance(update, dict) and isinstance(update.get("plan"), Plan | PlanPatch):
                    self.plan = merge_plan(self.plan, update["plan"])

    def _event(self, event: dict[str, Any]) -> None:
        if self.as_json:
            print(json.dumps(event, default=str, ensure_ascii=False), flush=True)
            return
        self._track(event)
        line = describe(event, verbose=self.verbose)
        if line:
            self.console.print(line, highlight=False)

    def _track(self, event: dict[str, Any]) -> None:
        task, kind = event.get("task_id"), event.get("event")
        track_usage(self.usage, event)
        if not task:
            if kind == "model_progress":  # a node's own model call (classify, plan)
                self.waiting = model_progress(event)
            return
        if kind == "model_call":
            self.doing[task] = f"model call {event.get('step', '')}".strip()
        elif kind == "model_progress":
            self.doing[task] = model_progress(event)
        elif kind == "tool_called":
            target = (event.get("args") or {}).get("path") or (event.get("args") or {}).get("command")
            self.doing[task] = f"{event.get('tool')} {target or ''}".strip()
        elif kind in ("task_done", "task_failed", "task_cancelled"):
            self.doing.pop(task, None)

    def __rich__(self) -> Any:
        if self.plan is None:
            return Text(f"classifying... {self.waiting}".strip(), style="dim")
        table = Table(title=f"plan {self.plan.id}: {self.plan.goal[:70]}", title_justify="left",
                      box=box.SIMPLE_HEAD)
        for column, width in (("task", 6), ("agent", 7), ("status", 9), ("elapsed", 7),
                              ("tokens", 6), ("cost", 7)):
            table.add_column(column, no_wrap=True, min_width=width,
                             justify="right" if column in ("elapsed", "tokens", "cost") else "left")
        table.add_column("now / description", overflow="ellipsis", no_wrap=True)
        for task in self.plan.tasks:
            doing = self.doing.get(task.id) if task.status == "running" else None
            table.add_row(task.id, task.agent, Text(task.status, style=STYLE.get(task.status, "")),
                          _elapsed(task), *spend_cells(live_spend(task, self.usage)),
                          Text(doing[:36], style="cyan") if doing else Text(task.description[:36]))
        table.caption = plan_caption(self.plan, self.usage)
        return table


def _elapsed(task: Task) -> str:
    if task.started_at is None:
        return ""
    end = task.finished_at or (now() if task.status == "running" else task.started_at)
    return f"{(end - task.started_at).total_seconds():.1f}s"


def model_progress(event: dict[str, Any]) -> str:
    """``model call 2 · 12s · 85 tok``: a long call is visibly alive (tokens where it streams).
    A node's own call is named by its ``phase`` (``classify · 40s``)."""
    label = f"model call {event['step']}" if event.get("step") else str(event.get("phase") or "model call")
    parts = [label, f"{float(event.get('elapsed_s') or 0):.0f}s"]
    if event.get("tokens"):
        parts.append(f"{event['tokens']} tok")
    return " · ".join(parts)


def describe(event: dict[str, Any], verbose: bool = False) -> str | None:
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
    if kind == "task_cancelled":
        return f"  [magenta]stopped[/magenta] {task}: {event.get('reason')}"
    if kind == "replanned":
        return (f"[bold]re-plan {event.get('replan')}[/bold]: replaced {', '.join(event.get('replaced', []))} "
                f"with {', '.join(event.get('new_tasks', []))}")
    if kind in ("budget_warning", "budget_exceeded"):
        return describe_budget_event(event)
    if kind == "plan_completed":
        return f"[bold]plan {event.get('status')}[/bold]"
    if verbose and kind == "tool_called":
        args = ", ".join(f"{k}={v!r}" for k, v in (event.get("args") or {}).items())
        return f"    [dim]{task}[/dim] {event.get('tool')}({args[:160]})"
    if verbose and kind == "tool_result":
        style = "red" if event.get("status") == "error" else "dim"
        return f"    [dim]{task}[/dim] [{style}]-> {str(event.get('preview', ''))[:120]!r}[/{style}]"
    return None
