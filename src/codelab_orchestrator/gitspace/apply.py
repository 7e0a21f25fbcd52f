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
    in_the_way: list[str] = field(default_factory=list)  # an ignored file occupies the path
    error: str | None = None

    def reason(self, edited_since: str) -> str:
        if self.error:
            return self.error
        parts = []
        if self.blocked:
            parts.append(f"{edited_since}: {', '.join(self.blocked[:10])}")
        if self.in_the_way:
            parts.append(f"would overwrite files git ignores: {', '.join(self.in_the_way[:10])}")
        return "; ".join(parts)


def changed_paths(repo: Repo, a: str, b: str) -> list[str]:
    return git.split_z(repo.git(["diff-tree", "-r", "-z", "--no-renames", "--name-only", a, b]))


def _raw_changes(repo: Repo, source: str, target: str) -> list[tuple[str, str, str, str]]:
    """(path, status, target mode, target object) for every path that differs."""
    raw = git.split_z(repo.git(["diff-tree", "-r", "-z", "--no-renames", "--raw", source, target]))
    entries = []
    for header, path in zip(raw[0::2], raw[1::2], strict=True):
        _, new_mode, _, new_oid, status = header.lstrip(":").split(" ")
        entries.append((path, status, new_mode, new_oid))
    return entries


def _in_the_way(workspace: Path, path: str) -> bool:
    """Something git does not track (an ignored file) occupies ``path`` or one of its parents."""
    target = workspace / path
    if target.is_symlink() or target.exists():
        return True
    return any(parent.is_symlink() or (parent.exists() and not parent.is_dir())
               for parent in list(target.parents)[:len(Path(path).parts) - 1])


def switch(repo: Repo, seed: Path | None, source: str, target: str) -> Switch:
    """Bring the plan's paths in the workspace from ``source``'s content to ``target``'s."""
    entries = _raw_changes(repo, source, target)
    paths = [entry[0] for entry in entries]
    if not paths:
        return Switch(True)
    snap = snapshot(repo, seed)
    try:
        touched = set(paths)
        edited = {p for p in changed_paths(repo, source, snap.tree) if p in touched}
        blocked: list[str] = []
        if edited:
            not_target = set(changed_paths(repo, target, snap.tree))
            blocked = [p for p in paths if p in edited and p in not_target]
        # Git treats ignored files as expendable and would overwrite them; we do not.
        in_the_way = [path for path, status, _, _ in entries
                      if status == "A" and path not in edited and _in_the_way(repo.workspace, path)]
        if blocked or in_the_way:
            return Switch(False, paths, blocked, in_the_way)
        goal = _replace(repo, snap.index, entries)
        if goal != snap.tree:
            env = repo.env(index=snap.index, work_tree=True)
            try:
                git.run(["read-tree", "-m", "-u", snap.tree, goal], cwd=repo.workspace, env=env)
            except git.GitError as exc:
                return Switch(False, paths, error=str(exc))
        return Switch(True, paths)
    finally:
        discard(snap.index)


def _replace(repo: Repo, index: Path, entries: list[tuple[str, str, str, str]]) -> str:
    """The tree of ``index`` with every changed path set to the target's version."""
    removals, updates = [], []
    for path, status, mode, oid in entries:
        if status == "D":
            removals.append(f"0 {'0' * len(oid)}\t{path}\0")
        else:
            updates.append(f"{mode} {oid}\t{path}\0")
    scratch = index.with_suffix(".goal")
    shutil.copy2(index, scratch)
    try:
        env = repo.env(index=scratch)
        git.run(["update-index", "-z", "--index-info"], cwd=repo.home, env=env,
                input="".join(removals + updates))
        return git.out(["write-tree"], cwd=repo.home, env=env)
    finally:
        discard(scratch)
