"""Which git repository serves a workspace, and where our own files for it live.

A workspace that is the top level of a git repository uses that repository:
its object store receives our commits, our refs live under ``refs/codelab/``
and our worktrees are registered in it (their directories are in the data
directory). Anything else — a plain folder, or a sub-folder of a bigger
repository — gets a private bare repository in the data directory, used with
``GIT_DIR`` outside the tree and ``GIT_WORK_TREE`` = the workspace, so no
``.git`` ever appears in the user's folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import git
from .layout import gitspace_root
from .locks import FileLock

# A folder without git has no .gitignore written with git in mind; keep the
# usual heavy, machine-made directories out of the plan's base (and so out of
# every task worktree), as a repository's own .gitignore would.
PRIVATE_EXCLUDES = """\
# codelab: defaults for a workspace that is not a git repository
node_modules/
.venv/
venv/
__pycache__/
*.py[co]
.mypy_cache/
.pytest_cache/
.ruff_cache/
.tox/
.DS_Store
"""


@dataclass(frozen=True)
class Repo:
    """A workspace and the git directories that serve it."""

    workspace: Path   # resolved workspace directory
    git_dir: Path     # GIT_DIR for reading the workspace (its HEAD and index)
    common_dir: Path  # shared refs, objects and worktree registrations
    private: bool     # True: a bare repository of ours in the data directory
    home: Path        # our files for this repository: lock, worktree pool, temporary indexes

    @property
    def own_files(self) -> list[str]:
        """Pathspecs that keep our data directory out of a snapshot when it lies in the workspace."""
        root = self.home.parent.parent
        if root.is_relative_to(self.workspace):
            return [f":(exclude,top){root.relative_to(self.workspace).as_posix()}"]
        return []

    @property
    def lock(self) -> FileLock:
        return FileLock(self.home / "repo.lock")

    @property
    def tmp(self) -> Path:
        path = self.home / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def temp_index(self) -> Path:
        return self.tmp / f"{uuid.uuid4().hex}.index"

    def env(self, *, index: Path | None = None, work_tree: bool = False) -> dict[str, str]:
        env = {"GIT_DIR": str(self.git_dir)}
        if work_tree:
            env["GIT_WORK_TREE"] = str(self.workspace)
        if index is not None:
            env["GIT_INDEX_FILE"] = str(index)
        return env

    def git(self, args: list[str], **kwargs) -> str:
        """Run git against the repository (no work tree) and return its stripped output."""
        kwargs.setdefault("cwd", self.home)
        return git.out(args, env=self.env(), **kwargs)

    def run(self, args: list[str], **kwargs):
        kwargs.setdefault("cwd", self.home)
        env = kwargs.pop("env", None) or self.env()
        return git.run(args, env=env, **kwargs)

    def head(self) -> str | None:
        """The workspace's current commit, or None when it has none yet (or is private)."""
        if self.private:
            return None
        proc = self.run(["rev-parse", "-q", "--verify", "HEAD^{commit}"], ok=(0, 1))
        return proc.stdout.strip() or None

    def rev(self, name: str) -> str | None:
        proc = self.run(["rev-parse", "-q", "--verify", f"{name}^{{commit}}"], ok=(0, 1))
        return proc.stdout.strip() or None

    def tree(self, commit: str) -> str:
        return self.git(["rev-parse", f"{commit}^{{tree}}"])

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.run(["merge-base", "--is-ancestor", older, newer], ok=(0, 1)).returncode == 0


def resolve(workspace: str | Path, data_dir: str | Path) -> Repo:
    """The :class:`Repo` for ``workspace``, creating the private repository if needed."""
    git.require_version()
    ws = Path(workspace).expanduser()
    if not ws.is_dir():
        raise NotADirectoryError(f"workspace {str(workspace)!r} is not an existing directory")
    ws = ws.resolve()
    root = gitspace_root(Path(data_dir))
    if ws.is_relative_to(root):
        raise ValueError(f"workspace {ws} is inside codelab's own data directory {root}")
    found = _user_repository(ws)
    if found is not None:
        git_dir, common_dir = found
        home = root / "repos" / _key(str(common_dir))
        home.mkdir(parents=True, exist_ok=True)
        return Repo(ws, git_dir, common_dir, False, home)
    home = root / "repos" / _key(f"private:{ws}")
    private = home / "git"
    repo = Repo(ws, private, private, True, home)
    if not (private / "HEAD").is_file():
        with repo.lock:
            if not (private / "HEAD").is_file():
                _init_private(private)
    return repo


def _user_repository(ws: Path) -> tuple[Path, Path] | None:
    """(git dir, common dir) when ``ws`` is the top level of a git work tree, else None."""
    proc = git.run(["rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir"],
                   cwd=ws, ok=(0, 128))
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) != 3:
        return None
    toplevel, git_dir, common = lines
    if Path(toplevel).resolve() != ws:
        return None
    git_dir_path = Path(git_dir).resolve()
    common_path = (ws / common).resolve() if not os.path.isabs(common) else Path(common).resolve()
    return git_dir_path, common_path


def _init_private(target: Path) -> None:
    """Create the bare repository atomically (a crash leaves no half-made one behind)."""
    staging = target.with_name(f"{target.name}.{uuid.uuid4().hex}.tmp")
    git.run(["init", "-q", "--bare", str(staging)])
    (staging / "info").mkdir(exist_ok=True)
    (staging / "info" / "exclude").write_text(PRIVATE_EXCLUDES)
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
