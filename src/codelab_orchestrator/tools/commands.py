"""``run_command``: programs from the agent row's allow-list, without a shell."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import PurePosixPath

from .workspace import Workspace, WorkspaceError

DEFAULT_TIMEOUT_S = 60
MAX_OUTPUT_CHARS = 20_000


def run_command(ws: Workspace, command: str, allowed: list[str],
                timeout: float = DEFAULT_TIMEOUT_S) -> str:
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise WorkspaceError(f"cannot parse the command: {exc}") from None
    if not argv:
        raise WorkspaceError("empty command")
    program = argv[0]
    if "/" in program or program not in allowed:
        raise WorkspaceError(f"{program!r} is not allowed; allowed programs: {sorted(allowed) or 'none'}")
    for arg in argv[1:]:
        if arg.startswith(("/", "~")) or ".." in PurePosixPath(arg).parts:
            raise WorkspaceError(f"argument {arg!r} points outside the workspace")
    try:
        done = subprocess.run(argv, cwd=ws.root, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, shell=False)
    except subprocess.TimeoutExpired:
        raise WorkspaceError(f"{program} timed out after {timeout:g}s and was stopped") from None
    except FileNotFoundError:
        raise WorkspaceError(f"{program!r} is not installed on this machine") from None
    output = (done.stdout or "") + (("\n[stderr]\n" + done.stderr) if done.stderr else "")
    if len(output) > MAX_OUTPUT_CHARS:
        output = output[:MAX_OUTPUT_CHARS] + f"\n... output cut at {MAX_OUTPUT_CHARS} characters"
    return f"exit code {done.returncode}\n{output}".rstrip()
