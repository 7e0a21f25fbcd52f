"""Workspace tools: file and command tools confined to one directory.

Knows nothing of agents or nodes: :func:`tools_for` turns tool names (as
listed in an agent row) into LangChain tools that work in the directory the
run's context names. Commands run in a bubblewrap sandbox (:mod:`.sandbox`,
:mod:`.commands`); file access goes through descriptor-checked opens
(:mod:`.safeio`) and the secret/ignore policy (:mod:`.filepolicy`);
:func:`redact` keeps this process's secrets out of any text.
"""

from .commands import (
    CommandDecision,
    CommandNeedsApproval,
    Decision,
    decide_command,
    gate_command,
    run_command_async,
    run_prepared,
    run_prepared_async,
)
from .redaction import redact, redact_value
from .registry import TOOL_FUNCTIONS, TOOLS, WRITING_TOOLS, openai_schema, tools_for
from .sandbox import SandboxStatus, sandbox_status
from .workspace import Workspace, WorkspaceError

__all__ = [
    "TOOLS", "TOOL_FUNCTIONS", "WRITING_TOOLS", "CommandDecision", "CommandNeedsApproval",
    "Decision", "SandboxStatus", "Workspace", "WorkspaceError", "decide_command", "gate_command",
    "openai_schema", "redact", "redact_value", "run_command_async", "run_prepared",
    "run_prepared_async", "sandbox_status", "tools_for",
]
