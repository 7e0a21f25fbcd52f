"""``codelab diff`` and ``codelab undo``: review or revert what a session's plan did to the workspace.

A plan's tasks work in git worktrees of their own; only the integrated result
reaches the workspace, at the end (see README, "Where changes go"). These
commands read what the git layer recorded in the data directory, so they work
after the process that ran the plan has gone.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from ..persistence.settings import data_dir
from .common import JsonOption, ProjectOption, UserOption, console, fail, print_json, scope

if TYPE_CHECKING:  # the git layer (pydantic models) is imported by the commands that use it
    from rich.console import Console

    from ..gitspace import FileChange, PlanSpace

ThreadArgument = Annotated[str, typer.Argument(help="Session id (or a plan id).", metavar="THREAD")]
PlanOption = Annotated[str | None, typer.Option(
    "--plan", help="Which of the session's plans (default: the latest).")]


def owner_of(user: str | None, project: str | None) -> str:
    """The owner label a session's plans are recorded under (``PlanSpace.open(owner=...)``)."""
    user_id, project_id = scope(user, project)
    return f"{user_id}/{project_id}"


def _space(thread: str, plan: str | None, owner: str) -> PlanSpace:
    from ..gitspace import GitError, GitSpaceError, PlanSpace, find_plans  # noqa: PLC0415

    records = find_plans(data_dir(), thread, owner)
    if plan is not None:
        records = [r for r in records if r.plan_id == plan]
    if not records:
        which = f"plan {plan!r} of session {thread!r}" if plan else f"session {thread!r}"
        fail(f"no recorded changes for {which} in {owner} (plans record their changes when "
             "they run; sessions belong to one user and project: check --user/--project)")
    try:
        return PlanSpace.load(data_dir(), records[0].plan_id)
    except (GitSpaceError, GitError) as exc:
        fail(str(exc))


def render_changes(out: Console, changes: list[FileChange], title: str = "files changed") -> None:
    """A table of changed files with +/- counts (used by ``run`` and ``sessions show`` too)."""
    from rich.table import Table  # noqa: PLC0415

    if not changes:
        out.print("no files changed")
        return
    table = Table(title=f"{title} ({len(changes)})", title_justify="left")
    table.add_column("file", overflow="fold")
    table.add_column("change")
    table.add_column("+", justify="right")
    table.add_column("-", justify="right")
    for change in changes:
        table.add_row(change.path, change.status,
                      Text("binary" if change.binary else f"+{change.added}", style="green"),
                      Text("" if change.binary else f"-{change.removed}", style="red"))
    out.print(table)


def recorded_outcome(thread: str, plan_id: str | None = None, owner: str | None = None) -> dict | None:
    """What the session's plan did to the workspace, as recorded when it finished (no git call)."""
    from ..gitspace import find_plans  # noqa: PLC0415

    records = [r for r in find_plans(data_dir(), thread, owner) if plan_id in (None, r.plan_id)]
    if not records or records[0].outcome is None:
        return None
    return {**records[0].outcome, "undone": records[0].status == "undone"}


def print_outcome(out: Console, outcome: dict) -> None:
    """The changed files with +/- counts, and where they went (workspace or branch)."""
    from ..gitspace import FileChange  # noqa: PLC0415

    changes = [FileChange.model_validate(c) for c in outcome.get("changes", [])]
    render_changes(out, changes)
    if outcome.get("undone"):
        out.print("these changes were undone (codelab undo)")
    elif outcome.get("status") == "applied":
        out.print(f"applied to {outcome.get('workspace')}")
    elif outcome.get("status") == "branch":
        out.print(f"not applied ({outcome.get('reason')}); on branch {outcome.get('branch')}: "
                  f"{outcome.get('merge_command')}", highlight=False, soft_wrap=True)


def _print_patch(patch: str) -> None:
    if not console.is_terminal:
        sys.stdout.write(patch)
        return
    styles = (("+++", "bold"), ("---", "bold"), ("+", "green"), ("-", "red"), ("@@", "cyan"),
              ("diff --git", "bold yellow"))
    for line in patch.splitlines():
        style = next((s for prefix, s in styles if line.startswith(prefix)), None)
        console.print(Text(line, style=style or ""), highlight=False, soft_wrap=True)


def diff(
    thread: ThreadArgument,
    plan: PlanOption = None,
    stat: Annotated[bool, typer.Option("--stat", help="Files with +/- counts instead of the patch.")] = False,
    user: UserOption = None,
    project: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """The change a session's plan made (or will make) to the workspace, as a patch.

    The patch applies with `git apply`; binary files are included.
    """
    from ..gitspace import GitError  # noqa: PLC0415

    space = _space(thread, plan, owner_of(user, project))
    try:
        changes = space.diffstat()
        patch = "" if stat or as_json else space.diff()
    except GitError as exc:
        fail(str(exc))
    outcome = space.record.outcome or {}
    if as_json:
        print_json({"plan_id": space.plan_id, "status": space.record.status,
                    "outcome": outcome.get("status"), "branch": outcome.get("branch"),
                    "changes": [c.model_dump() for c in changes]})
    elif stat:
        render_changes(console, changes, title=f"plan {space.plan_id}")
    elif patch:
        _print_patch(patch)
    else:
        console.print(f"plan {space.plan_id} changed no files")


def undo(thread: ThreadArgument, plan: PlanOption = None, user: UserOption = None,
         project: ProjectOption = None) -> None:
    """Revert the files an applied plan changed, if none of them was edited since."""
    from ..gitspace import GitError, GitSpaceError  # noqa: PLC0415

    space = _space(thread, plan, owner_of(user, project))
    try:
        undone = space.undo()
    except (GitSpaceError, GitError) as exc:
        fail(str(exc))
    render_changes(console, undone.restored, title=f"plan {space.plan_id} undone; restored")
