"""The layers applied over the agent rows when a project is loaded.

The rows are never rewritten: each load returns copies whose configs carry
the effective values, so ``--model`` or ``CODELAB_MODEL`` changes what this
run uses and nothing else. For each value the highest layer that sets it
wins; inside a layer, ``[models]`` for the agent's role beats ``model``.
``allowed_commands`` applies to agents that can run commands at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .layers import ORCHESTRATION_KEYS, Layer

if TYPE_CHECKING:
    from ..persistence.repository import AgentRecord


@dataclass(frozen=True)
class Effective:
    """The project's agents with the layers applied, and where each value came from."""

    agents: list[AgentRecord]
    orchestrator: str | None  # the orchestrator row to use, when a layer names one
    test_command: str | None
    # (agent name, key) or (None, key) -> origin: a flag, a file path, a variable or "row"
    sources: dict[tuple[str | None, str], str] = field(default_factory=dict)


def _first(layers: list[Layer], *keys: tuple[str, ...]) -> tuple[Any, str] | None:
    """The highest layer's value for the first of ``keys`` it has (a key is a path)."""
    for layer in layers:
        for path in keys:
            value: Any = layer.values
            for part in path:
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                origin = layer.origins.get(path[0], layer.name)
                return value, origin + ("" if len(path) == 1 else f" [{'.'.join(path)}]")
    return None


def apply(agents: list[AgentRecord], layers: list[Layer]) -> Effective:
    sources: dict[tuple[str | None, str], str] = {}
    effective: list[AgentRecord] = []
    for agent in agents:
        changes: dict[str, Any] = {}
        model = _first(layers, ("models", agent.role.value), ("model",))
        if model is not None:
            changes["model"], sources[(agent.name, "model")] = model
        if "run_command" in agent.config.tools:
            commands = _first(layers, ("allowed_commands",))
            if commands is not None:
                changes["allowed_commands"], sources[(agent.name, "allowed_commands")] = commands
        if agent.role.value == "orchestrator":
            for key in ORCHESTRATION_KEYS:
                found = _first(layers, (key,))
                if found is not None:
                    changes[key], sources[(agent.name, key)] = found
        if changes:
            agent = agent.model_copy(update={"config": agent.config.model_copy(update=changes)})
        effective.append(agent)
    orchestrator = _first(layers, ("orchestrator",))
    if orchestrator is not None:
        sources[(None, "orchestrator")] = orchestrator[1]
    test_command = _first(layers, ("test_command",))
    if test_command is not None:
        sources[(None, "test_command")] = test_command[1]
    return Effective(agents=effective, orchestrator=orchestrator[0] if orchestrator else None,
                     test_command=test_command[0] if test_command else None, sources=sources)
