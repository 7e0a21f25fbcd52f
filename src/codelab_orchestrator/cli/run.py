"""``codelab run`` and ``codelab resume``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig

from ..context import Context
from ..persistence import open_checkpointer
from .common import JsonOption, ProjectOption, UserOption, console, fail, scope, user_errors
from .driver import EXIT_OK, NoModelError, check_models, drive

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Approve plans without asking.")]
WorkspaceOption = Annotated[Path, typer.Option("--workspace", "-w", help="Project directory.")]
OrchestratorOption = Annotated[
    str | None, typer.Option(help="Orchestrator row to use (default: the project's default).")
]


def run(
    request: Annotated[str, typer.Argument(help="What you want done, in your own words.")],
    workspace: WorkspaceOption = Path("."),
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
    context = _context(workspace, user, project, orchestrator)
    payload = {"messages": [HumanMessage(request)]}
    raise typer.Exit(_session(thread or uuid.uuid4().hex[:12], context, payload, as_json, yes))


def resume(
    thread: Annotated[str, typer.Argument(help="Session id to continue.")],
    answer: Annotated[str | None, typer.Option(
        help="Answer to a waiting approval: approve, reject, or @edited-plan.json.")] = None,
    workspace: WorkspaceOption = Path("."),
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a session: answer its approval, or finish a run that was stopped."""
    context = _context(workspace, user, project, orchestrator)
    raise typer.Exit(_session(thread, context, None, as_json, yes, answer))


def _context(workspace: Path, user: str | None, project: str | None,
             orchestrator: str | None) -> Context:
    if not workspace.is_dir():
        fail(f"--workspace {workspace} is not a directory")
    user_id, project_id = scope(user, project)
    return Context(user_id=user_id, project_id=project_id, workspace=str(workspace.resolve()),
                   orchestrator=orchestrator)


def _session(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
             answer: str | None = None) -> int:
    """Run (``payload``) or continue (None) one session; returns the exit code."""
    from ..graph import build_graph  # noqa: PLC0415 - keep `codelab --help` fast

    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    with open_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        if payload is None:
            state = graph.get_state(config)
            if not state.values:
                fail(f"no session {thread_id!r}")
            if not state.next:
                plan = state.values.get("plan")
                console.print(f"session {thread_id} has nothing left to run "
                              f"(plan {plan.status if plan else 'none'})")
                return EXIT_OK
        with user_errors():
            try:
                check_models(context)
            except NoModelError as exc:
                fail(str(exc))
        return drive(graph, payload, config, context, console, as_json=as_json, yes=yes,
                     answer=answer)
