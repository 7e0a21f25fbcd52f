"""Options that choose the project and this run's settings, shared by ``run``,
``resume`` and ``config show`` (so ``config show --model X`` shows what a run
with ``--model X`` would use)."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .common import fail


class Routing(StrEnum):
    LLM = "llm"
    LOCAL = "local"
    HYBRID = "hybrid"


WorkspaceOption = Annotated[Path | None, typer.Option(
    "--workspace", "-w", help="Project directory (default: the session's; for a new session "
                              "$CODELAB_WORKSPACE, else the current directory).",
    show_default=False)]
OrchestratorOption = Annotated[str | None, typer.Option(
    help="Orchestrator row to use (default: the settings' `orchestrator`, else the project's "
         "default row).")]
ModelOption = Annotated[str | None, typer.Option(
    "--model", "-m", help="Model of every agent for this run, e.g. openai:gpt-4.1 "
                          "(over .codelab.toml, config files, $CODELAB_MODEL and the rows).")]
MaxParallelOption = Annotated[int | None, typer.Option(
    "--max-parallel", min=1, max=64, help="Tasks running at once for this run.")]
RoutingOption = Annotated[Routing | None, typer.Option(
    "--routing", help="How requests are classified for this run.")]

# The flag behind each run setting, for `config show` and error messages.
FLAGS = {"model": "--model", "max_parallel_agents": "--max-parallel",
         "routing_strategy": "--routing", "require_approval": "--plan-only",
         "orchestrator": "--orchestrator"}


def workspace_path(workspace: Path | None) -> Path:
    """``--workspace``, else ``$CODELAB_WORKSPACE``, else the current directory; must exist."""
    if workspace is not None:
        where = f"--workspace {workspace}"
    elif os.environ.get("CODELAB_WORKSPACE", "").strip():
        workspace = Path(os.environ["CODELAB_WORKSPACE"]).expanduser()
        where = f"CODELAB_WORKSPACE={workspace}"
    else:
        workspace, where = Path("."), "the current directory"
    if not workspace.is_dir():
        fail(f"{where} is not a directory")
    return workspace.resolve()


def run_overrides(model: str | None = None, max_parallel: int | None = None,
                  routing: Routing | None = None, plan_only: bool = False) -> dict[str, Any]:
    """This run's settings (the top layer), only those given."""
    values: dict[str, Any] = {"model": model, "max_parallel_agents": max_parallel,
                              "routing_strategy": routing.value if routing else None,
                              "require_approval": True if plan_only else None}
    return {k: v for k, v in values.items() if v is not None}
