"""Recording a directory's content as a git tree without touching anyone's index.

``git add -A`` into an index file of our own, then ``git write-tree``. The
index is seeded with a copy of an index that already knows most files (the
user's own, or the previous snapshot's) so only files whose size or time
changed are read and hashed again: on a 5,000-file tree this is the
difference between a full read and a ``stat`` per file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import git
from .repo import Repo

_EMBEDDED = "warning: adding embedded git repository: "


@dataclass
class Staged:
    """Paths ``git add`` left out, and why; empty when everything went in."""

    nested_repos: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def stage_all(cwd: Path, env: dict[str, str], pathspec: list[str] | None = None) -> Staged:
    """``git add -A`` in ``cwd`` with ``env``; nested repositories are left out, not linked.

    Git would record a folder holding its own ``.git`` as a bare commit link
    (whose files nobody else can see), so those are dropped from the index and
    reported. Unreadable files are skipped (``--ignore-errors``) and reported.
    """
    args = ["add", "-A", "--ignore-errors"]
    if pathspec:
        args += ["--", ".", *pathspec]
    proc = git.run(args, cwd=cwd, env=env, ok=(0, 1, 128))
    staged = Staged()
    for line in proc.stderr.splitlines():
        if line.startswith(_EMBEDDED):
            staged.nested_repos.append(line[len(_EMBEDDED):].strip())
        elif line.startswith("error: open(") or "unable to index" in line:
            staged.unreadable.append(line.split(":", 1)[1].strip())
    if proc.returncode == 128 or (proc.returncode == 1 and not staged.unreadable):
        raise git.GitError(args, proc.returncode, proc.stderr)
    if staged.nested_repos:
        payload = "".join(f"{path}\0" for path in staged.nested_repos)
        git.run(["update-index", "--force-remove", "-z", "--stdin"], cwd=cwd, env=env,
                input=payload)
    return staged


def write_tree(cwd: Path, env: dict[str, str]) -> str:
    return git.out(["write-tree"], cwd=cwd, env=env)


@dataclass
class Snapshot:
    tree: str
    index: Path  # the filled index; the caller deletes it or keeps it as a seed
    staged: Staged


def snapshot(repo: Repo, seed: Path | None) -> Snapshot:
    """The workspace's current content as a tree (tracked or not, minus ignored files)."""
    index = repo.temp_index()
    if seed is not None and seed.is_file():
        shutil.copy2(seed, index)  # copy2 keeps the mtime, so git's racy-file check stays exact
    env = repo.env(index=index, work_tree=True)
    try:
        staged = stage_all(repo.workspace, env, repo.own_files)
        tree = write_tree(repo.workspace, env)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            index.unlink()
        raise
    return Snapshot(tree, index, staged)


def keep(index: Path, target: Path) -> None:
    """Keep a snapshot's index as the seed for later snapshots of the same workspace."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(index, target)


def discard(index: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        index.unlink()
