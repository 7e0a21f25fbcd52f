"""``codelab run`` and ``codelab resume``."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from ..context import Context
from ..persistence import open_async_checkpointer
from ..persistence.sessions import SessionStore
from .common import JsonOption, ProjectOption, UserOption, console, fail, scope, user_errors
from .driver import EXIT_OK, NoModelError, check_models, drive
from .leases import RUN_STATUS, WaitOption, exclusive_session

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Approve plans without asking.")]
WorkspaceOption = Annotated[Path | None, typer.Option(
    "--workspace", "-w", help="Project directory (default: the session's; for a new session "
                              "$CODELAB_WORKSPACE, else the current directory).")]
OrchestratorOption = Annotated[
    str | None, typer.Option(help="Orchestrator row to use (default: the project's default).")
]


def run(
    request: Annotated[str, typer.Argument(help="What you want done, in your own words.")],
    workspace: WorkspaceOption = None,
    thread: Annotated[str | None, typer.Option(help="Session id (new if not given).")] = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    yes: YesOption = False,
    wait: WaitOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run a request with live progress. Exit 0 done, 1 plan failed, 2 bad usage or config,
    3 waiting for approval, 4 the session is running elsewhere, 130 stopped with Ctrl-C
    (resumable)."""
    if not request.strip():
        fail("the request is empty")
    context = _context(workspace, user, project, orchestrator)
    payload = {"messages": [HumanMessage(request)]}
    raise typer.Exit(_session(thread or uuid.uuid4().hex[:12], context, payload, as_json, yes,
                              wait=wait))


def resume(
    thread: Annotated[str, typer.Argument(help="Session id to continue.")],
    answer: Annotated[str | None, typer.Option(
        help="Answer to a waiting approval: approve, reject, or @edited-plan.json.")] = None,
    workspace: WorkspaceOption = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    yes: YesOption = False,
    wait: WaitOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a session where it stopped (Ctrl-C, a crash) or answer its approval. It works
    in the session's own workspace, whatever the current directory."""
    context = _context(workspace, user, project, orchestrator)
    raise typer.Exit(_session(thread, context, None, as_json, yes, answer, wait=wait))


def _context(workspace: Path | None, user: str | None, project: str | None,
             orchestrator: str | None) -> Context:
    """The context as given on the command line; empty fields are the session's (or defaults)."""
    if workspace is not None and not workspace.is_dir():
        fail(f"--workspace {workspace} is not a directory")
    return Context(user_id=user or "", project_id=project or "",
                   workspace=str(workspace.resolve()) if workspace is not None else "",
                   orchestrator=orchestrator)


def _session(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
             answer: str | None = None, *, wait: bool = False) -> int:
    """Run (``payload``) or continue (None) one session; returns the exit code."""
    return asyncio.run(_asession(thread_id, context, payload, as_json, yes, answer, wait))


async def _asession(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
                    answer: str | None, wait: bool = False) -> int:
    from ..graph import build_graph  # noqa: PLC0415 - keep `codelab --help` fast
    from ..nodes.common import SessionMismatchError, resolve_context  # noqa: PLC0415

    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    async with open_async_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        state = await graph.aget_state(config)
        if payload is None and not state.values:
            fail(f"no session {thread_id!r}")
        user_id, project_id = scope(context.user_id, context.project_id)
        with exclusive_session(thread_id, user_id, project_id, wait=wait, as_json=as_json,
                               recorded=state.values.get("session")) as lease:
            state = await graph.aget_state(config)  # as the run before us (if any) left it
            if payload is None:
                plan = state.values.get("plan")
                if not state.next and not (plan is not None and plan.active):
                    console.print(f"session {thread_id} has nothing left to run "
                                  f"(plan {plan.status if plan else 'none'})")
                    return EXIT_OK
                if not state.next:  # stopped between steps: pick the plan up where it is
                    payload = Command(goto="route")
            with user_errors():
                try:
                    effective = resolve_context(context, state.values.get("session"))
                except SessionMismatchError as exc:
                    fail(f"session {thread_id}: {exc}")
                try:
                    check_models(effective)
                except NoModelError as exc:
                    fail(str(exc))
                if isinstance(payload, dict):  # a new request: what `sessions list` shows
                    SessionStore().register(
                        thread_id, user_id=user_id, project_id=project_id,
                        workspace=effective.workspace, orchestrator=effective.orchestrator,
                        last_request=str(payload["messages"][-1].content))
                code = await drive(graph, payload, config, context, console, as_json=as_json,
                                   yes=yes, answer=answer)
                lease.status = RUN_STATUS.get(code)
                return code
