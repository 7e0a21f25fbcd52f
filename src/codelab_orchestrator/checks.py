"""A task's definition of done: the checks the orchestrator runs after the agent returns.

A specialist saying "done" is not evidence (a small model answers "I fixed
it" without calling a tool). So after every attempt the orchestrator checks
the work itself, in the attempt's own worktree, before anything is merged:

- a writing task must have changed the files its plan ``expected``; an
  atomic coder/debug request, with no plan to say which, must have changed
  something;
- its ``check`` command (from the plan) must pass, run like the agents'
  commands: in the sandbox, its program on the agent's allow-list;
- an atomic coder/debug request must not make the project's tests worse,
  when a test command is configured (orchestrator row or ``.codelab.toml``):
  they are run on the attempt's start before the agent works (the baseline)
  and on its result after;
- a read-only task (``ask``, ``architect``) must give an answer that is not
  empty and not an unexecuted tool call.

A failing check raises :class:`CheckFailedError` whose message is the check's
output: the task fails and the usual policy applies (retry with the failure
in the prompt, then Debug, then re-plan). What passed, and what could not be
run and why, is kept on the task and listed in the final answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .jsontext import text_calls
from .persistence import AgentRecord
from .state import Task
from .tools.commands import (
    CommandNeedsApproval,
    gate_command,
    prepare_command,
    run_prepared_async,
)
from .tools.workspace import Workspace, WorkspaceError

CHECK_TIMEOUT_S = 300
OUTPUT_CHARS = 1500  # of a failing check's output, fed back to the agent
DEFAULT_CHECK_ROLES = frozenset({"coder", "debug"})


class CheckFailedError(RuntimeError):
    """The agent returned, but its work does not pass a check; the message says which and why."""


@dataclass
class CheckReport:
    passed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # could not run, and why


@dataclass(frozen=True)
class TaskChecks:
    """The checks that decide whether one task attempt is done."""

    writing: bool
    expected: tuple[str, ...] = ()
    must_change: bool = False
    command: str | None = None
    test_command: str | None = None  # "the tests do not get worse"
    allowed: tuple[str, ...] = ()  # programs a plan's ``check`` may run (the agent's)
    request: str = ""  # what a read-only task was asked: its answer must address it

    @property
    def needs_baseline(self) -> bool:
        return self.writing and self.test_command is not None


def checks_for(task: Task, agent: AgentRecord, writing: bool, test_command: str | None) -> TaskChecks:
    """Checks from the plan (``expected``, ``check``) and the defaults of an atomic request."""
    if not writing or task.must_answer:  # a question, even when an agent that writes has it
        return TaskChecks(writing=False, request=task.description)
    default = task.atomic and agent.role.value in DEFAULT_CHECK_ROLES
    return TaskChecks(writing=True, expected=tuple(task.expected),
                      must_change=default and not task.expected,
                      command=task.check, test_command=test_command if default else None,
                      allowed=tuple(agent.config.allowed_commands))


@dataclass(frozen=True)
class TestRun:
    """One run of a test command: its exit code and the failures it counted."""

    exit_code: int
    failures: int | None  # None: the output names no count
    output: str

    def as_dict(self) -> dict:
        return {"exit_code": self.exit_code, "failures": self.failures}

    def describe(self) -> str:
        count = f", {self.failures} failing" if self.failures is not None else ""
        return f"exit code {self.exit_code}{count}"


async def run_check_command(directory: str, command: str, allowed: tuple[str, ...], *,
                            trusted: bool, policy: str) -> TestRun:
    """Run ``command`` in ``directory`` as the agents' commands run (sandboxed, scrubbed
    environment). ``trusted``: the user's own test command -- its program needs no allow-list
    and, with no sandbox on this machine, it runs unconfined (as the user would run it). A
    plan's ``check`` is the model's: it must be allowed and sandboxed, else :class:`Skipped`."""
    ws = Workspace(directory)
    try:
        if trusted:
            prepared = prepare_command(ws, command, [command.split()[0]] if command.split() else [])
            try:
                _, decision = gate_command(ws, command, [prepared.program], policy)
                sandboxed = decision.sandboxed
            except (CommandNeedsApproval, WorkspaceError):
                sandboxed = False
        else:
            prepared, decision = gate_command(ws, command, list(allowed), policy)
            sandboxed = decision.sandboxed
    except CommandNeedsApproval as exc:
        raise Skipped(f"`{command}` not run: {exc}") from None
    except WorkspaceError as exc:
        raise Skipped(f"`{command}` not run: {exc}") from None
    try:
        report = await run_prepared_async(ws, prepared, sandboxed=sandboxed,
                                          timeout=CHECK_TIMEOUT_S)
    except WorkspaceError as exc:  # timed out, could not start
        return TestRun(exit_code=-1, failures=None, output=str(exc))
    first, _, rest = report.partition("\n")
    code = int(first.removeprefix("exit code ").strip() or -1) if first.startswith("exit code") else -1
    return TestRun(exit_code=code, failures=count_failures(rest), output=rest)


class Skipped(Exception):  # noqa: N818 - a check that could not run is not an error
    """A check that could not run here; the message says why."""


_COUNT = re.compile(r"(\d+) (failed|failures?|errors?)\b", re.IGNORECASE)


def count_failures(output: str) -> int | None:
    """Failing tests named by a test runner's summary (pytest, unittest's ``failures=N``)."""
    found = [int(n) for n, _ in _COUNT.findall(output)]
    found += [int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", output)]
    return sum(found) if found else None


def worse(before: dict, after: TestRun) -> str | None:
    """Why ``after`` is worse than the baseline ``before``; None when it is not."""
    if before.get("exit_code") == 0 and after.exit_code != 0:
        return f"the tests passed before and fail now ({after.describe()})"
    was, now = before.get("failures"), after.failures
    if was is not None and now is not None and now > was:
        return f"more failing tests than before ({was} -> {now})"
    return None


async def verify(checks: TaskChecks, *, result: str, directory: str, changed: list[str],
                 baseline: dict | None, policy: str, given: str = "") -> CheckReport:
    """Run ``checks`` on a finished attempt; :class:`CheckFailedError` on the first that fails.
    ``given``: other text the attempt was handed (its previous attempt's error), which an
    answer may not pass off as its own."""
    report = CheckReport()
    if not checks.writing:
        _check_answer(result)
        named = addressed(checks.request, result, directory, given)
        report.passed.append(f"an answer was given ({len(result)} characters)"
                             + (f", about {named}" if named else ""))
        return report
    if checks.expected:
        missing = [path for path in checks.expected if _norm(path) not in {_norm(c) for c in changed}]
        if missing:
            raise CheckFailedError(
                f"check failed: the task should have created or changed {', '.join(missing)}, "
                f"but {'changed only ' + ', '.join(changed[:10]) if changed else 'changed no file'}"
                ". Use the write tools to make the change.")
        report.passed.append(f"changed {', '.join(checks.expected)}")
    elif checks.must_change:
        if not changed:
            raise CheckFailedError(
                "check failed: no file was changed. Describing a fix is not making it: use the "
                "write tools (write_file / edit_file) to change the files.")
        report.passed.append(f"files changed: {', '.join(changed[:10])}")
    if checks.command:
        try:
            run = await run_check_command(directory, checks.command, checks.allowed,
                                          trusted=False, policy=policy)
        except Skipped as exc:
            report.skipped.append(str(exc))
        else:
            if run.exit_code != 0:
                raise CheckFailedError(f"check failed: `{checks.command}` exited with "
                                       f"{run.exit_code}:\n{_tail(run.output)}")
            report.passed.append(f"`{checks.command}` passed")
    if checks.test_command:
        if baseline is None or "skipped" in baseline:
            why = baseline.get("skipped") if baseline else "no baseline was measured"
            report.skipped.append(f"tests not compared: {why}")
            return report
        try:
            run = await run_check_command(directory, checks.test_command, (), trusted=True,
                                          policy=policy)
        except Skipped as exc:
            report.skipped.append(str(exc))
            return report
        reason = worse(baseline, run)
        if reason:
            raise CheckFailedError(f"check failed: `{checks.test_command}`: {reason}:\n"
                                   f"{_tail(run.output)}")
        report.passed.append(f"`{checks.test_command}` not worse than before "
                             f"({_describe(baseline)} -> {run.describe()})")
    return report


async def measure_baseline(checks: TaskChecks, directory: str, policy: str) -> dict:
    """The project's tests on the attempt's start, before the agent works."""
    assert checks.test_command is not None
    try:
        run = await run_check_command(directory, checks.test_command, (), trusted=True,
                                      policy=policy)
    except Skipped as exc:
        return {"skipped": str(exc)}
    return run.as_dict()


def _check_answer(result: str) -> None:
    text = result.strip()
    if not text:
        raise CheckFailedError("check failed: the answer is empty")
    calls = text_calls(text) if len(text) < 200_000 else []
    rest = text
    for found in reversed(calls):
        rest = rest[:found.start] + rest[found.end:]
    if calls and len(re.sub(r"```\w*|<[^>]+>|\s", "", rest)) < 20:
        raise CheckFailedError("check failed: the answer is a tool call written as text, not an "
                               "answer; call the tool, or answer in words")


_FILE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.(?:py|pyi|js|jsx|ts|tsx|md|rst|txt|json|"
                   r"toml|ya?ml|ini|cfg|go|rs|java|kt|c|h|cc|cpp|hpp|rb|php|sh|sql|html|css))\b")
_QUOTED = re.compile(r"`([^`\n]{2,80})`")
_DEFINED = re.compile(r"^\s*(?:async\s+)?(?:def|class|function|func|fn)\s+([A-Za-z_]\w*)", re.MULTILINE)


def addressed(request: str, answer: str, directory: str, given: str = "") -> str | None:
    """What of the request the answer names; :class:`CheckFailedError` if the request names
    files or code and the answer mentions none of them, nor anything the named files define
    (a small model's answer about something else). None when the request names nothing."""
    own = _own_words(answer, f"{request}\n{given}")
    if not own.strip():
        raise CheckFailedError("check failed: the answer only repeats the task (or the error it "
                               "was given); answer the question itself")
    answer = own
    files = _FILE.findall(request)
    names = {*files, *_QUOTED.findall(request)}
    if not names:
        return None
    accepted = set(names) | {Path(f).stem for f in files if len(Path(f).stem) > 2}
    for name in files:
        accepted.update(_defined_in(Path(directory), name))
    lowered = answer.lower()
    found = sorted(n for n in accepted if n.lower() in lowered)
    if not found:
        raise CheckFailedError(
            "check failed: the answer does not address the request: it mentions none of "
            f"{', '.join(sorted(names))} nor what they define. Read the files and answer "
            "about them.")
    return ", ".join(found[:5])


def _own_words(answer: str, request: str) -> str:
    """The answer without the lines it copied from the request (a small model handed a failed
    task echoes the error it was given, file names and all)."""
    flat = " ".join(request.split())
    kept = [line for line in answer.splitlines()
            if len(" ".join(line.split())) < 12 or " ".join(line.split()) not in flat]
    return "\n".join(kept)


def _defined_in(root: Path, name: str) -> set[str]:
    path = (root / name).resolve()
    try:
        if not path.is_relative_to(root.resolve()) or not path.is_file() \
                or path.stat().st_size > 500_000:
            return set()
        return set(_DEFINED.findall(path.read_text(errors="replace")))
    except OSError:
        return set()


def _describe(baseline: dict) -> str:
    count = baseline.get("failures")
    return f"exit code {baseline.get('exit_code')}" + (f", {count} failing" if count is not None else "")


def _norm(path: str) -> str:
    return path.strip().removeprefix("./").rstrip("/")


def _tail(output: str) -> str:
    output = output.strip()
    return output if len(output) <= OUTPUT_CHARS else "[...]\n" + output[-OUTPUT_CHARS:]
