"""``codelab run`` and ``codelab resume``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from ..context import Context
from ..persistence import open_checkpointer
from .common import JsonOption, ProjectOption, UserOption, console, fail, scope, user_errors
from .driver import EXIT_OK, EXIT_WAITING, NoModelError, approval_answer, check_models, drive

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Approve plans without asking.")]
OrchestratorOption = Annotated[
    str | None, typer.Option(help="Orchestrator row to use (default: the project's default).")
]


def run(
    request: Annotated[str, typer.Argument(help="What you want done, in your own words.")],
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Project directory.")] = Path("."),
    thread: Annotated[str | None, typer.Option(help="Session id (new if not given).")] = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run a request with live progress. Exit 0 done, 1 plan failed, 2 bad usage or config,
    3 waiting for approval, 130 stopped with Ctrl-C (resumable)."""
    if not request.strip():
        fail("the request is empty")
    if not workspace.is_dir():
        fail(f"--workspace {workspace} is not a directory")
    user_id, project_id = scope(user, project)
    context = Context(user_id=user_id, project_id=project_id, workspace=str(workspace.resolve()),
                      orchestrator=orchestrator)
    _check(context)
    thread_id = thread or uuid.uuid4().hex[:12]
    raise typer.Exit(_drive({"messages": [HumanMessage(request)]}, thread_id, context, as_json, yes))


def resume(
    thread: Annotated[str, typer.Argument(help="Session id to continue.")],
    answer: Annotated[str | None, typer.Option(
        help="Answer to a waiting approval: approve, reject, or @edited-plan.json.")] = None,
    workspace: Annotated[Path, typer.Option("--workspace", "-w")] = Path("."),
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a session: answer its approval, or finish a run that was stopped."""
    from ..graph import build_graph  # noqa: PLC0415

    user_id, project_id = scope(user, project)
    context = Context(user_id=user_id, project_id=project_id, workspace=str(workspace.resolve()),
                      orchestrator=orchestrator)
    config: RunnableConfig = {"configurable": {"thread_id": thread}}
    with open_checkpointer() as saver:
        state = build_graph(checkpointer=saver).get_state(config)
    if not state.values:
        fail(f"no session {thread!r}")
    if not state.next:
        console.print(f"session {thread} has nothing left to run (plan "
                      f"{getattr(state.values.get('plan'), 'status', 'none')})")
        raise typer.Exit(EXIT_OK)
    _check(context)
    raise typer.Exit(_drive(None, thread, context, as_json, yes, answer))


def _pending_answer(graph, config: RunnableConfig, answer: str | None, yes: bool, as_json: bool):
    """A session waiting for approval: resume it with the answer (asked for if needed)."""
    request = graph.get_state(config).interrupts[0].value
    value = approval_answer(request, console, as_json=as_json, yes=yes, answer=answer,
                            thread=config["configurable"]["thread_id"])
    return None if value is None else Command(resume=value)


def _check(context: Context) -> None:
    with user_errors():
        try:
            check_models(context)
        except NoModelError as exc:
            fail(str(exc))


def _drive(payload, thread_id: str, context: Context, as_json: bool, yes: bool,
           answer: str | None = None) -> int:
    from ..graph import build_graph  # noqa: PLC0415 - keep `codelab --help` fast

    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    with open_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        if payload is None and graph.get_state(config).interrupts:
            payload = _pending_answer(graph, config, answer, yes, as_json)
            if payload is None:
                return EXIT_WAITING
        return drive(graph, payload, config, context, console, as_json=as_json, yes=yes, answer=answer)
