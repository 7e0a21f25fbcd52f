"""Running the real ``git`` binary with settings that never reach into the user's state.

Every call goes through :func:`run`, which

* drops inherited ``GIT_*`` variables (a caller inside a hook or another tool
  must not redirect us to some other repository or index),
* disables the user's hooks, automatic gc/maintenance, commit signing,
  fsmonitor, split index, sparse checkout and submodule recursion for this
  call only (``-c`` overrides, the user's config files are never written), and
* gives commits an identity, so a machine without ``user.name`` still works.

The user's own ``core.autocrlf``, ``.gitattributes``, ``core.excludesFile`` and
``info/exclude`` stay in force on purpose: the snapshot of the workspace, the
task worktrees and the final apply then convert line endings and ignore files
exactly as the user's own git does, so a round trip is byte-identical.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MIN_VERSION = (2, 38)  # `git merge-tree --write-tree` (a merge without a worktree or index)

COMMITTER = ("codelab", "codelab@localhost")

_OVERRIDES = (
    "core.hooksPath=/dev/null",
    "gc.auto=0",
    "maintenance.auto=false",
    "commit.gpgSign=false",
    "core.fsmonitor=false",
    "core.splitIndex=false",
    "core.sparseCheckout=false",
    "submodule.recurse=false",
    "advice.addEmbeddedRepo=false",
    "advice.detachedHead=false",
    "core.filesRefLockTimeout=2000",
    "core.packedRefsTimeout=2000",
    "core.quotePath=false",
    f"user.name={COMMITTER[0]}",
    f"user.email={COMMITTER[1]}",
)


class GitError(RuntimeError):
    """A git command failed; ``str()`` is git's own message, one line when possible."""

    def __init__(self, args: Sequence[str], returncode: int, stderr: str):
        self.args_ = list(args)
        self.returncode = returncode
        self.stderr = stderr
        message = _first_error_line(stderr) or f"exit status {returncode}"
        super().__init__(f"git {args[0] if args else ''}: {message}")


def _first_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("fatal:", "error:")):
            return line.split(":", 1)[1].strip()
    return lines[0] if lines else ""


_env_cache: tuple[object, dict[str, str]] | None = None


def base_env() -> dict[str, str]:
    """The process environment without any ``GIT_*`` variable, in the C locale.

    Rebuilt only when the environment changed: copying it for every git call
    (ten per task) was a measurable share of a task's cost.
    """
    global _env_cache
    data = getattr(os.environ, "_data", None)
    fingerprint = hash(frozenset(data.items())) if isinstance(data, dict) else None
    if fingerprint is None or _env_cache is None or _env_cache[0] != fingerprint:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0",
                   GIT_COMMITTER_NAME=COMMITTER[0], GIT_COMMITTER_EMAIL=COMMITTER[1])
        _env_cache = (fingerprint, env)
    return dict(_env_cache[1])


def run(args: Sequence[str], *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None,
        input: str | bytes | None = None, ok: Sequence[int] = (0,), text: bool = True,
        ) -> subprocess.CompletedProcess:
    """Run ``git args``; raise :class:`GitError` unless the exit status is in ``ok``."""
    command = ["git"]
    for override in _OVERRIDES:
        command += ["-c", override]
    command += list(args)
    full_env = base_env()
    if env:
        full_env.update(env)
    if isinstance(input, str) and not text:
        input = input.encode()
    try:
        # surrogateescape: a file name that is not UTF-8 survives the round trip to the disk
        encoding: dict[str, Any] = {"encoding": "utf-8", "errors": "surrogateescape"} if text else {}
        proc = subprocess.run(command, cwd=cwd, env=full_env, input=input, capture_output=True,
                              check=False, **encoding)
    except FileNotFoundError as exc:
        raise GitError(args, 127, "fatal: git is not installed (no `git` on PATH)") from exc
    if proc.returncode not in ok:
        stderr = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise GitError(args, proc.returncode, stderr)
    return proc


def out(args: Sequence[str], **kwargs) -> str:
    """Standard output of ``git args``, stripped."""
    return run(args, **kwargs).stdout.strip()


@functools.cache
def version() -> tuple[int, int]:
    text = out(["--version"])
    match = re.search(r"(\d+)\.(\d+)", text)
    if not match:
        raise GitError(["--version"], 0, f"fatal: cannot read the git version from {text!r}")
    return int(match.group(1)), int(match.group(2))


def require_version() -> None:
    found = version()
    if found < MIN_VERSION:
        need = ".".join(map(str, MIN_VERSION))
        raise GitError(["--version"], 0, f"fatal: git {need} or newer is needed for isolated "
                       f"task worktrees (found {found[0]}.{found[1]})")


def identity_env(name: str, email: str) -> dict[str, str]:
    """Author variables for a commit made on behalf of ``name``."""
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}


def split_z(text: str) -> list[str]:
    """Fields of NUL-separated output (``-z``), without the empty trailing one."""
    parts = text.split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts
