"""``codelab sessions list|show|rm``: the caller's sessions, from the sessions table.

Only the sessions of the caller's user and project (``--user``/``--project``, else
``$CODELAB_USER``/``$CODELAB_PROJECT``, else ``local``) are listed or shown; listing
reads the sessions table, not every checkpoint. ``show`` then reads that one
session's state from the checkpointer.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import JsonOption, ProjectOption, UserOption, console, fail, print_json, scope

app = typer.Typer(help="Your sessions (threads): which exist, which are running, what they did.",
                  no_args_is_help=True)


def _graph(saver: Any) -> Any:
    from ..graph import build_graph  # noqa: PLC0415

    return build_graph(checkpointer=saver)


@app.command("list")
def list_sessions(
    limit: Annotated[int, typer.Option(help="Most recent N sessions.")] = 20,
    user: UserOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """Your sessions, most recently active first: thread, state (running, or how the last run
    ended), last request, workspace."""
    from rich.table import Table  # noqa: PLC0415 - commands import what they use: fast --help

    from ..persistence.sessions import SessionStore  # noqa: PLC0415

    user_id, project_id = scope(user, project)
    sessions = SessionStore().list(user_id, project_id, limit=max(limit, 0))
    if as_json:
        print_json([s.as_json() for s in sessions])
        return
    table = Table(title=f"Sessions of {user_id}/{project_id}")
    for column in ("thread", "state", "updated", "last request", "workspace"):
        table.add_column(column, overflow="fold")
    for s in sessions:
        state = f"[green]running[/green] ({s.holder})" if s.running else s.state
        table.add_row(s.thread_id, state, s.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
                      (s.last_request or "")[:60], s.workspace or "")
    console.print(table)


@app.command("rm")
def remove(
    threads: Annotated[list[str], typer.Argument(help="Session id(s) to delete.", show_default=False)],
    user: UserOption = None,
    project: ProjectOption = None,
) -> None:
    """Delete your sessions: their checkpoints, history and task runs (agents and files stay)."""
    from ..agents.attempt import ATTEMPT_MARK  # noqa: PLC0415
    from ..persistence import open_checkpointer  # noqa: PLC0415
    from ..persistence.sessions import SessionBusyError, SessionStore  # noqa: PLC0415

    user_id, project_id = scope(user, project)
    store = SessionStore()
    missing = [t for t in threads if store.get(t, user_id=user_id, project_id=project_id) is None]
    if missing:
        fail(f"no session {', '.join(repr(t) for t in missing)} in {user_id}/{project_id} "
             "(see `codelab sessions list`); nothing deleted")
    running = [t for t in threads if store.get(t, user_id=user_id, project_id=project_id).running]
    if running:
        fail(f"session {', '.join(running)} is running: stop it first; nothing deleted")
    with open_checkpointer() as saver:
        prefixes = tuple(f"{t}{ATTEMPT_MARK}" for t in threads)
        attempts = {item.config["configurable"]["thread_id"] for item in saver.list(None)
                    if item.config["configurable"]["thread_id"].startswith(prefixes)}
        for thread in threads:
            try:
                store.delete(thread, user_id=user_id, project_id=project_id)
            except SessionBusyError:  # started between the check and now
                fail(f"session {thread} is running: stop it first")
            saver.delete_thread(thread)
        for attempt in sorted(attempts):
            saver.delete_thread(attempt)
    console.print(f"deleted {len(threads)} session(s): {', '.join(threads)}", highlight=False)


@app.command()
def show(thread: str, user: UserOption = None, project: ProjectOption = None,
         as_json: JsonOption = False) -> None:
    """One of your sessions: its plan, task statuses and results, and its conversation."""
    from rich.table import Table  # noqa: PLC0415

    from ..budget.ledger import plan_spend  # noqa: PLC0415
    from ..budget.usage import describe, money  # noqa: PLC0415
    from ..persistence import open_checkpointer  # noqa: PLC0415
    from ..persistence.sessions import SessionNotFoundError, SessionStore  # noqa: PLC0415
    from .budget import is_budget_request, live_spend, spend_cells  # noqa: PLC0415
    from .changes import print_outcome, recorded_outcome  # noqa: PLC0415

    user_id, project_id = scope(user, project)
    try:
        record = SessionStore().require(thread, user_id=user_id, project_id=project_id)
    except SessionNotFoundError as exc:
        fail(str(exc))
    with open_checkpointer() as saver:
        state = _graph(saver).get_state({"configurable": {"thread_id": thread}})
    if not state.values:
        fail(f"no session {thread!r}")
    values = state.values
    plan = values.get("plan")
    history = [{"role": m.type, "content": str(m.content)} for m in values.get("messages", [])]
    waiting = state.interrupts[0].value if state.interrupts else None
    paused = is_budget_request(waiting)
    if as_json:
        print_json({"thread_id": thread, "state": record.state, "running": record.running,
                    "next": list(state.next),
                    "waiting_for_approval": bool(state.interrupts) and not paused,
                    "paused_budget": waiting if paused else None,
                    "plan_spend": plan_spend(plan), "session_spend": values.get("spend") or {},
                    "classification": values["classification"].model_dump(mode="json")
                    if values.get("classification") else None,
                    "plan": plan.model_dump(mode="json") if plan else None, "history": history,
                    "changes": recorded_outcome(thread, plan.id if plan else None,
                                                f"{user_id}/{project_id}")})
        return
    holder = f", {record.holder}" if record.running and record.holder else ""
    console.print(f"session {thread} ({record.state}{holder}) in {record.workspace or '?'}",
                  highlight=False)
    if plan is not None:
        table = Table(title=f"plan {plan.id} ({plan.status}): {plan.goal[:60]}")
        for column in ("task", "agent", "status", "attempts", "tokens", "cost", "result / error"):
            table.add_column(column, overflow="fold",
                             justify="right" if column in ("tokens", "cost") else "left")
        for t in plan.tasks:
            table.add_row(t.id, t.agent, t.status, str(t.attempts),
                          *spend_cells(live_spend(t, {})), (t.result or t.error or "")[:200])
        table.caption = f"plan: {describe(plan_spend(plan), plan.max_cost)}"
        console.print(table)
        outcome = recorded_outcome(thread, plan.id, f"{user_id}/{project_id}")
        if outcome is not None:
            print_outcome(console, outcome)
    if values.get("spend"):
        console.print(f"session: {describe(values['spend'])} (tasks, classification, planning)",
                      highlight=False)
    if paused:
        console.print(f"[yellow]paused: the plan's budget is reached[/yellow]: codelab resume "
                      f"{thread} --budget N (N above {money(plan_spend(plan)['cost'])})")
    elif state.interrupts:
        console.print(f"[yellow]waiting for approval[/yellow]: codelab resume {thread} --answer approve")
    for message in history:
        console.print(f"[bold]{message['role']}[/bold]: {message['content'][:500]}", highlight=False)
