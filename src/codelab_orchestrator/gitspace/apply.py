"""Moving the user's workspace from one commit's content to another's, touching only the plan's files.

Used to apply a finished plan (base -> result) and to undo it (result -> base).
The rule is git's own for ``checkout`` and ``merge``: a file the change
touches must hold one of the two versions (it was not edited meanwhile);
other files may have changed freely and are never written. Because either
version is accepted, a switch interrupted by a crash is finished by running
it again.

The switch happens through an index of our own: snapshot the workspace
(tree ``W``), build ``W`` with the plan's paths replaced (tree ``T``), and
``git read-tree -m -u W T`` — a checkout that rewrites exactly the differing
files and refuses to overwrite an untracked or ignored file in the way. The
user's index, HEAD and branches are never read for writing.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import git
from .repo import Repo
from .snapshot import discard, snapshot


@dataclass
class Switch:
    done: bool
    changed: list[str] = field(default_factory=list)  # paths the switch is about
    blocked: list[str] = field(default_factory=list)  # edited since: neither version
    error: str | None = None


def changed_paths(repo: Repo, a: str, b: str) -> list[str]:
    return git.split_z(repo.git(["diff-tree", "-r", "-z", "--no-renames", "--name-only", a, b]))


def switch(repo: Repo, seed: Path | None, source: str, target: str, *, dry_run: bool = False) -> Switch:
    """Bring the plan's paths in the workspace from ``source``'s content to ``target``'s."""
    paths = changed_paths(repo, source, target)
    if not paths:
        return Switch(True)
    snap = snapshot(repo, seed)
    try:
        touched = set(paths)
        edited = [p for p in changed_paths(repo, source, snap.tree) if p in touched]
        if edited:
            not_target = set(changed_paths(repo, target, snap.tree))
            blocked = [p for p in edited if p in not_target]
            if blocked:
                return Switch(False, paths, blocked)
        if dry_run:
            return Switch(False, paths)
        goal = _replace(repo, snap.index, source, target)
        if goal != snap.tree:
            env = repo.env(index=snap.index, work_tree=True)
            try:
                git.run(["read-tree", "-m", "-u", snap.tree, goal], cwd=repo.workspace, env=env)
            except git.GitError as exc:
                return Switch(False, paths, error=str(exc))
        return Switch(True, paths)
    finally:
        discard(snap.index)


def _replace(repo: Repo, index: Path, source: str, target: str) -> str:
    """The tree of ``index`` with every path that differs between source and target set to target's."""
    raw = git.split_z(repo.git(["diff-tree", "-r", "-z", "--no-renames", "--raw", source, target]))
    removals, updates = [], []
    for header, path in zip(raw[0::2], raw[1::2], strict=True):
        _, new_mode, _, new_oid, status = header.lstrip(":").split(" ")
        if status == "D":
            removals.append(f"0 {'0' * len(new_oid)}\t{path}\0")
        else:
            updates.append(f"{new_mode} {new_oid}\t{path}\0")
    scratch = index.with_suffix(".goal")
    shutil.copy2(index, scratch)
    try:
        env = repo.env(index=scratch)
        git.run(["update-index", "-z", "--index-info"], cwd=repo.home, env=env,
                input="".join(removals + updates))
        return git.out(["write-tree"], cwd=repo.home, env=env)
    finally:
        discard(scratch)
