"""One run at a time per session, from the terminal: the CLI face of
:func:`..persistence.sessions.session_lease`.

``codelab run --thread T`` and ``codelab resume T`` hold T's run lease while they
run. If another run holds it they stop at once with one line and exit 4 (the
server's ``multitask_strategy="reject"``), or with ``--wait`` queue behind it and
then continue the session as that run left it (``"enqueue"``). Sessions belong to
one user and project: continuing someone else's is the same error as continuing
one that does not exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import console, fail

if TYPE_CHECKING:  # SQLAlchemy is imported when a lease is taken, not for `--help`
    from ..persistence.sessions import Lease, SessionRecord

EXIT_BUSY = 4
# How a run ended, by the driver's exit code, as recorded in the sessions table.
RUN_STATUS = {0: "completed", 1: "failed", 3: "waiting", 5: "paused_budget", 130: "stopped"}

WaitOption = Annotated[bool, typer.Option(
    "--wait", help="If the session is running elsewhere, wait for that run to end, then continue "
                   "(default: refuse at once, exit 4).")]


@contextmanager
def exclusive_session(thread_id: str, user_id: str, project_id: str, *, recorded: Any = None,
                      wait: bool = False, as_json: bool = False) -> Iterator[Lease]:
    """Hold the session's run lease for the block; user errors become one line and an exit.

    ``recorded`` is the owner the thread's checkpoint names (``State.session``), if any:
    a thread that predates the sessions table is adopted only by that owner.
    """
    from ..persistence.sessions import (  # noqa: PLC0415
        SessionBusyError,
        SessionNotFoundError,
        session_lease,
        session_not_found,
    )

    if recorded is not None and (recorded.user_id, recorded.project_id) != (user_id, project_id):
        fail(str(session_not_found(thread_id, user_id, project_id)))

    def announce(holder: SessionRecord | None) -> None:
        who = holder.holder if holder is not None and holder.holder else "another run"
        if as_json:
            print(json.dumps({"event": "waiting_for_session", "thread_id": thread_id,
                              "holder": who}), flush=True)
        else:
            console.print(f"session {thread_id} is running ({who}); waiting for it to end...")

    with ExitStack() as stack:
        try:
            lease = stack.enter_context(session_lease(
                thread_id, user_id=user_id, project_id=project_id, wait=wait, on_wait=announce))
        except SessionBusyError as exc:
            fail(f"{exc}: add --wait to continue it when that run ends", EXIT_BUSY)
        except SessionNotFoundError as exc:
            fail(str(exc))
        yield lease
        if lease.lost.is_set():
            console.print(f"[yellow]warning:[/yellow] this run lost session {thread_id}'s lease "
                          "(it was paused longer than the lease lasts) and another run may have "
                          "taken the session over meanwhile")
