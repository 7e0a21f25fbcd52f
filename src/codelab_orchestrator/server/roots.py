"""Workspaces the server may touch: only directories under ``CODELAB_WORKSPACE_ROOTS``.

Over HTTP the workspace comes from the client, and the agents read, write and
run commands there, so it must be confined to directories the operator chose.
Served, there is no default: with no roots configured every run is refused.
Embedded (CLI, Python) the user owns the machine; roots apply only if set.

Paths are compared after resolving symlinks and ``..``, so a link inside a root
that points elsewhere is judged by where it points.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOTS_ENV = "CODELAB_WORKSPACE_ROOTS"


class WorkspaceNotAllowed(ValueError):
    """The requested workspace is not under an allowed root (or no root is configured)."""


def workspace_roots() -> list[Path]:
    """The configured roots, resolved: ``CODELAB_WORKSPACE_ROOTS`` split on ``os.pathsep`` (``:``)."""
    raw = os.environ.get(ROOTS_ENV, "")
    roots = []
    for part in raw.split(os.pathsep):
        part = part.strip()
        if part:
            roots.append(Path(part).expanduser().resolve())
    return roots


def check_workspace(workspace: str | os.PathLike[str], *, served: bool) -> Path:
    """The resolved workspace if allowed; raises :class:`WorkspaceNotAllowed` with the reason."""
    roots = workspace_roots()
    if not roots and not served:
        return Path(workspace).expanduser().resolve()
    if not roots:
        raise WorkspaceNotAllowed(
            f"workspace {str(workspace)!r} refused: the server has no workspace roots configured "
            f"(set {ROOTS_ENV} to the directories agents may work in, separated by '{os.pathsep}')")
    if not str(workspace).strip():
        raise WorkspaceNotAllowed("a workspace is required: pass context.workspace, a directory "
                                  f"under {_shown(roots)}")
    path = Path(workspace).expanduser()
    if served and not path.is_absolute():
        raise WorkspaceNotAllowed(f"workspace {str(workspace)!r} refused: give an absolute path "
                                  f"under {_shown(roots)}")
    resolved = path.resolve()
    if not any(resolved == root or resolved.is_relative_to(root) for root in roots):
        raise WorkspaceNotAllowed(f"workspace {str(workspace)!r} refused: not under an allowed root "
                                  f"({_shown(roots)})")
    if not resolved.is_dir():
        raise WorkspaceNotAllowed(f"workspace {str(workspace)!r} refused: not an existing directory")
    return resolved


def _shown(roots: list[Path]) -> str:
    return os.pathsep.join(str(root) for root in roots)
