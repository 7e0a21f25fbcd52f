"""``codelab demo``: the whole flow in under 30 seconds, offline.

A copy of the sample project, its own database and sessions beside it, and
the built-in scripted model; everything else (graph, task runtime, tools,
checkpoints, failure handling, the live table) is the real thing, run
through the same path as ``codelab run``. The directory is kept and printed,
so the result can be looked at, and the end says how to go on.
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

from .common import JsonOption, console, fail

SAMPLE = Path(__file__).resolve().parents[1] / "demo" / "workspace"
DEMO_MODEL = "scripted:codelab_orchestrator.demo.script:script"
REQUEST = "Study the calc project, make divide-by-zero a clear error and add tests"


def demo(
    directory: Annotated[Path | None, typer.Argument(
        help="New or empty directory for the demo (default: a new one in the temp directory). "
             "It is kept afterwards.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """See the whole flow on a sample project, offline (a built-in scripted model).

    The graph, tools and checkpoints are real; the sample project and its session are kept,
    and the end shows how to go on with your own project."""
    root = _demo_root(directory)
    workspace, home = root / "project", root / ".codelab"
    shutil.copytree(SAMPLE, workspace, ignore=shutil.ignore_patterns("__pycache__"))
    _isolate(home)
    from langchain_core.messages import HumanMessage  # noqa: PLC0415 - fast --help

    from ..context import Context  # noqa: PLC0415 - after the environment is set
    from ..demo import script  # noqa: PLC0415
    from ..project import repository  # noqa: PLC0415
    from .run import _session  # noqa: PLC0415 - the very path `codelab run` takes

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
                      f"Sample project copied to {workspace}\n", highlight=False, soft_wrap=True)
        console.print(f"[bold]request:[/bold] {REQUEST}\n")
    thread = f"demo-{uuid.uuid4().hex[:8]}"
    code = _session(thread, context, {"messages": [HumanMessage(REQUEST)]}, as_json, True)
    if not as_json:
        _show_changes(workspace)
        _next_steps(root, workspace, home, thread)
    raise typer.Exit(code)


def _demo_root(directory: Path | None) -> Path:
    """A new directory for the demo, or the user's own if it is new or empty: nothing in it is
    overwritten, and it is never deleted."""
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="codelab-demo-"))
    directory = directory.expanduser().resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        fail(f"{directory} is not an empty directory: give a new or empty one "
             "(the demo copies its sample project into it and keeps it)")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create {directory}: {exc.strerror}")
    return directory


def _isolate(home: Path) -> None:
    """The demo's own data directory, and none of the user's settings (config files,
    CODELAB_* variables, database URLs), so it runs the same everywhere."""
    from ..config import ENV_NAMES  # noqa: PLC0415

    for var in ("DATABASE_URL", "CODELAB_CHECKPOINT_URL", "CODELAB_WORKSPACE", *ENV_NAMES.values()):
        os.environ.pop(var, None)
    os.environ.update({"CODELAB_HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                       "CODELAB_MODEL": DEMO_MODEL,
                       "CODELAB_ALLOW_SCRIPTED_MODELS": "1"})  # the demo's own scripted model


def _next_steps(root: Path, workspace: Path, home: Path, thread: str) -> None:
    console.rule("kept")
    console.print(f"The demo is kept in {root}:\n"
                  f"  {workspace}   the sample project, as the agents left it\n"
                  f"  {home}   its agents and this session; to look at it:\n"
                  f"    CODELAB_HOME={home} codelab sessions show {thread} -u demo -p calc\n",
                  highlight=False, soft_wrap=True)  # paths stay whole, to copy
    console.rule("your own project")
    console.print("1. export OPENAI_API_KEY=sk-...    "
                  "[dim]or OPENAI_BASE_URL=http://127.0.0.1:8000/v1 for a local server[/dim]\n"
                  "2. codelab config show -w ~/src/yourproject    "
                  "[dim]the model and settings it will use[/dim]\n"
                  '3. codelab run "describe what you want done" -w ~/src/yourproject',
                  highlight=False, soft_wrap=True)


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
