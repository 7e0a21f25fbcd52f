"""``codelab agents``: list, show, add, update, remove and seed rows of ``user_agents``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ..persistence import AgentRepository, AgentRole, AgentStatus, validate_config
from ..persistence.schemas import WRITE_TOOLS
from .common import (
    JsonOption,
    ProjectOption,
    UserOption,
    console,
    parse_json_arg,
    print_json,
    scope,
    user_errors,
)

app = typer.Typer(help="Manage the project's agents (one table, the orchestrator included).",
                  no_args_is_help=True)

AgentArg = Annotated[str, typer.Argument(help="Agent name or numeric id.")]
ConfigOption = Annotated[
    str | None, typer.Option("--config", "-c", help="JSON object, or @file.json.")
]


@app.command("list")
def list_agents(
    user: UserOption = None,
    project: ProjectOption = None,
    role: Annotated[AgentRole | None, typer.Option(help="Only this role.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the agents of a project (seeding the starter pack on first use)."""
    user_id, project_id = scope(user, project)
    with user_errors():
        agents = AgentRepository().project_agents(user_id, project_id)
    if role is not None:
        agents = [a for a in agents if a.role is role]
    if as_json:
        print_json([a.as_json() for a in agents])
        return
    table = Table(title=f"Agents of {user_id}/{project_id}")
    for column in ("id", "name", "role", "status", "model", "tools", "notes"):
        table.add_column(column)
    for a in agents:
        notes = "default" if getattr(a.config, "is_default", False) else ""
        table.add_row(str(a.id), a.name, a.role.value, a.status.value, a.config.model,
                      _tools_summary(a.config.tools), notes)
    console.print(table)


def _repository(user_id: str, project_id: str) -> AgentRepository:
    """The repository, with the project's starter pack seeded: any command is a first use."""
    repo = AgentRepository()
    repo.project_agents(user_id, project_id)
    return repo


def _tools_summary(tools: list[str]) -> str:
    writes = [t for t in tools if t in WRITE_TOOLS]
    return f"{len(tools)} ({'read+write' if writes else 'read-only'})" if tools else "none"


@app.command()
def show(agent: AgentArg, user: UserOption = None, project: ProjectOption = None) -> None:
    """Print one agent as JSON."""
    user_id, project_id = scope(user, project)
    with user_errors():
        print_json(_repository(user_id, project_id).get(user_id, project_id, agent).as_json())


@app.command()
def add(
    name: Annotated[str, typer.Option("--name", "-n", help="Unique name within the project.")],
    role: Annotated[AgentRole, typer.Option("--role", "-r")],
    config: ConfigOption = None,
    status: Annotated[AgentStatus, typer.Option()] = AgentStatus.READY,
    user: UserOption = None,
    project: ProjectOption = None,
) -> None:
    """Add an agent; the config is validated before anything is written."""
    user_id, project_id = scope(user, project)
    data = parse_json_arg(config)
    with user_errors():
        validate_config(role, data)  # before seeding: a bad config writes nothing at all
        record = _repository(user_id, project_id).create(
            user_id, project_id, name=name, role=role, config=data, status=status
        )
    console.print(f"added agent [bold]{record.name}[/bold] (id {record.id}, {record.role.value})")


@app.command()
def update(
    agent: AgentArg,
    config: ConfigOption = None,
    replace: Annotated[bool, typer.Option(help="Replace the config instead of merging.")] = False,
    status: Annotated[AgentStatus | None, typer.Option()] = None,
    rename: Annotated[str | None, typer.Option(help="New name.")] = None,
    if_version: Annotated[int | None, typer.Option(
        "--if-version", help="Only if the agent is still at this version (see `agents show`): "
                             "a concurrent change makes this fail instead of being overwritten.",
    )] = None,
    user: UserOption = None,
    project: ProjectOption = None,
) -> None:
    """Change an agent: --config is merged into the current config unless --replace."""
    user_id, project_id = scope(user, project)
    data = parse_json_arg(config)
    with user_errors():
        record = _repository(user_id, project_id).update(
            user_id, project_id, agent, config=data, replace_config=replace,
            status=status, name=rename, if_version=if_version,
        )
    console.print(f"updated agent [bold]{record.name}[/bold] (id {record.id}, "
                  f"version {record.version})")


@app.command()
def remove(agent: AgentArg, user: UserOption = None, project: ProjectOption = None) -> None:
    """Delete an agent."""
    user_id, project_id = scope(user, project)
    with user_errors():
        record = _repository(user_id, project_id).delete(user_id, project_id, agent)
    console.print(f"removed agent [bold]{record.name}[/bold] (id {record.id})")


@app.command()
def seed(user: UserOption = None, project: ProjectOption = None) -> None:
    """Add the starter-pack agents that the project is missing (idempotent)."""
    user_id, project_id = scope(user, project)
    with user_errors():
        added = AgentRepository().seed_defaults(user_id, project_id)
    console.print(f"seeded {added} agent(s) into {user_id}/{project_id}")
