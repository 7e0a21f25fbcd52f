"""The CLI's side of budgets: answering a plan paused by its cost cap, and the cost line."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.prompt import Prompt

from ..budget.usage import add, describe, money

EXIT_BUDGET = 5  # the plan's cost cap is reached: `codelab resume THREAD --budget N`


def is_budget_request(request: Any) -> bool:
    return isinstance(request, dict) and request.get("type") == "budget_exceeded"


def budget_answer(request: dict, console: Console, *, as_json: bool, budget: float | None,
                  thread: str) -> Any:
    """The answer to a ``paused_budget`` interrupt: ``{"budget": N}`` from ``--budget`` or the
    terminal; None to leave the session waiting (the caller exits with :data:`EXIT_BUDGET`)."""
    spent = request.get("spent") or {}
    figures = (f"plan {request.get('plan_id')} paused: its budget is reached "
               f"({describe(spent, request.get('max_cost'))})")
    if request.get("problem"):
        figures += f"; {request['problem']}"
    if budget is not None:
        return {"budget": budget}
    if as_json:
        print(json.dumps({"event": "paused_budget", "thread_id": thread, **request},
                         default=str), flush=True)
        return None
    console.print(f"[bold yellow]{figures}[/bold yellow]", highlight=False)
    if console.is_terminal:
        value = Prompt.ask(f"new budget in USD, above {money(spent.get('cost'))} "
                           "(empty: stop here, 'cancel': end the plan)", default="")
        if value.strip():
            return value.strip() if value.strip().lower() == "cancel" else {"budget": value.strip()}
    console.print(f"continue with: codelab resume {thread} --budget N "
                  f"(N above {money(spent.get('cost'))})")
    return None


def cost_line(summary: dict) -> str | None:
    """``12,345 tokens · 7 model calls · $0.0123 of $1.00`` for a final summary."""
    usage = summary.get("usage")
    if not usage or not usage.get("model_calls"):
        return None
    return describe(usage, (summary.get("budget") or {}).get("max_cost"))


# -- live figures for the progress table -------------------------------------------------


def live_spend(task: Any, live: dict[str, dict]) -> dict:
    """What ``task`` has spent so far: its recorded attempts, with the attempt under way
    replaced by what its model calls reported (``model_usage`` events) when newer."""
    by_attempt = dict(task.usage_by_attempt)
    current = live.get(task.id)
    if current is not None and task.status == "running":
        key = str(current.get("attempt"))
        recorded = by_attempt.get(key) or {}
        if (current.get("usage") or {}).get("total_tokens", 0) >= recorded.get("total_tokens", 0):
            by_attempt[key] = current.get("usage") or {}
    return add(*by_attempt.values())


def track_usage(live: dict[str, dict], event: dict) -> None:
    """Remember the latest ``model_usage`` of each task (its attempt's totals so far)."""
    if event.get("event") == "model_usage" and event.get("task_id"):
        live[event["task_id"]] = {"attempt": event.get("attempt"), "usage": event.get("usage")}


def spend_cells(spend: dict) -> tuple[str, str]:
    tokens = int(spend.get("total_tokens", 0) or 0)
    cost = float(spend.get("cost", 0) or 0)
    return (f"{tokens:,}" if tokens else "", money(cost) if cost else "")


def plan_caption(plan: Any, live: dict[str, dict]) -> str | None:
    total = add(*(live_spend(t, live) for t in plan.tasks))
    if not total["model_calls"] and plan.max_cost is None:
        return None
    return "spent: " + describe(total, plan.max_cost)


def describe_budget_event(event: dict) -> str | None:
    kind = event.get("event")
    if kind == "budget_warning":
        return (f"[yellow]budget warning[/yellow]: the plan has spent {money(event.get('spent'))} "
                f"of {money(event.get('max_cost'))} ({round(100 * (event.get('share') or 0))}%)")
    if kind == "budget_exceeded" and event.get("scope") == "task":
        return (f"  [red]over budget[/red] {event.get('task_id')}: {event.get('tokens'):,} tokens "
                f"(max_tokens_per_task={event.get('max_tokens')})")
    if kind == "budget_exceeded":
        stopped = ", ".join(event.get("stopped") or []) or "nothing running"
        return (f"[bold red]budget reached[/bold red]: spent {money(event.get('spent'))} of "
                f"{money(event.get('max_cost'))}; stopped {stopped}; the plan is paused")
    return None
