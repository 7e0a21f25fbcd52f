"""Running and resuming a session from the terminal.

The graph streams live; an approval interrupt is answered in the terminal
(or with ``--yes`` / ``--answer``); Ctrl-C stops the run and leaves the
session resumable (every step is checkpointed with ``durability="sync"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from langchain_core.runnables import RunnableConfig
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


def drive(graph: Any, payload: Any, config: RunnableConfig, context: Context, console: Console, *,
          as_json: bool, yes: bool, answer: str | None = None) -> int:
    """Stream until the run ends or waits; answer approvals; return the exit code.

    ``payload`` None continues the thread: a waiting approval is answered first
    (``answer``, ``yes``, or the terminal), a stopped run just goes on.
    """
    thread = config["configurable"]["thread_id"]
    try:
        while True:
            if payload is None and (waiting := graph.get_state(config).interrupts):
                resume = approval_answer(waiting[0].value, console, as_json=as_json, yes=yes,
                                         answer=answer, thread=thread)
                answer = None  # an answer given on the command line is used once
                if resume is None:
                    return EXIT_WAITING
                payload = Command(resume=resume)
            with Progress(console, as_json=as_json) as progress:
                for mode, chunk in graph.stream(payload, config, context=context, durability="sync",
                                                stream_mode=["custom", "updates"]):
                    progress.feed(mode, chunk)
            state = graph.get_state(config)
            if not state.interrupts:
                return report(state.values, console, as_json, thread)
            payload = None
    except KeyboardInterrupt:
        console.print(f"\n[yellow]stopped.[/yellow] The session is saved: codelab resume {thread}")
        return EXIT_INTERRUPTED


def approval_answer(request: dict, console: Console, *, as_json: bool, yes: bool,
                    answer: str | None, thread: str) -> Any:
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
