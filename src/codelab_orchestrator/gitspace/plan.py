"""A plan's git space: opening it (the base), its refs and records. Tasks: :mod:`.tasks`.

The orchestrator calls, per plan::

    space = PlanSpace.open(workspace, data_dir, plan_id, thread_id=thread)
    path = space.task_worktree(task_id, attempt, dependency_ids)   # the task's workspace
    commit = space.commit_task(task_id, attempt, agent, summary)   # when the agent is done
    merged = space.integrate(task_id)                              # in completion order
    space.discard(task_id, attempt)                                # failed / cancelled work
    outcome = space.finish(apply=True)                             # when the plan ends

Every method is idempotent and safe to call again after a crash, from a new
``PlanSpace`` object or a new process: the state lives in refs (atomic) and in
small JSON records (written by rename), never only in memory. Methods are
synchronous and thread-safe; call them with ``asyncio.to_thread`` from async
code.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from . import git
from .layout import (
    AttemptRecord,
    Layout,
    PlanRecord,
    gitspace_root,
    read_json,
    safe,
    write_json,
)
from .locks import FileLock, clear_stale, stale_ref_locks
from .repo import Repo, resolve
from .snapshot import keep, snapshot
from .worktrees import Worktrees

DEFAULT_POOL_SIZE = 4


class GitSpaceError(ValueError):
    """A request the git layer refuses; the message says why in one line."""


class PlanSpaceBase:
    """Construction, refs and records shared by the task and outcome halves of :class:`PlanSpace`."""

    def __init__(self, repo: Repo, layout: Layout, record: PlanRecord, pool_size: int):
        self.repo = repo
        self.layout = layout
        self.record = record
        self.worktrees = Worktrees(repo, layout.root, pool_size)

    @property
    def plan_id(self) -> str:
        return self.layout.plan_id

    @property
    def workspace(self) -> Path:
        return self.repo.workspace

    @property
    def base(self) -> str:
        """The plan's base commit: the workspace's content when the plan opened."""
        return self.record.base

    @property
    def integration(self) -> str:
        """The current integration commit (the base plus every task integrated so far)."""
        return self.repo.rev(self.layout.integration_ref) or self.record.base

    @classmethod
    def open(cls, workspace: str | Path, data_dir: str | Path, plan_id: str, *,
             thread_id: str | None = None, owner: str | None = None,
             pool_size: int = DEFAULT_POOL_SIZE):
        """Open the plan's space, recording its base on the first call.

        ``thread_id`` and ``owner`` are labels kept in the plan's record so
        ``codelab diff/undo THREAD`` can find it (and only for its owner).

        The base is the workspace's content — committed or not, untracked files
        included, ignored files excluded — as a commit on
        ``refs/codelab/<plan>/base``. The user's index, HEAD, branches, stash
        and files are not touched. Opening again (after a crash, from another
        process) finds the same base.
        """
        if not plan_id:
            raise GitSpaceError("a plan id is required")
        try:
            repo = resolve(workspace, data_dir)
        except (NotADirectoryError, git.GitError) as exc:
            raise GitSpaceError(str(exc)) from exc
        layout = Layout(gitspace_root(Path(data_dir)), plan_id)
        with repo.lock:
            record = read_json(layout.record_path, PlanRecord)
            if record is not None and Path(record.workspace) != repo.workspace:
                raise GitSpaceError(f"plan {plan_id} belongs to workspace {record.workspace}, "
                                    f"not {repo.workspace}")
            if record is None:
                record = cls._record_base(repo, layout, thread_id, owner)
            space = cls(repo, layout, record, pool_size)
            space._ensure_ref(layout.base_ref, record.base)
            space._ensure_ref(layout.integration_ref, record.base)
            space.worktrees.prune()
        return space

    @classmethod
    def load(cls, data_dir: str | Path, plan_id: str, *, pool_size: int = DEFAULT_POOL_SIZE):
        """An existing plan's space from its record, without taking a new base (for diff/undo)."""
        layout = Layout(gitspace_root(Path(data_dir)), plan_id)
        record = read_json(layout.record_path, PlanRecord)
        if record is None:
            raise GitSpaceError(f"no recorded changes for plan {plan_id!r}")
        repo = Repo(Path(record.workspace), Path(record.git_dir), Path(record.common_dir),
                    record.private, Path(record.home))
        if not repo.common_dir.is_dir():
            raise GitSpaceError(f"the git directory of plan {plan_id} is gone ({repo.common_dir})")
        return cls(repo, layout, record, pool_size)

    @staticmethod
    def _record_base(repo: Repo, layout: Layout, thread_id: str | None,
                     owner: str | None) -> PlanRecord:
        seed = repo.home / "snapshot.index" if repo.private else repo.git_dir / "index"
        snap = snapshot(repo, seed)
        head = repo.head()
        if head is not None and snap.tree == repo.tree(head):
            base = head  # a clean workspace: the base is simply the user's commit
        else:
            message = (f"codelab plan {layout.plan_id}: base\n\nThe workspace as it was when the "
                       "plan started, uncommitted and untracked files included.")
            args = ["commit-tree", snap.tree, "-m", message] + (["-p", head] if head else [])
            base = repo.git(args)
        layout.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(snap.index, layout.base_index)
        keep(snap.index, repo.home / "snapshot.index")
        record = PlanRecord(plan_id=layout.plan_id, thread_id=thread_id, owner=owner,
                            workspace=str(repo.workspace), git_dir=str(repo.git_dir),
                            common_dir=str(repo.common_dir), home=str(repo.home),
                            private=repo.private, base=base, base_tree=snap.tree, head=head,
                            created_at=_now())
        write_json(layout.record_path, record)
        return record

    # refs -----------------------------------------------------------------

    def _update_refs(self, lines: Iterable[str]) -> None:
        """Apply ``update-ref --stdin`` commands as one transaction; stale locks of ours are cleared.

        Callers hold the repository lock, which every writer of our refs holds:
        a ``*.lock`` file under our namespace was then left by a killed process.
        """
        lines = list(lines)
        if not lines:
            return
        payload = "".join(f"{line}\n" for line in lines)
        ours = f"refs/codelab/{self.layout.plan}/"
        clear_stale(self.repo.common_dir / f"{line.split()[1]}.lock" for line in lines
                    if line.split()[1].startswith(ours))
        try:
            self.repo.run(["update-ref", "--stdin"], input=payload)
        except git.GitError as exc:
            stale = list(stale_ref_locks(self.repo.common_dir, f"refs/codelab/{self.layout.plan}"))
            if not stale or "lock" not in str(exc):
                raise
            clear_stale(stale)
            self.repo.run(["update-ref", "--stdin"], input=payload)

    def _ensure_ref(self, ref: str, value: str) -> str:
        """Create ``ref`` at ``value`` unless it exists; return its value."""
        existing = self.repo.rev(ref)
        if existing is None:
            self._update_refs([f"create {ref} {value}"])
            return value
        return existing

    def _attempt(self, task_id: str, attempt: int) -> AttemptRecord | None:
        return read_json(self.layout.attempt_path(task_id, attempt), AttemptRecord)

    def _attempt_lock(self, task_id: str, attempt: int) -> FileLock:
        return FileLock(self.layout.attempt_lock(task_id, attempt))

    def _attempts(self, task_id: str | None = None) -> list[AttemptRecord]:
        folder = self.layout.attempt_path("x", 0).parent
        if not folder.is_dir():
            return []
        pattern = f"{safe(task_id)}.*.json" if task_id is not None else "*.json"
        records = [read_json(p, AttemptRecord) for p in folder.glob(pattern)]
        return sorted((r for r in records if r is not None and (task_id is None or r.task_id == task_id)),
                      key=lambda r: r.attempt)


def _short(ref: str) -> str:
    """``refs/codelab/p/x`` -> ``codelab/p/x``: still resolves, and labels conflict markers briefly."""
    return ref.removeprefix("refs/")


def _email(agent: str) -> str:
    return f"{safe(agent.lower().replace(' ', '-')) or 'agent'}@agents.codelab.invalid"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
