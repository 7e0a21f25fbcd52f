"""Pydantic models for the ``config`` column of ``user_agents``, validated on every write.

One model per role family: every agent shares :class:`AgentConfig`; the
orchestrator row extends it with the orchestration settings the graph reads.
Unknown keys are rejected so a typo (``max_paralel_agents``) is an error, not
a silently ignored setting.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .enums import AgentRole, AgentStatus  # noqa: F401 - re-exported for existing imports
from .settings import default_model

# Tool names an agent row may list. The workspace tools package implements
# exactly these (a test keeps the two in step); naming them here lets a bad
# row be rejected when it is written, not when a task first runs.
READ_ONLY_TOOLS: tuple[str, ...] = ("list_files", "read_file", "search_in_code")
WRITE_TOOLS: tuple[str, ...] = ("write_file", "edit_file", "create_directory", "run_command")
KNOWN_TOOLS: frozenset[str] = frozenset(READ_ONLY_TOOLS + WRITE_TOOLS)


class AgentMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capabilities: list[str] = Field(default_factory=list)
    risk_level: Literal["low", "medium", "high"] = "low"
    cost_per_call: float = Field(default=0.01, ge=0, description="Estimated cost of one call, USD.")
    estimated_duration: float = Field(default=30.0, ge=0, description="Typical task duration, s.")


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(default_factory=default_model, min_length=1)
    temperature: float = Field(default=0.2, ge=0, le=2)
    system_prompt: str | None = None
    tools: list[str] = Field(default_factory=list)
    max_tokens: int | None = Field(
        default=None, gt=0, description="Reply length cap; the role's default when unset.")
    timeout_s: float | None = Field(
        default=None, gt=0, le=3600,
        description="Seconds one try of a model call may take; CODELAB_MODEL_TIMEOUT or 120 when unset.")
    max_retries: int | None = Field(
        default=None, ge=0, le=10,
        description="Client retries on 429, 5xx and timeouts; CODELAB_MODEL_MAX_RETRIES or 2 when unset.")
    allowed_commands: list[str] = Field(
        default_factory=list, description="Programs run_command may start (first word)."
    )
    allow_network: bool = Field(
        default=False, description="Commands of this agent may use the network (the host's, "
        "localhost services included); off, the sandbox has no network at all.")
    deny_files: list[str] = Field(
        default_factory=list, description="Extra gitignore-style patterns the file tools refuse "
        "and commands cannot read, added to the built-in secret patterns (.env*, keys, ...).")
    price_in_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per million input tokens of this agent's model "
        "(default: the built-in table; 0 for unknown models and custom OPENAI_BASE_URL servers).")
    price_out_per_mtok: float | None = Field(
        default=None, ge=0, description="USD per million output tokens (default: as above).")
    metadata: AgentMetadata = Field(default_factory=AgentMetadata)

    @field_validator("tools")
    @classmethod
    def _known_tools(cls, tools: list[str]) -> list[str]:
        unknown = sorted(set(tools) - KNOWN_TOOLS)
        if unknown:
            raise ValueError(f"unknown tool(s) {unknown}; known: {sorted(KNOWN_TOOLS)}")
        return list(dict.fromkeys(tools))

    @field_validator("deny_files")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        cleaned = [p.strip() for p in patterns]
        if any(not p or "\x00" in p for p in cleaned):
            raise ValueError("patterns must be non-empty text")
        return list(dict.fromkeys(cleaned))


class OrchestratorConfig(AgentConfig):
    """Settings of one orchestration strategy; several may exist, one is the default."""

    is_default: bool = False
    max_parallel_agents: int = Field(default=4, ge=1, le=64)
    approval_threshold_cost: float = Field(default=1.0, ge=0)
    approval_threshold_tasks: int = Field(default=8, ge=1)
    require_approval: bool = Field(
        default=False, description="Every plan, even one task, waits for approval (--plan-only).")
    error_handling: Literal["fail_fast", "continue_on_error"] = "continue_on_error"
    max_replans: int = Field(default=2, ge=0, le=20)
    max_task_attempts: int = Field(default=2, ge=1, le=10)
    max_plan_tasks: int = Field(default=20, ge=1, le=200)
    routing_strategy: Literal["llm", "local", "hybrid"] = "hybrid"
    routing_confidence_threshold: float = Field(default=0.85, ge=0, le=1)
    apply_changes: bool = Field(
        default=True, description="Apply a finished plan's result to the workspace (else: a branch).")
    task_timeout_s: float | None = Field(
        default=None, gt=0, description="A task attempt running longer is stopped and fails.")
    max_model_calls_per_task: int = Field(default=25, ge=1, le=1000)
    max_tokens_per_task: int | None = Field(
        default=None, ge=1, description="A task attempt that has used this many tokens (input "
        "and output, all its model calls) fails before its next model call.")
    max_cost_per_plan: float | None = Field(
        default=None, gt=0, description="USD a plan's tasks may spend; reaching it pauses the "
        "plan (paused_budget) until the cap is raised.")
    max_tool_output_chars: int = Field(
        default=12_000, ge=500, description="Tool outputs shown to a model are cut at this size.")
    max_dependency_chars: int = Field(
        default=4_000, ge=200, description="Each dependency's result handed to a task is cut at this size.")
    command_policy: Literal["sandbox", "approve", "refuse"] = Field(
        default="sandbox", description="sandbox: commands run sandboxed, or need approval where "
        "no sandbox is available; approve: every command needs approval; refuse: commands run "
        "sandboxed, or are refused where no sandbox is available.")


class ConfigValidationError(ValueError):
    """A config that fails validation; the message names each field and the reason."""

    def __init__(self, role: str, errors: list[str]):
        self.role = role
        self.errors = errors
        super().__init__(f"invalid config for a {role} agent: " + "; ".join(errors))


def config_model(role: AgentRole | str) -> type[AgentConfig]:
    return OrchestratorConfig if AgentRole(role) is AgentRole.ORCHESTRATOR else AgentConfig


def validate_config(role: AgentRole | str, config: dict[str, Any] | None) -> AgentConfig:
    """Validate ``config`` for ``role``; raise :class:`ConfigValidationError` naming the fields."""
    model = config_model(role)
    try:
        return model.model_validate(config or {})
    except ValidationError as exc:
        errors = [
            f"config.{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigValidationError(str(AgentRole(role)), errors) from None
