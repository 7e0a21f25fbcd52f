"""Running and resuming a session from the terminal.

The graph streams live (``astream``); an approval interrupt is answered in
the terminal (or with ``--yes`` / ``--answer``). The first Ctrl-C asks the
run to stop cleanly: LangGraph's run control drains the run at the next step
boundary, running tasks are cancelled and recorded, and the session stays
resumable (``codelab resume``). If the run has not stopped within
:data:`HARD_STOP_S`, it is cancelled outright (still resumable: every step is
checkpointed with ``durability="sync"``). A second Ctrl-C exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl
from langgraph.types import Command
from rich.console import Console
from rich.panel import Panel

from ..context import Context
from ..persistence.settings import data_dir
from . import approval
from .budget import EXIT_BUDGET, budget_answer, cost_line, is_budget_request
from .common import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_WAITING
from .preflight import NoModelError, check_models  # noqa: F401 - moved; imported from here before
from .render import Progress

HARD_STOP_S = 3.0
STOP_REASON = "stopped by the user (Ctrl-C)"
# Set by the first Ctrl-C (a real SIGINT): the process then exits as soon as the run is
# saved, without waiting for worker threads (see run._exit_once_stopped).
CTRL_C = threading.Event()


@contextlib.contextmanager
def stop_on_ctrl_c(control: RunControl, console: Console) -> Iterator[None]:
    """First Ctrl-C: drain the run (then cancel it after :data:`HARD_STOP_S`); second: exit."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    presses = 0

    def on_sigint() -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            console.print("\n[red]quit.[/red]")
            sys.stdout.flush()
            os._exit(EXIT_INTERRUPTED)
        CTRL_C.set()
        control.request_drain(STOP_REASON)
        console.print("\n[yellow]stopping...[/yellow] (Ctrl-C again to quit at once)")
        if task is not None:
            loop.call_later(HARD_STOP_S, task.cancel)

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


async def drive(graph: Any, payload: Any, config: RunnableConfig, context: Context,
                console: Console, *, as_json: bool, yes: bool, answer: str | None = None,
                verbose: bool = False, budget: float | None = None,
                approval_context: Context | None = None) -> int:
    """Stream until the run ends or waits; answer approvals; return the exit code.

    ``payload`` None continues the thread: a waiting approval is answered first
    (``answer``, ``yes``, or the terminal), a plan paused by its budget gets ``budget``
    (or the terminal's), a stopped run just goes on. ``approval_context`` (the context
    resolved against the session) checks edited plans.
    """
    thread = config["configurable"]["thread_id"]
    control = RunControl()
    try:
        with stop_on_ctrl_c(control, console):
            while True:
                if payload is None and (waiting := (await graph.aget_state(config)).interrupts):
                    if is_budget_request(waiting[0].value):
                        resume = budget_answer(waiting[0].value, console, as_json=as_json,
                                               budget=budget, thread=thread)
                        budget = None  # used once: a refused one is not sent again
                        if resume is None:
                            return EXIT_BUDGET
                    else:
                        resume = approval_answer(waiting[0].value, console, as_json=as_json,
                                                 yes=yes, answer=answer, thread=thread,
                                                 context=approval_context or context)
                        answer = None  # an answer given on the command line is used once
                        if resume is None:
                            return EXIT_WAITING
                    payload = Command(resume=resume)
                with Progress(console, as_json=as_json, verbose=verbose) as progress:
                    if not isinstance(payload, dict):  # continuing: show the plan as it is
                        progress.plan = (await graph.aget_state(config)).values.get("plan")
                    async for mode, chunk in graph.astream(
                            payload, config, context=context, durability="sync",
                            stream_mode=["custom", "updates"], control=control):
                        progress.feed(mode, chunk)
                state = await graph.aget_state(config)
                if not state.interrupts:
                    return report(state.values, console, as_json, thread)
                payload = None
    except (GraphDrained, asyncio.CancelledError, KeyboardInterrupt):
        if as_json:
            print(json.dumps({"event": "stopped", "thread_id": thread, "reason": STOP_REASON}),
                  flush=True)
        console.print(f"[yellow]stopped.[/yellow] The session is saved: codelab resume {thread}")
        return EXIT_INTERRUPTED


def approval_answer(request: dict, console: Console, *, as_json: bool, yes: bool,
                    answer: str | None, thread: str, context: Context) -> Any:
    """The answer to a waiting approval, or None to leave the session waiting
    (``--json``, no terminal, or ``--plan-only``). See :mod:`.approval`."""
    if request.get("type") == "task_input":
        return task_answer(request, console, as_json=as_json, answer=answer, thread=thread)
    if yes:
        return "approve"
    if answer:
        return _answer_value(answer, context)
    plan_only = bool((context.overrides or {}).get("require_approval"))
    if as_json:
        print(json.dumps({"event": "waiting_for_approval", "thread_id": thread,
                          "plan_id": request.get("plan_id")}), flush=True)
        return None
    approval.show_request(request, console)
    if plan_only or not console.is_terminal:
        console.print(f"waiting for approval: codelab resume {thread} --answer approve|reject|@plan.json")
        return None
    return approval.ask(request, console, context, data_dir() / "plans" / f"{request.get('plan_id')}.json")


def task_answer(request: dict, console: Console, *, as_json: bool, answer: str | None,
                thread: str) -> Any:
    """A task asks a person (a command to approve): ``--answer``, or the terminal. ``--yes``
    approves plans, never commands."""
    if answer:
        return answer
    asked = request.get("request") or {}
    what = (f"run `{asked.get('command')}` ({asked.get('reason')})"
            if asked.get("type") == "command_approval" else json.dumps(asked, default=str))
    if as_json or not console.is_terminal:
        message = {"event": "waiting_for_input", "thread_id": thread, "task_id": request.get("task_id"),
                   "request": asked}
        if as_json:
            print(json.dumps(message, default=str), flush=True)
        else:
            console.print(f"task {request.get('task_id')} asks to {what}: "
                          f"codelab resume {thread} --answer approve|reject", highlight=False)
        return None
    console.print(f"task {request.get('task_id')} ({request.get('agent')}) asks to {what}",
                  highlight=False)
    from rich.prompt import Prompt  # noqa: PLC0415

    return Prompt.ask("approve or reject?", choices=["approve", "reject"], default="reject")


def _answer_value(answer: str, context: Context) -> Any:
    if approval.parse_answer(answer) is None:  # @FILE: an edited plan, checked before it is sent
        return {"action": "edit", "plan": approval.read_plan(Path(answer.strip()[1:]), context)}
    return answer.strip().lower()


def report(values: dict, console: Console, as_json: bool, thread: str) -> int:
    final = values.get("final")
    if final is None:
        console.print("the run ended without a final answer")
        return EXIT_FAILED
    if as_json:
        print(json.dumps({"event": "final", "thread_id": thread, **final.model_dump(mode="json")},
                         ensure_ascii=False), flush=True)
    else:
        from rich.markdown import Markdown  # noqa: PLC0415 - Markdown and Pygments: only at the end

        style = {"completed": "green", "failed": "red"}.get(final.status, "yellow")
        console.print(Panel(Markdown(final.text or "(empty)"), title=f"{final.status}",
                            border_style=style))
        if changes := final.summary.get("changes"):
            from ..gitspace import FileChange  # noqa: PLC0415
            from .changes import render_changes  # noqa: PLC0415

            render_changes(console, [FileChange.model_validate(c) for c in changes])
        elif files := final.summary.get("files_changed"):
            console.print("files changed: " + ", ".join(files))
        if cost := cost_line(final.summary):
            console.print(f"spent: {cost}", highlight=False)
        console.print(f"[dim]session {thread}[/dim]")
    return EXIT_OK if final.status == "completed" else EXIT_FAILED
