"""Workspace tools: file and command tools confined to one directory.

Knows nothing of agents or nodes: :func:`build_tools` turns tool names (as
listed in an agent row) into LangChain tools bound to a workspace.
"""

from .registry import TOOL_FUNCTIONS, ToolRecorder, build_tools, openai_schema
from .workspace import Workspace, WorkspaceError

__all__ = [
    "TOOL_FUNCTIONS", "ToolRecorder", "Workspace", "WorkspaceError", "build_tools", "openai_schema",
]
