"""Task worktrees: created from a pool of idle ones, so a new task rarely pays a full checkout.

A fresh ``git worktree add`` writes every file of the project (about a second
for 5,000 files / 50 MB here). A worktree released by a finished task is kept
in the repository's pool instead; the next task moves it into place
(a rename) and ``git reset --hard`` + ``git clean -ffdx``
bring it to the task's start commit by rewriting only the files that differ
and deleting everything else the previous task left (ignored files too), so
the task sees exactly its start commit. The pool is bounded (``pool_size``)
and entries idle for two weeks are removed.

Worktree directories live in the data directory; only their registrations
(``.git/worktrees/<name>``) are in the repository. :meth:`Worktrees.prune`
removes registrations of ours whose directory has gone, and never touches the
user's own worktrees.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from . import git
from .locks import clear_stale
from .repo import Repo

POOL_MAX_AGE_S = 14 * 24 * 3600


class Worktrees:
    def __init__(self, repo: Repo, data_root: Path, pool_size: int):
        self.repo = repo
        self.data_root = data_root
        self.pool_size = max(0, pool_size)
        self.pool_dir = repo.home / "pool"
        self.registrations = (repo.common_dir / "worktrees").resolve()

    def _git(self, args: list[str]) -> str:
        return git.out(args, cwd=self.repo.home, env={"GIT_DIR": str(self.repo.common_dir)})

    def admin_dir(self, worktree: Path) -> Path | None:
        """The worktree's own git directory (``.git/worktrees/<name>``), if it is a usable one.

        A worktree of ours that was renamed (pooled, or a crash between the
        rename and the pointer update) gets its back-pointer repaired here.
        """
        try:
            text = (worktree / ".git").read_text()
        except OSError:
            return None
        if not text.startswith("gitdir: "):
            return None
        admin = Path(text[len("gitdir: "):].strip())
        admin = (worktree / admin).resolve()
        # Only a registration in the repository's own worktrees/ counts: a ``.git`` file an
        # agent rewrote to point at a directory of its making (with a config that runs
        # commands) is never used, and git is always given GIT_DIR explicitly (:meth:`env`).
        if admin.parent != self.registrations or not (admin / "commondir").is_file():
            return None
        expected = str((worktree / ".git").absolute())
        try:
            pointer = (admin / "gitdir").read_text().strip()
        except OSError:
            pointer = ""
        if pointer != expected:
            if not Path(expected).is_relative_to(self.data_root):
                return None
            _write_atomically(admin / "gitdir", expected + "\n")
        return admin

    def _move(self, source: Path, dest: Path) -> bool:
        """What ``git worktree move`` does, without a git process: rename, then repoint.

        Both halves are crash-safe: :meth:`admin_dir` repairs a pointer left
        behind. Returns False when ``source`` is not a usable worktree.
        """
        admin = self.admin_dir(source)
        if admin is None:
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, dest)
        _write_atomically(admin / "gitdir", f"{(dest / '.git').absolute()}\n")
        return True

    def prepare(self, dest: Path, commit: str) -> None:
        """Make ``dest`` a worktree holding exactly ``commit``'s files and nothing else.

        The caller holds a lock owning ``dest`` (so a git lock file found
        inside it is stale). Safe to repeat after a crash at any point.
        """
        admin = self.admin_dir(dest)
        if admin is None:
            self._place(dest, commit)
            admin = self.admin_dir(dest)
        if admin is None:
            raise git.GitError(["worktree"], 1, f"fatal: {dest} is not a usable worktree")
        clear_stale([admin / "index.lock", admin / "HEAD.lock"])
        env = self.env(dest, admin)
        git.run(["reset", "-q", "--hard", commit], cwd=dest, env=env)
        git.run(["clean", "-ffdxq"], cwd=dest, env=env)

    @staticmethod
    def env(worktree: Path, admin: Path) -> dict[str, str]:
        """Git's environment for a worktree of ours, never discovered from its ``.git`` file."""
        return {"GIT_DIR": str(admin), "GIT_WORK_TREE": str(worktree)}

    def _place(self, dest: Path, commit: str) -> None:
        """Give ``dest`` a worktree: an idle one from the pool, else a new one (no checkout yet)."""
        if dest.exists() or dest.is_symlink():
            shutil.rmtree(dest, ignore_errors=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self.repo.lock:
            self.prune()
            for slot in self._slots():
                if self._move(slot, dest):
                    return
                self._remove(slot)
            self._git(["worktree", "add", "-q", "--detach", "--no-checkout", str(dest), commit])

    def release(self, path: Path) -> None:
        """Return a worktree to the pool (or delete it when the pool is full)."""
        with self.repo.lock:
            if not path.exists():
                self.prune()
                return
            if len(self._slots()) < self.pool_size:
                slot = self.pool_dir / uuid.uuid4().hex[:12]
                if self._move(path, slot):
                    slot.touch()
                    return
            self._remove(path)

    def _slots(self) -> list[Path]:
        if not self.pool_dir.is_dir():
            return []
        return sorted(p for p in self.pool_dir.iterdir() if p.is_dir())

    def _remove(self, path: Path) -> None:
        try:
            self._git(["worktree", "remove", "--force", "--force", str(path)])
        except git.GitError:
            shutil.rmtree(path, ignore_errors=True)
            self.prune()

    def prune(self) -> list[str]:
        """Drop registrations of our worktrees whose directory is gone; never the user's."""
        admin_root = self.repo.common_dir / "worktrees"
        removed: list[str] = []
        if not admin_root.is_dir():
            return removed
        for admin in admin_root.iterdir():
            try:
                target = Path((admin / "gitdir").read_text().strip())
            except OSError:
                continue
            if target.is_relative_to(self.data_root) and not target.exists():
                shutil.rmtree(admin, ignore_errors=True)
                removed.append(admin.name)
        return removed

    def expire(self, max_age_s: float = POOL_MAX_AGE_S) -> None:
        """Delete pool entries idle longer than ``max_age_s`` and any beyond ``pool_size``."""
        with self.repo.lock:
            slots = self._slots()
            now = time.time()
            for index, slot in enumerate(sorted(slots, key=lambda p: p.stat().st_mtime, reverse=True)):
                if index >= self.pool_size or now - slot.stat().st_mtime > max_age_s:
                    self._remove(slot)
            self.prune()


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
