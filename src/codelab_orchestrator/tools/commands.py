"""``run_command``: programs from the agent row's allow-list, without a shell, in the sandbox.

Three steps, each usable on its own by the task runtime:

1. :func:`prepare_command` parses the command line and checks it against the
   allow-list (and, as an early clear message, refuses arguments that name
   paths outside the workspace; the sandbox is what actually holds).
2. :func:`decide_command` applies the orchestrator's ``command_policy`` to
   whether a sandbox is available: run, needs approval, or refuse. Nothing
   runs unsandboxed without an approval.
3. :func:`run_prepared` / :func:`run_prepared_async` run it (sandboxed when
   a sandbox exists), with a time limit that kills the whole process tree and
   capped output, and return text for the model with secrets redacted.

:func:`run_command` / :func:`run_command_async` do all three; a command that
needs approval raises :class:`CommandNeedsApproval` there, so a runtime that
can ask a person calls the steps itself (see the README's sandbox section).
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Literal

from . import sandbox
from .process import Finished, run_capped, run_capped_async
from .redaction import redact
from .workspace import Workspace, WorkspaceError

DEFAULT_TIMEOUT_S = 60
MAX_OUTPUT_CHARS = 20_000
CommandPolicy = Literal["sandbox", "approve", "refuse"]
COMMAND_POLICIES: tuple[str, ...] = ("sandbox", "approve", "refuse")


class Decision(StrEnum):
    RUN = "run"
    NEEDS_APPROVAL = "needs_approval"
    REFUSE = "refuse"


@dataclass(frozen=True)
class CommandDecision:
    action: Decision
    sandboxed: bool  # whether the command will run inside the sandbox once allowed
    reason: str


class CommandNeedsApproval(WorkspaceError):
    """Raised by :func:`run_command` when the decision is NEEDS_APPROVAL and no approval was
    given; carries what an approval prompt should show."""

    def __init__(self, command: str, decision: CommandDecision):
        self.command = command
        self.decision = decision
        super().__init__(f"{command!r} needs a person's approval before it runs: {decision.reason}")


@dataclass(frozen=True)
class PreparedCommand:
    command: str
    argv: list[str]
    program: str


def decide_command(policy: str = "sandbox",
                   status: sandbox.SandboxStatus | None = None) -> CommandDecision:
    """What happens to a command under ``policy``, given the sandbox (probed when not given).

    - ``sandbox`` (default): run in the sandbox; without one, a person must approve.
    - ``approve``: a person approves every command; it runs sandboxed when possible.
    - ``refuse``: run in the sandbox; without one, commands are refused.
    """
    if policy not in COMMAND_POLICIES:
        raise ValueError(f"unknown command_policy {policy!r}; expected one of {COMMAND_POLICIES}")
    status = status or sandbox.sandbox_status()
    if status.available:
        if policy == "approve":
            return CommandDecision(Decision.NEEDS_APPROVAL, True,
                                   "command_policy 'approve' asks for every command")
        return CommandDecision(Decision.RUN, True, f"sandboxed ({status.detail})")
    if policy == "refuse":
        return CommandDecision(Decision.REFUSE, False,
                               f"no sandbox ({status.detail}) and command_policy is 'refuse'")
    return CommandDecision(Decision.NEEDS_APPROVAL, False,
                           f"no sandbox ({status.detail}): it would run unconfined")


def _outside(value: str) -> bool:
    return value.startswith(("/", "~")) or ".." in PurePosixPath(value).parts


def prepare_command(ws: Workspace, command: str, allowed: list[str]) -> PreparedCommand:
    """Parse and check ``command``; :class:`WorkspaceError` says what is wrong."""
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
        value = arg.split("=", 1)[1] if arg.startswith("-") and "=" in arg else arg
        if _outside(arg) or _outside(value):
            raise WorkspaceError(f"argument {arg!r} points outside the workspace")
    return PreparedCommand(command, argv, program)


def _launch(ws: Workspace, prepared: PreparedCommand, sandboxed: bool,
            allow_network: bool) -> tuple[list[str], dict[str, str]]:
    executable = sandbox.resolve_program(ws.root, prepared.program, ws.origin)
    if executable is None:
        raise WorkspaceError(f"{prepared.program!r} is not installed on this machine")
    argv = [executable, *prepared.argv[1:]]
    if sandboxed:
        return sandbox.bwrap_argv(ws, argv, allow_network=allow_network), {"PATH": "/usr/bin:/bin"}
    return argv, sandbox.sandbox_env(ws.root, ws.origin)


def gate_command(ws: Workspace, command: str, allowed: list[str], policy: str = "sandbox",
                 approved: bool = False) -> tuple[PreparedCommand, CommandDecision]:
    """:func:`prepare_command` + :func:`decide_command`: raises for a refused command, and
    :class:`CommandNeedsApproval` when one is needed and ``approved`` is false."""
    prepared = prepare_command(ws, command, allowed)
    decision = decide_command(policy)
    if decision.action is Decision.REFUSE:
        raise WorkspaceError(f"commands cannot run here: {decision.reason}")
    if decision.action is Decision.NEEDS_APPROVAL and not approved:
        raise CommandNeedsApproval(command, decision)
    return prepared, decision


def _report(prepared: PreparedCommand, done: Finished, timeout: float, sandboxed: bool) -> str:
    output = done.stdout + (("\n[stderr]\n" + done.stderr) if done.stderr else "")
    if sandboxed and done.returncode == 1 and not done.stdout and done.stderr.startswith("bwrap: "):
        raise WorkspaceError(f"the sandbox failed to start, so {prepared.program} did not run: "
                             f"{done.stderr.strip()}")
    cut = len(output) > MAX_OUTPUT_CHARS or done.truncated
    if len(output) > MAX_OUTPUT_CHARS:
        output = output[:MAX_OUTPUT_CHARS]
    if cut:
        output += f"\n... output cut at {MAX_OUTPUT_CHARS} characters"
    if done.timed_out:
        raise WorkspaceError(redact(f"{prepared.program} timed out after {timeout:g}s and was "
                                    f"stopped (with every process it started)"
                                    + (f"; output so far:\n{output}" if output.strip() else "")))
    return redact(f"exit code {done.returncode}\n{output}".rstrip())


def run_prepared(ws: Workspace, prepared: PreparedCommand, *, sandboxed: bool,
                 timeout: float = DEFAULT_TIMEOUT_S, allow_network: bool = False) -> str:
    """Run an already checked (and, if needed, approved) command. ``sandboxed=False`` runs it
    unconfined (scrubbed environment, process group killed at the limit): only after approval."""
    argv, env = _launch(ws, prepared, sandboxed, allow_network)
    try:
        done = run_capped(argv, cwd=str(ws.root), env=env, timeout=timeout,
                          max_bytes=MAX_OUTPUT_CHARS + 1)
    except OSError as exc:
        raise WorkspaceError(f"{prepared.program} could not start: {exc.strerror or exc}") from None
    return _report(prepared, done, timeout, sandboxed)


async def run_prepared_async(ws: Workspace, prepared: PreparedCommand, *, sandboxed: bool,
                             timeout: float = DEFAULT_TIMEOUT_S,
                             allow_network: bool = False) -> str:
    """:func:`run_prepared` for asyncio; cancelling the caller kills the command's processes.
    The sandbox set-up (a walk of the workspace) runs in a worker thread."""
    argv, env = await asyncio.to_thread(_launch, ws, prepared, sandboxed, allow_network)
    try:
        done = await run_capped_async(argv, cwd=str(ws.root), env=env, timeout=timeout,
                                      max_bytes=MAX_OUTPUT_CHARS + 1)
    except OSError as exc:
        raise WorkspaceError(f"{prepared.program} could not start: {exc.strerror or exc}") from None
    return _report(prepared, done, timeout, sandboxed)


def run_command(ws: Workspace, command: str, allowed: list[str],
                timeout: float = DEFAULT_TIMEOUT_S, *, allow_network: bool = False,
                policy: str = "sandbox", approved: bool = False) -> str:
    """Check, decide and run ``command``; ``approved`` is a person's yes for a command that
    needed one (without it, :class:`CommandNeedsApproval` is raised)."""
    prepared, decision = gate_command(ws, command, allowed, policy, approved)
    return run_prepared(ws, prepared, sandboxed=decision.sandboxed, timeout=timeout,
                        allow_network=allow_network)


async def run_command_async(ws: Workspace, command: str, allowed: list[str],
                            timeout: float = DEFAULT_TIMEOUT_S, *, allow_network: bool = False,
                            policy: str = "sandbox", approved: bool = False) -> str:
    """:func:`run_command` for asyncio: cancelling the caller kills the command's processes."""
    prepared, decision = await asyncio.to_thread(gate_command, ws, command, allowed, policy,
                                                 approved)
    return await run_prepared_async(ws, prepared, sandboxed=decision.sandboxed,
                                    timeout=timeout, allow_network=allow_network)
