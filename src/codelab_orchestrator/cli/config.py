"""``codelab config show``: the effective settings and where each one came from."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from .common import JsonOption, ProjectOption, UserOption, console, print_json
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

app = typer.Typer(help="Effective settings and where each comes from (flags, .codelab.toml, "
                       "user config, environment, agent rows).", no_args_is_help=True)


def _scope_source(flag: str | None, var: str) -> str:
    if flag:
        return "flag"
    return f"env {var}" if os.environ.get(var) else "default"


@app.command()
def show(
    workspace: WorkspaceOption = None,
    user: UserOption = None,
    project: ProjectOption = None,
    orchestrator: OrchestratorOption = None,
    model: ModelOption = None,
    max_parallel: MaxParallelOption = None,
    routing: RoutingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print every effective setting and its source.

    A source is a flag, .codelab.toml, the user config file, a CODELAB_* variable, an agent
    row or the default. Takes the same flags as `codelab run`, to show what such a run uses."""
    from .. import config  # noqa: PLC0415 - pydantic, SQLAlchemy: only when used
    from ..context import Context  # noqa: PLC0415
    from ..persistence import AgentRepository, pick_orchestrator  # noqa: PLC0415
    from ..persistence.settings import checkpoint_url, data_dir, database_url  # noqa: PLC0415
    from .common import scope  # noqa: PLC0415
    from .db import safe_url  # noqa: PLC0415

    config.check_numeric_env()
    path = workspace_path(workspace)
    user_id, project_id = scope(user, project)
    context = Context(user_id=user_id, project_id=project_id, workspace=str(path),
                      orchestrator=orchestrator, overrides=run_overrides(model, max_parallel, routing))
    rows = AgentRepository().project_agents(user_id, project_id)
    effective = config.resolve(context, rows, flags=FLAGS)
    chosen = pick_orchestrator(effective.agents, effective.orchestrator)

    def where(agent: str | None, key: str) -> str:
        source = effective.sources.get((agent, key))
        return source if source else ("agent row" if agent else "default")

    project_file, user_file = config.project_config_path(path), config.user_config_path()
    general: dict[str, dict[str, Any]] = {
        "user": {"value": user_id, "source": _scope_source(user, "CODELAB_USER")},
        "project": {"value": project_id, "source": _scope_source(project, "CODELAB_PROJECT")},
        "workspace": {"value": str(path), "source": "flag" if workspace else
                      _scope_source(None, "CODELAB_WORKSPACE")},
        "project file": {"value": str(project_file), "source": _found(project_file)},
        "user file": {"value": str(user_file), "source": _found(user_file)},
        "data directory": {"value": str(data_dir()), "source": _scope_source(None, "CODELAB_HOME")},
        "agents database": {"value": safe_url(database_url()),
                            "source": _scope_source(None, "DATABASE_URL")},
        "sessions database": {"value": safe_url(checkpoint_url()),
                              "source": _scope_source(None, "CODELAB_CHECKPOINT_URL")
                              if os.environ.get("CODELAB_CHECKPOINT_URL") else "beside the agents"},
        "orchestrator": {"value": chosen.name, "source": where(None, "orchestrator")
                         if (None, "orchestrator") in effective.sources else "project default row"},
        "test_command": {"value": effective.test_command, "source": where(None, "test_command")},
        "OPENAI_BASE_URL": {"value": os.environ.get("OPENAI_BASE_URL"), "source": "env"},
        "OPENAI_API_KEY": {"value": "set" if os.environ.get("OPENAI_API_KEY") else "not set",
                           "source": "env"},
    }
    orchestration = {key: {"value": getattr(chosen.config, key), "source": where(chosen.name, key)}
                     for key in config.ORCHESTRATION_KEYS}
    agents = [{"name": a.name, "role": a.role.value, "status": a.status.value,
               "model": a.config.model, "model_source": where(a.name, "model"),
               "allowed_commands": a.config.allowed_commands if "run_command" in a.config.tools
               else None, "allowed_commands_source": where(a.name, "allowed_commands")}
              for a in effective.agents]
    if as_json:
        print_json({"general": general, "orchestration": orchestration, "agents": agents})
        return
    _print(general, orchestration, agents, chosen.name)


def _found(path: Path) -> str:
    return "found" if path.is_file() else "none"


def _print(general: dict, orchestration: dict, agents: list[dict], orchestrator: str) -> None:
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415 - values are text, never markup

    table = Table(title="Settings", title_justify="left")
    table.add_column("setting", no_wrap=True)
    for column in ("value", "source"):
        table.add_column(column, overflow="fold")
    for key, item in general.items():
        table.add_row(key, Text(_text(item["value"])), Text(item["source"]))
    table.add_section()
    for key, item in orchestration.items():
        table.add_row(key, Text(_text(item["value"])),
                      Text(item["source"].replace("agent row", f"row {orchestrator}")))
    console.print(table)
    agents_table = Table(title="Agents", title_justify="left")
    for column in ("agent", "role", "status"):
        agents_table.add_column(column, no_wrap=True)
    for column in ("model", "model from"):
        agents_table.add_column(column, overflow="fold")
    for a in agents:
        agents_table.add_row(*(Text(a[k]) for k in ("name", "role", "status", "model", "model_source")))
    console.print(agents_table)
    grouped: dict[tuple[str, str], list[str]] = {}
    for a in agents:
        if a["allowed_commands"] is not None:
            key = (" ".join(a["allowed_commands"]) or "(none)", a["allowed_commands_source"])
            grouped.setdefault(key, []).append(a["name"])
    for (commands, source), names in grouped.items():
        console.print(Text(f"allowed commands of {', '.join(names)}: {commands} ({source})"))


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return str(value).lower() if isinstance(value, bool) else str(value)
