"""``codelab agents``: list, show, add, update, remove and seed rows of ``user_agents``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..persistence.enums import AgentRole, AgentStatus
from .common import (
    JsonOption,
    ProjectOption,
    UserOption,
    console,
    fail,
    parse_json_arg,
    print_json,
    scope,
    user_errors,
)

if TYPE_CHECKING:
    from ..persistence import AgentRepository

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
    from rich.table import Table  # noqa: PLC0415 - commands import what they use: fast --help

    from ..persistence import AgentRepository  # noqa: PLC0415

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
    from ..persistence import AgentRepository  # noqa: PLC0415

    repo = AgentRepository()
    repo.project_agents(user_id, project_id)
    return repo


def _tools_summary(tools: list[str]) -> str:
    from ..persistence.schemas import WRITE_TOOLS  # noqa: PLC0415

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
    from ..persistence import validate_config  # noqa: PLC0415

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


@app.command("set-model")
def set_model(
    model: Annotated[str, typer.Argument(help="provider:model, e.g. openai:gpt-4.1 or "
                                              "ollama:qwen2.5-coder.")],
    role: Annotated[AgentRole | None, typer.Option("--role", "-r", help="Only this role's agents.")] = None,
    user: UserOption = None,
    project: ProjectOption = None,
) -> None:
    """Set the model of every agent of the project (or of one role) in one step."""
    from .. import config  # noqa: PLC0415

    if not model.strip():
        fail("MODEL is empty: give provider:model, e.g. openai:gpt-4.1")
    user_id, project_id = scope(user, project)
    with user_errors():
        records = _repository(user_id, project_id).set_model(user_id, project_id, model.strip(),
                                                             role=role)
    if not records:
        fail(f"no {role.value if role else ''} agent in {user_id}/{project_id}".replace("  ", " "))
    console.print(f"model of {', '.join(r.name for r in records)} set to [bold]{model.strip()}[/bold]",
                  highlight=False)
    above = [layer for layer in config.layers(".") if "model" in layer.values
             or (layer.values.get("models") and (role is None or role.value in layer.values["models"]))]
    for layer in above:
        source = layer.origins.get("model") or layer.origins.get("models")
        console.print(f"[yellow]note:[/yellow] {source} sets the model at run time over the rows "
                      "(see `codelab config show`)", highlight=False)


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
    from ..persistence import AgentRepository  # noqa: PLC0415

    with user_errors():
        added = AgentRepository().seed_defaults(user_id, project_id)
    console.print(f"seeded {added} agent(s) into {user_id}/{project_id}")
