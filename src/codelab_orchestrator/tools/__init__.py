"""Workspace tools: file and command tools confined to one directory.

Knows nothing of agents or nodes: :func:`build_tools` turns tool names (as
listed in an agent row) into LangChain tools bound to a workspace. Commands
run in a bubblewrap sandbox (:mod:`.sandbox`, :mod:`.commands`); file access
goes through descriptor-checked opens (:mod:`.safeio`) and the secret/ignore
policy (:mod:`.filepolicy`); :func:`redact` keeps this process's secrets out
of any text.
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
from .registry import TOOL_FUNCTIONS, ToolRecorder, build_tools, openai_schema
from .sandbox import SandboxStatus, sandbox_status
from .workspace import Workspace, WorkspaceError

__all__ = [
    "TOOL_FUNCTIONS", "CommandDecision", "CommandNeedsApproval", "Decision", "SandboxStatus",
    "ToolRecorder", "Workspace", "WorkspaceError", "build_tools", "decide_command", "gate_command",
    "openai_schema", "redact", "redact_value", "run_command_async", "run_prepared",
    "run_prepared_async", "sandbox_status",
]
