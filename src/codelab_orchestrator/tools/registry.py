"""One registry from tool names (as agent rows list them) to LangChain tools.

Each tool is bound to one workspace and one :class:`ToolRecorder`. Errors
(sandbox refusals, missing files, bad arguments) come back to the model as a
tool message starting with ``ERROR:`` and are recorded; they never raise
into the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException

from . import commands, files
from .workspace import Workspace, WorkspaceError


@dataclass
class ToolRecorder:
    files_read: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    tool_errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, value: Any) -> None:
        with self._lock:
            target = getattr(self, kind)
            if value not in target or kind in ("commands", "tool_errors"):
                target.append(value)

    def as_dict(self) -> dict[str, Any]:
        return {"files_read": list(self.files_read), "files_written": list(self.files_written),
                "commands": list(self.commands), "tool_errors": list(self.tool_errors)}


def _error_text(error: ToolException) -> str:
    return f"ERROR: {error}"


def build_tools(names: list[str], ws: Workspace, allowed_commands: list[str],
                recorder: ToolRecorder, command_timeout: float = commands.DEFAULT_TIMEOUT_S) -> list[BaseTool]:
    """LangChain tools for ``names``; an unknown name is a ``KeyError`` (rows are validated
    on write, so this only happens when the registry and the schema disagree)."""

    def guarded(name: str, fn: Callable[..., str]) -> Callable[..., str]:
        def call(**kwargs: Any) -> str:
            try:
                return fn(**kwargs)
            except (WorkspaceError, OSError, UnicodeError) as exc:
                message = str(exc) if isinstance(exc, WorkspaceError) else f"{type(exc).__name__}: {exc}"
                recorder.add("tool_errors", f"{name}: {message}")
                raise ToolException(message) from None
        return call

    def list_files(path: str = ".", recursive: bool = False) -> str:
        """List files and directories under path (relative to the workspace). recursive=true
        lists the whole tree; .git, node_modules, virtualenvs and build folders are skipped."""
        return files.list_files(ws, path, recursive)

    def read_file(path: str, start_line: int = 1, end_line: int | None = None) -> str:
        """Read a text file with line numbers. start_line/end_line (1-based, inclusive) pick a
        range; a range past the end of the file is clamped, never an error."""
        out = files.read_file(ws, path, start_line, end_line)
        recorder.add("files_read", ws.relative(ws.resolve(path)))
        return out

    def search_in_code(pattern: str, path: str = ".", regex: bool = False) -> str:
        """Search files under path for pattern (literal text, or a regular expression when
        regex=true). Returns file:line: text for each match."""
        return files.search_in_code(ws, pattern, path, regex)

    def write_file(path: str, content: str) -> str:
        """Create or overwrite a file with content; parent directories are created."""
        out = files.write_file(ws, path, content)
        recorder.add("files_written", ws.relative(ws.resolve(path)))
        return out

    def edit_file(path: str, old: str, new: str) -> str:
        """Replace the exact text old (it must occur exactly once) with new in a file."""
        out = files.edit_file(ws, path, old, new)
        recorder.add("files_written", ws.relative(ws.resolve(path)))
        return out

    def create_directory(path: str) -> str:
        """Create a directory (and its parents). An existing directory is fine."""
        return files.create_directory(ws, path)

    def run_command(command: str) -> str:
        """Run a program in the workspace root, without a shell (no pipes, no redirection).
        Only the programs allowed for this agent may run. Returns the exit code and output."""
        try:
            out = commands.run_command(ws, command, allowed_commands, command_timeout)
        finally:
            recorder.add("commands", {"command": command})
        return out

    available: dict[str, Callable[..., str]] = {
        "list_files": list_files, "read_file": read_file, "search_in_code": search_in_code,
        "write_file": write_file, "edit_file": edit_file, "create_directory": create_directory,
        "run_command": run_command,
    }
    tools: list[BaseTool] = []
    for name in names:
        fn = available[name]
        tools.append(StructuredTool.from_function(
            func=guarded(name, fn), name=name, description=(fn.__doc__ or name).strip(),
            args_schema=StructuredTool.from_function(fn).args_schema,
            handle_tool_error=_error_text, handle_validation_error=lambda e: f"ERROR: bad arguments: {e}",
        ))
    return tools


TOOL_FUNCTIONS: tuple[str, ...] = ("list_files", "read_file", "search_in_code", "write_file",
                                   "edit_file", "create_directory", "run_command")
