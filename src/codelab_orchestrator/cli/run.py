"""``codelab run`` and ``codelab resume``."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..context import Context
from . import approval
from .common import (
    EXIT_OK,
    EXIT_WAITING,
    JsonOption,
    ProjectOption,
    UserOption,
    console,
    fail,
    scope,
    user_errors,
)
from .inputs import read_request
from .options import (
    FLAGS,
    MaxParallelOption,
    ModelOption,
    OrchestratorOption,
    RoutingOption,
    WorkspaceOption,
    run_overrides,
    workspace_path,
)
from .threads import latest_thread

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Approve plans without asking.")]


def run(
    request: Annotated[str | None, typer.Argument(
        help="What you want done, in your own words; - reads it from stdin.",
        show_default=False)] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", "-f", help="Read the request from this file (- for stdin).")] = None,
    workspace: WorkspaceOption = None,
    thread: Annotated[str | None, typer.Option(help="Session id (new if not given).")] = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    model: ModelOption = None,
    max_parallel: MaxParallelOption = None,
    routing: RoutingOption = None,
    plan_only: Annotated[bool, typer.Option(
        "--plan-only", help="Print the plan and its cost estimate, run nothing; approve it later "
                            "with `codelab resume THREAD --answer approve`.")] = False,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Run a request with live progress. Exit 0 done, 1 plan failed, 2 bad usage or config,
    3 waiting for approval, 130 stopped with Ctrl-C (resumable)."""
    if plan_only and yes:
        fail("--plan-only stops before anything runs; --yes would approve it: use one of them")
    text = read_request(request, file)
    context = _context(workspace, user, project, orchestrator,
                       run_overrides(model, max_parallel, routing, plan_only))
    from langchain_core.messages import HumanMessage  # noqa: PLC0415 - fast --help

    payload = {"messages": [HumanMessage(text)]}
    preflight(context)  # before the graph is imported: a wrong database or model fails fast
    code = _session(thread or uuid.uuid4().hex[:12], context, payload, as_json, yes)
    raise typer.Exit(EXIT_OK if plan_only and code == EXIT_WAITING else code)


def resume(
    thread: Annotated[str | None, typer.Argument(
        help="Session id to continue (see `codelab sessions list`).", show_default=False)] = None,
    last: Annotated[bool, typer.Option("--last", help="Continue the most recent session.")] = False,
    answer: Annotated[str | None, typer.Option(
        help="Answer to a waiting approval: approve, reject, or @edited-plan.json.")] = None,
    workspace: WorkspaceOption = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    model: ModelOption = None,
    max_parallel: MaxParallelOption = None,
    routing: RoutingOption = None,
    yes: YesOption = False,
    as_json: JsonOption = False,
) -> None:
    """Continue a session: answer its approval, or finish a run that was stopped."""
    if answer is not None:
        approval.parse_answer(answer)  # an unknown word fails here, before any work
    if (thread is None) == (not last):
        fail("name the session: codelab resume THREAD, or codelab resume --last")
    context = _context(workspace, user, project, orchestrator,
                       run_overrides(model, max_parallel, routing))
    if answer is not None and answer.strip().startswith("@"):
        approval.read_plan(Path(answer.strip()[1:]), context)  # its problems, before any work
    raise typer.Exit(_session(thread or latest_thread(), context, None, as_json, yes, answer))


def _context(workspace: Path | None, user: str | None, project: str | None,
             orchestrator: str | None, overrides: dict[str, Any]) -> Context:
    """The run's context; every settings layer is checked here, before the graph is loaded."""
    from .. import config  # noqa: PLC0415

    path = workspace_path(workspace)
    user_id, project_id = scope(user, project)
    config.layers(path, overrides, FLAGS)  # a bad file, variable or flag: one line, exit 2
    return Context(user_id=user_id, project_id=project_id, workspace=str(path),
                   orchestrator=orchestrator, overrides=overrides or None)


def preflight(context: Context) -> None:
    from .preflight import NoModelError, check_models  # noqa: PLC0415

    with user_errors():
        try:
            check_models(context)
        except NoModelError as exc:
            fail(escape(str(exc)))


def _session(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
             answer: str | None = None) -> int:
    """Run (``payload``) or continue (None) one session; returns the exit code."""
    from ..graph import build_graph  # noqa: PLC0415 - keep `codelab --help` fast
    from ..persistence import open_checkpointer  # noqa: PLC0415
    from .driver import NoModelError, check_models, drive  # noqa: PLC0415

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
