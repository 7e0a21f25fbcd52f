"""The sandbox: every path a tool receives is resolved here and must stay inside.

Rejected: absolute paths, ``~``, ``..`` segments, drive letters and
backslashes (Windows-style), percent-encoded traversal, NUL bytes, and
anything whose resolved location (after following symlinks) is outside the
workspace root. :meth:`Workspace.locate` adds the file policy (secret files,
ignored files); opening then goes through :mod:`.safeio`, which cannot be
redirected by a symlink swapped in after these checks.
"""

from __future__ import annotations

import os
import re
import sys
import urllib.parse
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .filepolicy import FilePolicy

_DRIVE = re.compile(r"^[A-Za-z]:")


def orchestrator_data_paths() -> list[Path]:
    """Where this process keeps its data: ``CODELAB_HOME`` (else ``~/.codelab``) and SQLite
    files named by ``DATABASE_URL`` / ``CODELAB_CHECKPOINT_URL`` (read from the environment
    here, as persistence does, so tools need not import it)."""
    found = [Path(os.environ.get("CODELAB_HOME") or Path.home() / ".codelab").expanduser()]
    for var in ("DATABASE_URL", "CODELAB_CHECKPOINT_URL"):
        url = os.environ.get(var, "")
        if url.startswith("sqlite") and ":///" in url:
            found.append(Path(url.split(":///", 1)[1].split("?", 1)[0]).expanduser())
    out = []
    for path in found:
        try:
            out.append(path.resolve())
        except (OSError, RuntimeError):
            continue
    return out


class WorkspaceError(ValueError):
    """A path or request the sandbox refuses; the message says why, for the model."""


class Workspace:
    """One directory the tools may touch; ``deny`` extends the built-in secret patterns.

    ``origin``: the user's project directory when ``root`` is a task's worktree of it (or a
    read-only view). Tools never read or write it; commands use its virtualenv (read-only),
    which the worktree lacks (``.venv`` is ignored by git)."""

    def __init__(self, root: str | Path, deny: Iterable[str] = (),
                 origin: str | Path | None = None):
        path = Path(root).expanduser()
        if not path.is_dir():
            raise WorkspaceError(f"workspace {str(root)!r} is not an existing directory")
        self.root = path.resolve()
        self.origin: Path | None = None
        if origin:
            try:
                resolved = Path(origin).expanduser().resolve()
            except (OSError, RuntimeError):
                resolved = None
            if resolved is not None and resolved.is_dir() and resolved != self.root:
                self.origin = resolved
        self.policy = FilePolicy(self.root, deny)
        # The Python running this process, when it lives in the workspace: code written there
        # would run outside any sandbox, so the write tools leave it alone.
        self.protected = [p for p in dict.fromkeys(Path(x).resolve() for x in (sys.prefix, sys.base_prefix))
                          if p.is_relative_to(self.root) and p != self.root]
        # The orchestrator's own data (agents of every user, checkpoints), when it lives in
        # the workspace: neither read nor written by tools, masked for commands.
        self.private = [p for p in orchestrator_data_paths()
                        if p.is_relative_to(self.root) and p != self.root]

    def resolve(self, path: str | None) -> Path:
        """The absolute location of ``path`` (relative to the root), or :class:`WorkspaceError`."""
        raw = "" if path is None else str(path).strip()
        if raw in ("", ".", "./"):
            return self.root
        if "\x00" in raw:
            raise WorkspaceError("path contains a NUL byte")
        decoded = urllib.parse.unquote(raw)
        if decoded != raw and (".." in decoded or decoded.startswith(("/", "~", "\\"))):
            raise WorkspaceError(f"{raw!r}: encoded path traversal is not allowed")
        if raw.startswith("~"):
            raise WorkspaceError(f"{raw!r}: home-directory paths are outside the workspace")
        if "\\" in raw or _DRIVE.match(raw):
            raise WorkspaceError(f"{raw!r}: use workspace-relative paths with '/' separators")
        pure = PurePosixPath(raw)
        if pure.is_absolute():
            raise WorkspaceError(f"{raw!r}: absolute paths are not allowed; use a path relative "
                                 "to the workspace root")
        if ".." in pure.parts:
            raise WorkspaceError(f"{raw!r}: '..' is not allowed; paths must stay in the workspace")
        try:
            resolved = (self.root / pure).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise WorkspaceError(f"{raw!r} cannot be resolved: {exc}") from None
        if not resolved.is_relative_to(self.root):
            raise WorkspaceError(f"{raw!r}: resolves outside the workspace (symlink)")
        return resolved

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() or "."

    def locate(self, path: str | None, write: bool = False) -> PurePosixPath:
        """The resolved workspace-relative path of ``path``, refused when the name asked for or
        the file it leads to is protected (secret, key, credential, git metadata) or ignored."""
        resolved = self.resolve(path)
        if any(resolved.is_relative_to(p) for p in self.private):
            raise WorkspaceError(f"{path!r} holds the orchestrator's own data; tools do not "
                                 "read or write it")
        if write and any(resolved.is_relative_to(p) for p in self.protected):
            raise WorkspaceError(f"{path!r} is inside the Python installation that runs the "
                                 "orchestrator; it cannot be changed from here")
        rel = PurePosixPath(resolved.relative_to(self.root).as_posix())
        asked = str(PurePosixPath(str(path).strip())) if path not in (None, "") else "."
        is_dir = resolved.is_dir()
        for candidate in dict.fromkeys((asked, rel.as_posix())):
            reason = self.policy.refusal(candidate, is_dir)
            if reason:
                raise WorkspaceError(reason)
        return rel
