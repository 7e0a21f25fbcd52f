"""One registry from tool names (as agent rows list them) to LangChain tools.

The tool functions live at module level and take a :class:`ToolEnv` (the
workspace, the allowed commands, the recorder) as their first argument; their
argument schemas are built once per process (pydantic model creation costs
milliseconds, far too much per task). Each run binds the functions to its own
environment. Errors (sandbox refusals, missing files, bad arguments) come back
to the model as a tool message starting with ``ERROR:`` and are recorded;
they never raise into the run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langchain_core.tools.base import create_schema_from_function

from . import commands, files
from .workspace import Workspace, WorkspaceError


@dataclass
class ToolRecorder:
    files_read: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    tool_errors: list[str] = field(default_factory=list)
    _lock: Any = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, value: Any) -> None:
        with self._lock:
            target = getattr(self, kind)
            if value not in target or kind in ("commands", "tool_errors"):
                target.append(value)

    def as_dict(self) -> dict[str, Any]:
        return {"files_read": list(self.files_read), "files_written": list(self.files_written),
                "commands": list(self.commands), "tool_errors": list(self.tool_errors)}


@dataclass(frozen=True)
class ToolEnv:
    ws: Workspace
    recorder: ToolRecorder
    allowed_commands: list[str]
    command_timeout: float = commands.DEFAULT_TIMEOUT_S
    allow_network: bool = False
    command_policy: str = "sandbox"


def list_files(env: ToolEnv, path: str = ".", recursive: bool = False) -> str:
    """List files and directories under path (relative to the workspace). recursive=true
    lists the whole tree; .git, node_modules, virtualenvs and build folders are skipped."""
    return files.list_files(env.ws, path, recursive)


def read_file(env: ToolEnv, path: str, start_line: int = 1, end_line: int | None = None) -> str:
    """Read a text file with line numbers. start_line/end_line (1-based, inclusive) pick a
    range; a range past the end of the file is clamped, never an error."""
    out = files.read_file(env.ws, path, start_line, end_line)
    env.recorder.add("files_read", env.ws.relative(env.ws.resolve(path)))
    return out


def search_in_code(env: ToolEnv, pattern: str, path: str = ".", regex: bool = False) -> str:
    """Search files under path for pattern (literal text, or a regular expression when
    regex=true). Returns file:line: text for each match."""
    return files.search_in_code(env.ws, pattern, path, regex)


def write_file(env: ToolEnv, path: str, content: str) -> str:
    """Create or overwrite a file with content; parent directories are created."""
    out = files.write_file(env.ws, path, content)
    env.recorder.add("files_written", env.ws.relative(env.ws.resolve(path)))
    return out


def edit_file(env: ToolEnv, path: str, old: str, new: str) -> str:
    """Replace the exact text old (it must occur exactly once) with new in a file."""
    out = files.edit_file(env.ws, path, old, new)
    env.recorder.add("files_written", env.ws.relative(env.ws.resolve(path)))
    return out


def create_directory(env: ToolEnv, path: str) -> str:
    """Create a directory (and its parents). An existing directory is fine."""
    return files.create_directory(env.ws, path)


def run_command(env: ToolEnv, command: str) -> str:
    """Run a program in the workspace root, without a shell (no pipes, no redirection), in a
    sandbox: only the workspace is writable, no network unless allowed. Only the programs
    allowed for this agent may run. Returns the exit code and output."""
    try:
        return commands.run_command(env.ws, command, env.allowed_commands, env.command_timeout,
                                    allow_network=env.allow_network, policy=env.command_policy)
    finally:
        env.recorder.add("commands", {"command": command})


TOOLS: dict[str, Callable[..., str]] = {
    fn.__name__: fn for fn in (list_files, read_file, search_in_code, write_file, edit_file,
                               create_directory, run_command)
}
TOOL_FUNCTIONS: tuple[str, ...] = tuple(TOOLS)


@cache
def openai_schema(name: str) -> dict[str, Any]:
    """The tool's OpenAI function schema, converted once: ``bind_tools`` accepts it as is."""
    from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: PLC0415

    return convert_to_openai_tool(StructuredTool(
        name=name, description=(TOOLS[name].__doc__ or name).strip(), args_schema=_schema(name),
        func=TOOLS[name]))


@cache
def _schema(name: str) -> Any:
    return create_schema_from_function(name, TOOLS[name], filter_args=["env"],
                                       parse_docstring=False)


def _guarded(name: str, env: ToolEnv, **kwargs: Any) -> str:
    try:
        return TOOLS[name](env, **kwargs)
    except (WorkspaceError, OSError, UnicodeError) as exc:
        message = str(exc) if isinstance(exc, WorkspaceError) else f"{type(exc).__name__}: {exc}"
        env.recorder.add("tool_errors", f"{name}: {message}")
        raise ToolException(message) from None


def build_tools(names: list[str], ws: Workspace, allowed_commands: list[str],
                recorder: ToolRecorder, command_timeout: float = commands.DEFAULT_TIMEOUT_S,
                *, allow_network: bool = False, command_policy: str = "sandbox") -> list[BaseTool]:
    """LangChain tools for ``names`` bound to this workspace; an unknown name is a ``KeyError``
    (rows are validated on write, so that only happens if registry and schema disagree)."""
    env = ToolEnv(ws, recorder, list(allowed_commands), command_timeout, allow_network,
                  command_policy)
    return [
        StructuredTool(
            name=name, description=(TOOLS[name].__doc__ or name).strip(), args_schema=_schema(name),
            func=partial(_guarded, name, env),
            handle_tool_error=lambda error: f"ERROR: {error}",
            handle_validation_error=lambda error: f"ERROR: bad arguments: {error}",
        )
        for name in names
    ]
