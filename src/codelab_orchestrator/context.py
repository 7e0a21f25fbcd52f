"""Runtime context: who is asking, about which project, in which directory.

Passed per run (``context=Context(...)`` embedded, ``context={...}`` over
HTTP). Orchestration settings are *not* here: they come from the project's
orchestrator row in the agents table, with the layers of
:mod:`codelab_orchestrator.config` over it (``.codelab.toml``, the user's
config file, ``CODELAB_*`` variables); ``overrides`` is the top layer, this
run's own settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(kw_only=True)
class Context:
    user_id: str = field(
        default="",
        metadata={"description": "Owner of the agents and sessions (default $CODELAB_USER or 'local')."},
    )
    project_id: str = field(
        default="",
        metadata={"description": "Project whose agents run (default $CODELAB_PROJECT or 'local')."},
    )
    workspace: str = field(
        default="",
        metadata={"description": "Directory the agents' tools work in (default $CODELAB_WORKSPACE or '.')."},
    )
    orchestrator: str | None = field(
        default=None,
        metadata={"description": "Name of the orchestrator row to use; the project's default if empty."},
    )
    overrides: dict[str, Any] | None = field(
        default=None,
        metadata={"description": "Settings for this run over the project's files, environment and "
                                 "agent rows: model, models (per role), max_parallel_agents, "
                                 "routing_strategy, require_approval... (the CLI's flags)."},
    )

    def __post_init__(self) -> None:
        env = {"user_id": ("CODELAB_USER", "local"), "project_id": ("CODELAB_PROJECT", "local"),
               "workspace": ("CODELAB_WORKSPACE", ".")}
        for f in fields(self):
            if f.name in env and not getattr(self, f.name):
                var, fallback = env[f.name]
                setattr(self, f.name, os.environ.get(var) or fallback)
        self.orchestrator = self.orchestrator or None
