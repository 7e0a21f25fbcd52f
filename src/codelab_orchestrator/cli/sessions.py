"""``codelab sessions list|show``: read back what the checkpointer holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import JsonOption, console, fail, print_json

app = typer.Typer(help="Sessions (threads) stored by the checkpointer.", no_args_is_help=True)


def _graph(saver: Any) -> Any:
    from ..graph import build_graph  # noqa: PLC0415

    return build_graph(checkpointer=saver)


def _last_request(values: dict) -> str:
    for message in reversed(values.get("messages", [])):
        if getattr(message, "type", "") == "human":
            return str(message.content)
    return ""


@app.command("list")
def list_sessions(
    limit: Annotated[int, typer.Option(help="Most recent N sessions.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Sessions, newest first: thread, created, last request, plan status."""
    from rich.table import Table  # noqa: PLC0415 - commands import what they use: fast --help

    from ..persistence import open_checkpointer  # noqa: PLC0415

    rows: list[dict[str, Any]] = []
    with open_checkpointer() as saver:
        from ..agents.attempt import is_attempt_thread  # noqa: PLC0415 - once the database answered

        first_seen: dict[str, str] = {}
        latest: dict[str, Any] = {}
        for item in saver.list(None):
            thread = item.config["configurable"]["thread_id"]
            if is_attempt_thread(thread):
                continue
            latest.setdefault(thread, item)  # list() yields newest first
            first_seen[thread] = item.checkpoint["ts"]
        graph = _graph(saver)
        for thread, item in sorted(latest.items(), key=lambda kv: kv[1].checkpoint["ts"], reverse=True)[:limit]:
            values = graph.get_state({"configurable": {"thread_id": thread}}).values
            plan = values.get("plan")
            rows.append({"thread_id": thread, "created": first_seen[thread],
                         "updated": item.checkpoint["ts"], "last_request": _last_request(values),
                         "plan_status": plan.status if plan else None})
    if as_json:
        print_json(rows)
        return
    table = Table(title="Sessions")
    for column in ("thread", "created", "last request", "plan"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["thread_id"], row["created"][:19], row["last_request"][:60],
                      row["plan_status"] or "-")
    console.print(table)


@app.command("rm")
def remove(
    threads: Annotated[list[str], typer.Argument(help="Session id(s) to delete.", show_default=False)],
) -> None:
    """Delete sessions: their checkpoints, history and task runs (agents and files are untouched)."""
    from ..agents.attempt import ATTEMPT_MARK  # noqa: PLC0415
    from ..persistence import open_checkpointer  # noqa: PLC0415
    from .threads import exists  # noqa: PLC0415

    with open_checkpointer() as saver:
        missing = [t for t in threads if not exists(saver, t)]
        if missing:
            fail(f"no session {', '.join(repr(t) for t in missing)} (see `codelab sessions list`); "
                 "nothing deleted")
        prefixes = tuple(f"{t}{ATTEMPT_MARK}" for t in threads)
        attempts = {item.config["configurable"]["thread_id"] for item in saver.list(None)
                    if item.config["configurable"]["thread_id"].startswith(prefixes)}
        for thread in [*threads, *sorted(attempts)]:
            saver.delete_thread(thread)
    console.print(f"deleted {len(threads)} session(s): {', '.join(threads)}", highlight=False)


@app.command()
def show(thread: str, as_json: JsonOption = False) -> None:
    """A session's plan, task statuses and results, and its conversation."""
    from rich.table import Table  # noqa: PLC0415

    from ..persistence import open_checkpointer  # noqa: PLC0415

    with open_checkpointer() as saver:
        state = _graph(saver).get_state({"configurable": {"thread_id": thread}})
    if not state.values:
        fail(f"no session {thread!r}")
    values = state.values
    plan = values.get("plan")
    history = [{"role": m.type, "content": str(m.content)} for m in values.get("messages", [])]
    if as_json:
        print_json({"thread_id": thread, "next": list(state.next),
                    "waiting_for_approval": bool(state.interrupts),
                    "classification": values["classification"].model_dump(mode="json")
                    if values.get("classification") else None,
                    "plan": plan.model_dump(mode="json") if plan else None, "history": history})
        return
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
