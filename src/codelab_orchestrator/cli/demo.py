"""``codelab demo``: the whole flow in under 30 seconds, offline.

A copy of the sample project, its own throwaway database and sessions, and
the built-in scripted model; everything else (graph, scheduler, tools,
checkpoints, failure handling) is the real thing.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Annotated

import typer

from .common import JsonOption, console

SAMPLE = Path(__file__).resolve().parents[1] / "demo" / "workspace"
DEMO_MODEL = "scripted:codelab_orchestrator.demo.script:script"
REQUEST = "Study the calc project, make divide-by-zero a clear error and add tests"


def demo(
    keep: Annotated[bool, typer.Option(help="Keep the demo directory afterwards.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run the real graph on a sample project with a built-in scripted model (no network, no key)."""
    root = Path(tempfile.mkdtemp(prefix="codelab-demo-"))
    workspace = root / "workspace"
    shutil.copytree(SAMPLE, workspace, ignore=shutil.ignore_patterns("__pycache__"))
    os.environ.update({"DATABASE_URL": f"sqlite:///{root / 'agents.sqlite'}",
                       "CODELAB_CHECKPOINT_URL": f"sqlite:///{root / 'checkpoints.sqlite'}",
                       "CODELAB_MODEL": DEMO_MODEL})
    from langchain_core.messages import HumanMessage  # noqa: PLC0415 - fast --help
    from langchain_core.runnables import RunnableConfig  # noqa: PLC0415

    from ..context import Context  # noqa: PLC0415 - after the environment is set
    from ..demo import script  # noqa: PLC0415
    from ..persistence import open_checkpointer  # noqa: PLC0415
    from ..project import repository  # noqa: PLC0415
    from .driver import drive  # noqa: PLC0415

    script.reset()
    context = Context(user_id="demo", project_id="calc", workspace=str(workspace))
    repo = repository()
    repo.project_agents("demo", "calc")
    repo.update("demo", "calc", "orchestrator", config={"routing_strategy": "llm", "max_task_attempts": 2})
    if not as_json:
        console.rule("codelab demo")
        console.print("This demo uses a [bold]built-in scripted model[/bold], not an AI: its replies come "
                      "from codelab_orchestrator/demo/script.py. No network, no key.\n"
                      "The graph, parallel scheduling, tools, checkpoints and failure recovery are real.\n"
                      f"Sample project copied to {workspace}\n")
        console.print(f"[bold]request:[/bold] {REQUEST}\n")
    from ..graph import build_graph  # noqa: PLC0415

    with open_checkpointer() as saver:
        graph = build_graph(checkpointer=saver)
        config: RunnableConfig = {"configurable": {"thread_id": f"demo-{uuid.uuid4().hex[:8]}"}}
        code = drive(graph, {"messages": [HumanMessage(REQUEST)]}, config, context, console,
                     as_json=as_json, yes=True)
    if not as_json:
        _show_changes(workspace)
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    elif not as_json:
        console.print(f"kept {root}")
    raise typer.Exit(code)


def _show_changes(workspace: Path) -> None:
    for path in sorted(p for p in workspace.rglob("*") if p.is_file()):
        relative = path.relative_to(workspace)
        original = SAMPLE / relative
        before = original.read_text().splitlines(keepends=True) if original.exists() else []
        after = path.read_text().splitlines(keepends=True)
        if before != after:
            diff = "".join(difflib.unified_diff(before, after, f"a/{relative}", f"b/{relative}"))
            console.print(f"[bold]changed: {relative}[/bold]")
            console.print(diff, highlight=False, markup=False)
