"""The starter pack: the agents a project gets on first use.

Model strings are left out on purpose: validation fills them from
``CODELAB_MODEL`` (else ``openai:gpt-4.1-mini``) at the moment of seeding.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .schemas import READ_ONLY_TOOLS, WRITE_TOOLS, AgentRole, AgentStatus

ALL_TOOLS = list(READ_ONLY_TOOLS + WRITE_TOOLS)

# A reply-length cap per role, used when a row sets no ``max_tokens``. Without one a small
# local model can ramble until the client times out (at ~12 tokens/s, 9 of 10 calls of one
# run hit the 120 s timeout). Classification is a short JSON object; plans and code edits
# need room for file contents.
DEFAULT_MAX_TOKENS: dict[str, int] = {
    "orchestrator": 512, "architect": 1536, "coder": 2048, "debug": 2048, "ask": 1024,
    "universal": 2048, "custom": 1536,
}
DEV_COMMANDS = ["python", "python3", "pytest", "ruff", "mypy", "ls", "cat", "git"]


class AgentSpec(NamedTuple):
    name: str
    role: AgentRole
    config: dict[str, Any]
    status: AgentStatus = AgentStatus.READY


def _meta(capabilities: list[str], risk: str, cost: float, duration: float) -> dict[str, Any]:
    return {
        "capabilities": capabilities,
        "risk_level": risk,
        "cost_per_call": cost,
        "estimated_duration": duration,
    }


DEFAULT_AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec(
        "orchestrator",
        AgentRole.ORCHESTRATOR,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["orchestrator"],
            "temperature": 0.0,
            "tools": list(READ_ONLY_TOOLS),
            "is_default": True,
            "metadata": _meta(["classification", "routing"], "low", 0.001, 2),
        },
    ),
    AgentSpec(
        "architect",
        AgentRole.ARCHITECT,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["architect"],
            "temperature": 0.2,
            "tools": list(READ_ONLY_TOOLS),
            "metadata": _meta(["planning", "design", "decomposition"], "low", 0.02, 30),
        },
    ),
    AgentSpec(
        "coder",
        AgentRole.CODER,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["coder"],
            "temperature": 0.1,
            "tools": ALL_TOOLS,
            "allowed_commands": DEV_COMMANDS,
            "metadata": _meta(["implementation", "refactoring", "tests"], "medium", 0.01, 60),
        },
    ),
    AgentSpec(
        "debug",
        AgentRole.DEBUG,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["debug"],
            "temperature": 0.0,
            "tools": ALL_TOOLS,
            "allowed_commands": DEV_COMMANDS,
            "metadata": _meta(["diagnosis", "bug fixing"], "medium", 0.01, 60),
        },
    ),
    AgentSpec(
        "ask",
        AgentRole.ASK,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["ask"],
            "temperature": 0.3,
            "tools": list(READ_ONLY_TOOLS),
            "metadata": _meta(["explanation", "code reading", "questions"], "low", 0.005, 15),
        },
    ),
    AgentSpec(
        "universal",
        AgentRole.UNIVERSAL,
        {
            "max_tokens": DEFAULT_MAX_TOKENS["universal"],
            "temperature": 0.2,
            "tools": ALL_TOOLS,
            "allowed_commands": DEV_COMMANDS,
            "metadata": _meta(["everything, single-agent mode"], "medium", 0.01, 60),
        },
        AgentStatus.DISABLED,
    ),
)
