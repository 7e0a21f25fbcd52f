"""Workspace tools: file and command tools confined to one directory.

Knows nothing of agents or nodes: :func:`tools_for` turns tool names (as
listed in an agent row) into LangChain tools that work in the directory the
run's context names.
"""

from .registry import TOOL_FUNCTIONS, TOOLS, WRITING_TOOLS, openai_schema, tools_for
from .workspace import Workspace, WorkspaceError

__all__ = [
    "TOOLS", "TOOL_FUNCTIONS", "WRITING_TOOLS", "Workspace", "WorkspaceError", "openai_schema",
    "tools_for",
]
