"""The sandbox: every path a tool receives is resolved here and must stay inside.

Rejected: absolute paths, ``~``, ``..`` segments, drive letters and
backslashes (Windows-style), percent-encoded traversal, NUL bytes, and
anything whose resolved location (after following symlinks) is outside the
workspace root.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path, PurePosixPath

_DRIVE = re.compile(r"^[A-Za-z]:")


class WorkspaceError(ValueError):
    """A path or request the sandbox refuses; the message says why, for the model."""


class Workspace:
    def __init__(self, root: str | Path):
        path = Path(root).expanduser()
        if not path.is_dir():
            raise WorkspaceError(f"workspace {str(root)!r} is not an existing directory")
        self.root = path.resolve()

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
        resolved = (self.root / pure).resolve()
        if not resolved.is_relative_to(self.root):
            raise WorkspaceError(f"{raw!r}: resolves outside the workspace (symlink)")
        return resolved

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() or "."
