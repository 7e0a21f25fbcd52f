"""One registry from tool names (as agent rows list them) to LangChain tools.

The tools are module-level ``@tool`` coroutines, built once per process
(building argument schemas costs milliseconds, far too much per task). Each
reads where it may work from the run's context (``ToolRuntime.context``: the
task's workspace, allowed commands, time limit, network, command policy,
extra protected files), so one compiled agent serves every task.

The file work itself is synchronous and quick; it runs in a worker thread
and is *shielded*: if the task is cancelled meanwhile, cancellation waits for
the operation to finish, so nothing is written after a stop is reported.
Commands are the exception: cancelling kills them (their whole process tree).
Errors (sandbox refusals, missing files, bad arguments) come back to the
model as a tool message starting with ``ERROR:``; they never raise into the
run.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from langchain.tools import ToolRuntime
from langchain_core.tools import BaseTool, ToolException, tool
from langgraph.types import interrupt

from ..context import TaskContext
from . import commands, files
from .workspace import Workspace, WorkspaceError


def _workspace(runtime: ToolRuntime) -> Workspace:
    context = runtime.context
    return Workspace(getattr(context, "workspace", None) or ".",
                     deny=tuple(getattr(context, "deny_files", ()) or ()),
                     origin=getattr(context, "project_root", None) or None)


async def _call(runtime: ToolRuntime, work: Callable[..., str], *args: Any) -> str:
    """``work(workspace, *args)`` off the event loop, to completion even when cancelled."""

    def job() -> str:
        return work(_workspace(runtime), *args)

    future = asyncio.get_running_loop().run_in_executor(None, job)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])  # let a write in progress finish before the stop completes
        raise
    except (WorkspaceError, OSError, UnicodeError) as exc:
        message = str(exc) if isinstance(exc, WorkspaceError) else f"{type(exc).__name__}: {exc}"
        raise ToolException(message) from None


def _errors(error: Exception) -> str:
    return f"ERROR: {error}"


def _bad_arguments(error: Exception) -> str:
    return f"ERROR: bad arguments: {error}"


def _tool(func: Callable[..., Any]) -> BaseTool:
    made = tool(func, parse_docstring=False)
    made.description = inspect.cleandoc(func.__doc__ or func.__name__)
    made.handle_tool_error = _errors
    made.handle_validation_error = _bad_arguments
    return made


@_tool
async def list_files(path: str = ".", recursive: bool = False, *, runtime: ToolRuntime[TaskContext]) -> str:
    """List files and directories under path (relative to the workspace). recursive=true
    lists the whole tree; .git, node_modules, virtualenvs and build folders are skipped."""
    return await _call(runtime, files.list_files, path, recursive)


@_tool
async def read_file(path: str, start_line: int = 1, end_line: int | None = None, *,
                    runtime: ToolRuntime[TaskContext]) -> str:
    """Read a text file with line numbers. start_line/end_line (1-based, inclusive) pick a
    range; a range past the end of the file is clamped, never an error."""
    return await _call(runtime, files.read_file, path, start_line, end_line)


@_tool
async def search_in_code(pattern: str, path: str = ".", regex: bool = False, *,
                         runtime: ToolRuntime[TaskContext]) -> str:
    """Search files under path for pattern (literal text, or a regular expression when
    regex=true). Returns file:line: text for each match."""
    return await _call(runtime, files.search_in_code, pattern, path, regex)


@_tool
async def write_file(path: str, content: str, *, runtime: ToolRuntime[TaskContext]) -> str:
    """Create or overwrite a file with content; parent directories are created."""
    return await _call(runtime, files.write_file, path, content)


@_tool
async def edit_file(path: str, old: str, new: str, *, runtime: ToolRuntime[TaskContext]) -> str:
    """Replace the exact text old (it must occur exactly once) with new in a file."""
    return await _call(runtime, files.edit_file, path, old, new)


@_tool
async def create_directory(path: str, *, runtime: ToolRuntime[TaskContext]) -> str:
    """Create a directory (and its parents). An existing directory is fine."""
    return await _call(runtime, files.create_directory, path)


@_tool
async def run_command(command: str, *, runtime: ToolRuntime[TaskContext]) -> str:
    """Run a program in the workspace root, without a shell (no pipes, no redirection), in a
    sandbox where only the workspace is writable. Only the programs allowed for this agent
    may run. Returns the exit code and output."""
    context = runtime.context
    allowed = list(getattr(context, "allowed_commands", ()) or ())
    timeout = float(getattr(context, "command_timeout_s", commands.DEFAULT_TIMEOUT_S))
    network = bool(getattr(context, "allow_network", False))
    policy = getattr(context, "command_policy", "sandbox")
    try:
        ws = await asyncio.to_thread(_workspace, runtime)
        try:
            # Not shielded like the file tools: cancelling the task kills the command's processes.
            return await commands.run_command_async(ws, command, allowed, timeout,
                                                    allow_network=network, policy=policy)
        except commands.CommandNeedsApproval as need:
            # A person decides: the task's run pauses here (checkpointed) until it is answered.
            answer = _ask({"type": "command_approval", "command": command,
                           "reason": need.decision.reason, "sandboxed": need.decision.sandboxed},
                          need)
            if not approves(answer):
                raise ToolException(f"a person did not approve running {command!r}") from None
            return await commands.run_command_async(ws, command, allowed, timeout,
                                                    allow_network=network, policy=policy,
                                                    approved=True)
    except (WorkspaceError, OSError) as exc:
        message = str(exc) if isinstance(exc, WorkspaceError) else f"{type(exc).__name__}: {exc}"
        raise ToolException(message) from None


def _ask(request: dict[str, Any], need: Exception) -> Any:
    """``interrupt(request)`` in a graph run; outside one (a tool called directly) nobody can
    answer, so the need for approval is the tool's error."""
    try:
        return interrupt(request)
    except (RuntimeError, KeyError):
        raise need from None


APPROVE_WORDS = frozenset({"approve", "approved", "yes", "y", "ok", "run", "да"})


def approves(answer: Any) -> bool:
    """Whether a person's answer to an approval request says yes."""
    if isinstance(answer, dict):
        answer = answer.get("action", answer.get("answer", ""))
    return answer is True or str(answer).strip().lower() in APPROVE_WORDS


TOOLS: dict[str, BaseTool] = {
    t.name: t for t in (list_files, read_file, search_in_code, write_file, edit_file,
                        create_directory, run_command)
}
TOOL_FUNCTIONS: tuple[str, ...] = tuple(TOOLS)
WRITING_TOOLS: frozenset[str] = frozenset({"write_file", "edit_file", "create_directory",
                                           "run_command"})


def tools_for(names: list[str]) -> list[BaseTool]:
    """The tools an agent row lists, in its order; an unknown name is a ``KeyError`` (rows are
    validated on write, so that only happens if registry and schema disagree)."""
    return [TOOLS[name] for name in names]


def openai_schema(name: str) -> dict[str, Any]:
    """The tool's OpenAI function schema (what a model is shown)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool  # noqa: PLC0415

    return convert_to_openai_tool(TOOLS[name])
