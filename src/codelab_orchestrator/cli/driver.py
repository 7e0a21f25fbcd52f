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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from langchain_core.runnables import RunnableConfig
from langgraph.errors import GraphDrained
from langgraph.runtime import RunControl
from langgraph.types import Command
from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.prompt import Prompt

from ..context import Context
from ..models import ModelConfigurationError, get_chat_model
from ..persistence.settings import data_dir
from ..project import load_project
from .render import Progress

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WAITING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
HARD_STOP_S = 3.0
STOP_REASON = "stopped by the user (Ctrl-C)"


def check_models(context: Context) -> None:
    """Fail early, with what to set, when the project cannot run: no enabled specialist,
    or models that cannot be created."""
    project = load_project(context)
    if not project.enabled_roles:
        raise ValueError(f"no enabled specialist agent in {context.user_id}/{context.project_id}: "
                         "enable one with `codelab agents update NAME --status ready`")
    for agent in [project.orchestrator, *[a for a in project.agents if a.enabled]]:
        try:
            get_chat_model(agent.config.model, temperature=agent.config.temperature,
                           max_tokens=agent.config.max_tokens)
        except ModelConfigurationError as exc:
            raise NoModelError(agent.name, agent.config.model, exc) from None


class NoModelError(RuntimeError):
    def __init__(self, agent: str, model: str, cause: Exception):
        super().__init__(
            f"no usable model for agent {agent!r} ({model}).\n"
            "Configure one of:\n"
            "  OPENAI_API_KEY=sk-...                 for OpenAI\n"
            "  OPENAI_BASE_URL=http://host:port/v1   for a compatible server (vLLM, Ollama, LiteLLM)\n"
            "  CODELAB_MODEL=provider:model          the model of new agent rows\n"
            f"  codelab agents update {agent} --config '{{\"model\": \"provider:model\"}}'\n"
            f"(cause: {str(cause).splitlines()[0][:200]})")


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
                verbose: bool = False) -> int:
    """Stream until the run ends or waits; answer approvals; return the exit code.

    ``payload`` None continues the thread: a waiting approval is answered first
    (``answer``, ``yes``, or the terminal), a stopped run just goes on.
    """
    thread = config["configurable"]["thread_id"]
    control = RunControl()
    try:
        with stop_on_ctrl_c(control, console):
            while True:
                if payload is None and (waiting := (await graph.aget_state(config)).interrupts):
                    resume = approval_answer(waiting[0].value, console, as_json=as_json, yes=yes,
                                             answer=answer, thread=thread)
                    answer = None  # an answer given on the command line is used once
                    if resume is None:
                        return EXIT_WAITING
                    payload = Command(resume=resume)
                with Progress(console, as_json=as_json, verbose=verbose) as progress:
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
                    answer: str | None, thread: str) -> Any:
    if request.get("type") == "task_input":
        return task_answer(request, console, as_json=as_json, answer=answer, thread=thread)
    if yes:
        return "approve"
    if answer:
        return _answer_value(answer)
    if as_json or not console.is_terminal:
        message = {"event": "waiting_for_approval", "thread_id": thread, "plan_id": request.get("plan_id")}
        if as_json:
            print(json.dumps(message), flush=True)
        else:
            console.print(f"waiting for approval: codelab resume {thread} --answer approve|reject|@plan.json")
        return None
    draft = data_dir() / "plans" / f"{request.get('plan_id')}.json"
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text(json.dumps({"goal": request.get("goal"), "tasks": request.get("tasks")}, indent=2))
    console.print(f"estimated cost {request.get('estimated_cost')}; plan written to {draft}")
    choice = Prompt.ask("approve, reject or edit?", choices=["approve", "reject", "edit"], default="approve")
    if choice != "edit":
        return choice
    Prompt.ask(f"edit {draft}, then press Enter")
    return {"action": "edit", "plan": json.loads(draft.read_text())}


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
    return Prompt.ask("approve or reject?", choices=["approve", "reject"], default="reject")


def _answer_value(answer: str) -> Any:
    if answer.startswith("@"):
        try:
            return {"action": "edit", "plan": json.loads(Path(answer[1:]).read_text())}
        except (OSError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"cannot read the edited plan {answer[1:]}: {exc}") from None
    return answer


def report(values: dict, console: Console, as_json: bool, thread: str) -> int:
    final = values.get("final")
    if final is None:
        console.print("the run ended without a final answer")
        return EXIT_FAILED
    if as_json:
        print(json.dumps({"event": "final", "thread_id": thread, **final.model_dump(mode="json")},
                         ensure_ascii=False), flush=True)
    else:
        style = {"completed": "green", "failed": "red"}.get(final.status, "yellow")
        console.print(Panel(Markdown(final.text or "(empty)"), title=f"{final.status}",
                            border_style=style))
        files = final.summary.get("files_changed") or []
        if files:
            console.print("files changed: " + ", ".join(files))
        console.print(f"[dim]session {thread}[/dim]")
    return EXIT_OK if final.status == "completed" else EXIT_FAILED
