"""``codelab run`` and ``codelab resume``."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..context import Context
from . import approval
from .common import (
    EXIT_INTERRUPTED,
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
from .leases import WaitOption
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
BudgetOption = Annotated[float | None, typer.Option(
    "--max-cost-per-plan", "--budget", min=0.0,
    help="USD the plan's tasks may spend; reached, the plan pauses (resume with a higher "
         "--budget). Default: the plan's own cap, else the orchestrator row's max_cost_per_plan.")]
TokensOption = Annotated[int | None, typer.Option(
    "--max-tokens-per-task", min=1,
    help="Tokens a task attempt may use before it fails (default: the orchestrator row's).")]
CallsOption = Annotated[int | None, typer.Option(
    "--max-model-calls-per-task", min=1, max=1000,
    help="Model calls a task attempt may make before it fails (default: the row's, 25).")]
NoApplyOption = Annotated[bool, typer.Option(
    "--no-apply", help="Keep the plan's result on branch codelab/<plan> instead of applying it "
                       "to the workspace (default: the orchestrator row's apply_changes).")]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="A line per tool call and result as the agents work.")]


def run(
    request: Annotated[str | None, typer.Argument(
        help="What you want done, in your own words; - reads it from stdin.",
        show_default=False)] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", "-f", help="Read the request from this file (- for stdin).")] = None,
    workspace: WorkspaceOption = None,
    thread: Annotated[str | None, typer.Option(
        help="Session id (new if not given; an existing one gets this request next).")] = None,
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
    wait: WaitOption = False,
    as_json: JsonOption = False,
    max_cost_per_plan: BudgetOption = None,
    max_tokens_per_task: TokensOption = None,
    max_model_calls_per_task: CallsOption = None,
    no_apply: NoApplyOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Run a request with live progress.

    Exit 0 done, 1 plan failed, 2 bad usage or config, 3 waiting for approval or an answer,
    4 the session is running elsewhere, 5 paused at its budget (resumable), 130 stopped with
    Ctrl-C (resumable)."""
    if plan_only and yes:
        fail("--plan-only stops before anything runs; --yes would approve it: use one of them")
    text = read_request(request, file)
    context = _context(workspace, user, project, orchestrator,
                       run_overrides(model, max_parallel, routing, plan_only),
                       (max_cost_per_plan, max_tokens_per_task, max_model_calls_per_task),
                       no_apply)
    if thread is None:  # a new session: check it all before the graph is even imported
        workspace_path(workspace)
        preflight(context.with_defaults())
    from langchain_core.messages import HumanMessage  # noqa: PLC0415 - fast --help

    payload = {"messages": [HumanMessage(text)]}
    code = _session(thread or uuid.uuid4().hex[:12], context, payload, as_json, yes, wait=wait,
                    verbose=verbose)
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
    wait: WaitOption = False,
    as_json: JsonOption = False,
    max_cost_per_plan: BudgetOption = None,
    max_tokens_per_task: TokensOption = None,
    max_model_calls_per_task: CallsOption = None,
    no_apply: NoApplyOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Continue a session where it stopped, or answer what it waits for.

    It stopped: Ctrl-C, a crash, its budget (`--budget N` raises the cap). It waits: a plan's
    approval, a command's. It works in the session's own workspace, whatever the current
    directory."""
    if answer is not None and approval.parse_answer(answer) is None:
        approval.check_plan_file(Path(answer.strip()[1:]))  # readable JSON, before any work
    if (thread is None) == (not last):
        fail("name the session: codelab resume THREAD, or codelab resume --last")
    context = _context(workspace, user, project, orchestrator,
                       run_overrides(model, max_parallel, routing),
                       (max_cost_per_plan, max_tokens_per_task, max_model_calls_per_task),
                       no_apply)
    thread = thread or latest_thread(*scope(user, project))
    raise typer.Exit(_session(thread, context, None, as_json, yes, answer, wait=wait,
                              verbose=verbose))


def _context(workspace: Path | None, user: str | None, project: str | None,
             orchestrator: str | None, overrides: dict[str, Any],
             limits: tuple[float | None, int | None, int | None] = (None, None, None),
             no_apply: bool = False) -> Context:
    """The context as given on the command line; empty fields are the session's (or defaults).
    This run's settings (``overrides``) and the settings files are checked here, at once."""
    from .. import config  # noqa: PLC0415

    max_cost, max_tokens, max_calls = limits
    if max_cost is not None and max_cost <= 0:
        fail("--budget / --max-cost-per-plan must be above 0")
    given = workspace_path(workspace) if workspace is not None else None
    config.layers(given, overrides, FLAGS)  # a bad flag, variable or file: one line, exit 2
    return Context(user_id=user or "", project_id=project or "",
                   workspace=str(given) if given is not None else "",
                   orchestrator=orchestrator, overrides=overrides or None,
                   max_cost_per_plan=max_cost, max_tokens_per_task=max_tokens,
                   max_model_calls_per_task=max_calls, apply_changes=False if no_apply else None)


def preflight(context: Context) -> None:
    """The database answers, a specialist is enabled, the models can be made: for a new
    session this runs before the graph is imported, so a wrong setting fails fast."""
    from .preflight import NoModelError, check_models  # noqa: PLC0415

    with user_errors():
        try:
            check_models(context)
        except NoModelError as exc:
            fail(escape(str(exc)))


def _session(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
             answer: str | None = None, *, wait: bool = False, verbose: bool = False) -> int:
    """Run (``payload``) or continue (None) one session; returns the exit code."""
    return asyncio.run(_exit_once_stopped(_asession(thread_id, context, payload, as_json, yes,
                                                    answer, wait, verbose)))


async def _exit_once_stopped(session: Coroutine[Any, Any, int]) -> int:
    """``session``'s exit code; after a Ctrl-C, the process exits as soon as it is saved.

    By then the checkpoints are written, the checkpointer closed and the session released,
    but a model call of a node that runs in a worker thread (classify, architect_plan) may
    still block there: ``asyncio.run`` and the interpreter would wait for it, up to its HTTP
    time-out and retries (minutes on a slow local server) after "stopped." was printed."""
    from .driver import CTRL_C  # noqa: PLC0415 - keep `codelab --help` fast

    code = await session
    if code == EXIT_INTERRUPTED and CTRL_C.is_set():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


async def _asession(thread_id: str, context: Context, payload: Any, as_json: bool, yes: bool,
                    answer: str | None, wait: bool = False, verbose: bool = False) -> int:
    from langgraph.types import Command  # noqa: PLC0415 - keep `codelab --help` fast

    from ..graph import build_graph  # noqa: PLC0415
    from ..nodes.common import SessionMismatchError, resolve_context  # noqa: PLC0415
    from ..persistence import open_async_checkpointer  # noqa: PLC0415
    from ..persistence.sessions import SessionStore  # noqa: PLC0415
    from .driver import NoModelError, check_models, drive  # noqa: PLC0415
    from .leases import RUN_STATUS, exclusive_session  # noqa: PLC0415

    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    # `resume --budget N` answers a plan paused at its budget; `run --budget N` only sets the cap
    resume_budget = context.max_cost_per_plan if payload is None else None
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
                                   yes=yes, answer=answer, budget=resume_budget,
                                   approval_context=effective, verbose=verbose)
                lease.status = RUN_STATUS.get(code)
                return code
