"""Settings in layers over the agent rows: flags, ``.codelab.toml``, the user's
config file, environment variables (see :mod:`.layers` for the order and keys).

:func:`resolve` is what :func:`codelab_orchestrator.project.load_project` calls:
the project's rows with every layer applied, plus where each value came from
(``codelab config show`` prints that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layers import (
    ENV_NAMES,
    ORCHESTRATION_KEYS,
    PROJECT_FILE,
    RUN_KEYS,
    Layer,
    SettingsError,
    check_numeric_env,
    layers,
    project_config_path,
    user_config_path,
)
from .overlay import Effective, apply

if TYPE_CHECKING:
    from ..context import Context
    from ..persistence.repository import AgentRecord

__all__ = [
    "ENV_NAMES", "ORCHESTRATION_KEYS", "PROJECT_FILE", "RUN_KEYS", "Effective", "Layer",
    "SettingsError", "check_numeric_env", "layers", "project_config_path", "resolve",
    "user_config_path",
]


def resolve(context: Context, agents: list[AgentRecord],
            flags: dict[str, str] | None = None) -> Effective:
    """``agents`` (the rows) with the layers for ``context`` applied; ``flags`` names the
    command-line flag behind each run setting, for display."""
    overrides: dict[str, Any] = dict(getattr(context, "overrides", None) or {})
    if context.orchestrator:
        overrides["orchestrator"] = context.orchestrator
    return apply(agents, layers(context.workspace, overrides, flags))
