"""Answering a plan's approval from the terminal, ``--answer`` or ``--yes``.

An answer is checked here, before it reaches the graph: an unknown word lists
the valid ones, and an edited plan that is not JSON or breaks the plan rules
(unknown dependency, cycle, disabled agent...) prints every problem -- then
the terminal asks again, and ``--answer`` exits 2 with the session still
waiting. The node checks the same rules again (HTTP clients answer too); a
reason it gives (``notes``) is shown when the approval is asked again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import fail

if TYPE_CHECKING:
    from rich.console import Console

    from ..context import Context

ANSWERS = ("approve", "reject")
VALID = "approve, reject, or @edited-plan.json"


def parse_answer(answer: str) -> str | None:
    """``--answer`` as given, checked: ``approve``/``reject`` or ``@FILE``; None for a file
    (its plan is read by :func:`read_plan` once the project is known)."""
    word = answer.strip()
    if word.startswith("@"):
        if not word[1:]:
            fail(f"--answer {answer!r}: name the edited plan after @ (@plan.json)")
        return None
    if word.lower() in ANSWERS:
        return word.lower()
    fail(f"--answer {answer!r} is not one of: {VALID}")


def check_plan_file(path: Path) -> None:
    """``--answer @FILE`` is readable JSON: said at once; its plan rules are checked once the
    session's project is known (:func:`read_plan`)."""
    try:
        json.loads(path.expanduser().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--answer @{path}: cannot read ({getattr(exc, 'strerror', None) or exc})")
    except json.JSONDecodeError as exc:
        fail(f"--answer @{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")


def plan_errors(text: str, context: Context) -> list[str]:
    """Why an edited plan cannot run (not JSON, wrong shape, broken rules); empty if it can."""
    from pydantic import ValidationError  # noqa: PLC0415

    from ..planning import PlanDraft, plan_problems  # noqa: PLC0415
    from ..project import load_project  # noqa: PLC0415

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
    if isinstance(data, dict) and "plan" in data and "tasks" not in data:
        data = data["plan"]
    try:
        draft = PlanDraft.model_validate(data)
    except ValidationError as exc:
        return [f"{'.'.join(str(p) for p in e['loc']) or 'plan'}: {e['msg']}" for e in exc.errors()]
    project = load_project(context)
    return plan_problems(draft.tasks, project.enabled_roles, project.settings.max_plan_tasks)


def read_plan(path: Path, context: Context) -> dict[str, Any]:
    """An edited plan file for ``--answer @FILE``; exit 2 listing its problems."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--answer @{path}: cannot read ({getattr(exc, 'strerror', None) or exc})")
    problems = plan_errors(text, context)
    if problems:
        fail(f"--answer @{path}: the edited plan cannot run: " + "; ".join(problems)
             + " (the session is still waiting: fix the file and resume again)")
    data = json.loads(text)
    return data["plan"] if "plan" in data and "tasks" not in data else data


def show_request(request: dict[str, Any], console: Console) -> None:
    """The plan waiting for approval: its tasks, cost estimate and why it waits."""
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    table = Table(title=f"plan {request.get('plan_id')}: {str(request.get('goal') or '')[:70]}",
                  title_justify="left")
    for column in ("task", "agent", "after", "description"):
        table.add_column(column, overflow="fold")
    for task in request.get("tasks") or []:
        table.add_row(Text(str(task.get("id"))), Text(str(task.get("agent"))),
                      Text(", ".join(task.get("dependencies") or []) or "-"),
                      Text(str(task.get("description"))))
    console.print(table)
    console.print(f"estimated cost: {request.get('estimated_cost', 0):.4f} "
                  f"(sum of each agent's cost_per_call)", highlight=False)
    for note in request.get("notes") or []:
        style = "red" if note.startswith(("edited plan rejected", "unrecognised answer")) else "dim"
        console.print(Text(f"  {note}", style=style))


def ask(request: dict[str, Any], console: Console, context: Context, draft: Path) -> Any:
    """Ask in the terminal until the answer is usable: approve, reject or a valid edited plan."""
    from rich.prompt import Prompt  # noqa: PLC0415

    while True:
        choice = Prompt.ask("approve, reject or edit?", choices=["approve", "reject", "edit"],
                            default="approve", console=console)
        if choice != "edit":
            return choice
        draft.parent.mkdir(parents=True, exist_ok=True)
        if not draft.exists():
            draft.write_text(json.dumps({"goal": request.get("goal"), "tasks": request.get("tasks")},
                                        indent=2, ensure_ascii=False))
        while True:
            back = Prompt.ask(f"edit {draft}, then press Enter (or type 'back' to choose again)",
                              default="", show_default=False, console=console)
            if back.strip().lower() == "back":
                break
            text = draft.read_text(encoding="utf-8")
            problems = plan_errors(text, context)
            if not problems:
                plan = json.loads(text)
                return {"action": "edit", "plan": plan.get("plan", plan) if "tasks" not in plan else plan}
            console.print(f"[red]the edited plan cannot run[/red] ({draft}):", highlight=False)
            for problem in problems:
                console.print(f"  - {problem}", highlight=False, markup=False)
