"""``codelab sessions list|show``: the caller's sessions, from the sessions table.

Only the sessions of the caller's user and project (``--user``/``--project``, else
``$CODELAB_USER``/``$CODELAB_PROJECT``, else ``local``) are listed or shown; listing
reads the sessions table, not every checkpoint. ``show`` then reads that one
session's state from the checkpointer.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ..persistence import open_checkpointer
from ..persistence.sessions import SessionNotFoundError, SessionStore
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


@app.command()
def show(thread: str, user: UserOption = None, project: ProjectOption = None,
         as_json: JsonOption = False) -> None:
    """One of your sessions: its plan, task statuses and results, and its conversation."""
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
    if as_json:
        print_json({"thread_id": thread, "state": record.state, "running": record.running,
                    "next": list(state.next),
                    "waiting_for_approval": bool(state.interrupts),
                    "classification": values["classification"].model_dump(mode="json")
                    if values.get("classification") else None,
                    "plan": plan.model_dump(mode="json") if plan else None, "history": history})
        return
    holder = f", {record.holder}" if record.running and record.holder else ""
    console.print(f"session {thread} ({record.state}{holder}) in {record.workspace or '?'}",
                  highlight=False)
    if plan is not None:
        table = Table(title=f"plan {plan.id} ({plan.status}): {plan.goal[:60]}")
        for column in ("task", "agent", "status", "attempts", "result / error"):
            table.add_column(column, overflow="fold")
        for t in plan.tasks:
            table.add_row(t.id, t.agent, t.status, str(t.attempts), (t.result or t.error or "")[:200])
        console.print(table)
    if state.interrupts:
        console.print(f"[yellow]waiting for approval[/yellow]: codelab resume {thread} --answer approve")
    for message in history:
        console.print(f"[bold]{message['role']}[/bold]: {message['content'][:500]}", highlight=False)
