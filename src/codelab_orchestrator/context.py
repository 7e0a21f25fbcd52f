"""Runtime context: who is asking, about which project, in which directory.

Passed per run (``context=Context(...)`` embedded, ``context={...}`` over
HTTP). A field left empty means "the session's": a session records its
workspace, user, project and orchestrator when it starts (``State.session``)
and later runs use them, so resuming needs no context at all. For a new
session an empty field falls back to ``$CODELAB_USER`` / ``$CODELAB_PROJECT``
/ ``$CODELAB_WORKSPACE`` (else ``local``, ``local``, ``.``).

Orchestration settings are *not* here: they come from the project's
orchestrator row in the agents table, with the layers of
:mod:`codelab_orchestrator.config` over it (``.codelab.toml``, the user's
config file, ``CODELAB_*`` variables). ``overrides`` is the top layer: this
run's own settings (the CLI's flags), never recorded with the session.

:class:`TaskContext` is what one task's tools see: the directory they may
work in and the limits that apply to them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

ENV_DEFAULTS: dict[str, tuple[str, str]] = {
    "user_id": ("CODELAB_USER", "local"),
    "project_id": ("CODELAB_PROJECT", "local"),
    "workspace": ("CODELAB_WORKSPACE", "."),
}


@dataclass(kw_only=True)
class Context:
    user_id: str = field(
        default="",
        metadata={"description": "Owner of the agents and sessions (default: the session's, "
                                 "else $CODELAB_USER or 'local')."},
    )
    project_id: str = field(
        default="",
        metadata={"description": "Project whose agents run (default: the session's, "
                                 "else $CODELAB_PROJECT or 'local')."},
    )
    workspace: str = field(
        default="",
        metadata={"description": "Directory the agents work on (default: the session's, "
                                 "else $CODELAB_WORKSPACE or '.')."},
    )
    orchestrator: str | None = field(
        default=None,
        metadata={"description": "Name of the orchestrator row to use; the project's default if empty."},
    )
    apply_changes: bool | None = field(
        default=None,
        metadata={"description": "Apply the plan's result to the workspace at the end (false: keep "
                                 "it on a branch); empty: the orchestrator row's apply_changes."},
    )
    max_cost_per_plan: float | None = field(
        default=None,
        metadata={"description": "This run's cost cap per plan in USD (default: the plan's, "
                                 "else the orchestrator row's max_cost_per_plan)."},
    )
    max_tokens_per_task: int | None = field(
        default=None,
        metadata={"description": "This run's token cap per task attempt (default: the row's)."},
    )
    max_model_calls_per_task: int | None = field(
        default=None,
        metadata={"description": "This run's model-call cap per task attempt (default: the row's)."},
    )
    overrides: dict[str, Any] | None = field(
        default=None,
        metadata={"description": "Settings for this run over the project's files, environment and "
                                 "agent rows: model, models (per role), max_parallel_agents, "
                                 "routing_strategy, require_approval... (the CLI's flags)."},
    )

    def __post_init__(self) -> None:
        self.orchestrator = self.orchestrator or None

    def with_defaults(self) -> Context:
        """Empty fields filled from the environment; the workspace made absolute."""
        values = {name: getattr(self, name) or os.environ.get(var) or fallback
                  for name, (var, fallback) in ENV_DEFAULTS.items()}
        values["workspace"] = os.path.abspath(os.path.expanduser(values["workspace"]))
        return replace(self, **values)


@dataclass(frozen=True, kw_only=True)
class TaskContext:
    """The runtime context of one task attempt's run: what its tools may touch."""

    workspace: str
    # The user's project when ``workspace`` is a task's worktree (or view) of it: commands
    # use its virtualenv, read-only (see tools/sandbox.py).
    project_root: str = ""
    plan_id: str = ""
    task_id: str = ""
    agent: str = ""
    allowed_commands: tuple[str, ...] = ()
    command_timeout_s: float = 60.0
    max_tool_output_chars: int = 12_000
    allow_network: bool = False  # commands may use the network
    command_policy: str = "sandbox"  # the orchestrator row's: sandbox / approve / refuse
    deny_files: tuple[str, ...] = ()  # extra patterns the tools refuse (row's deny_files)
    budget: Any = None  # budget.ledger.AttemptBudget: limits checked before each model call
