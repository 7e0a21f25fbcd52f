"""A plan's git space, first half: its base, one worktree per writing task, the integration ref.

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
from .merge import merge_commits, merge_trees
from .models import MergeResult
from .repo import Repo, resolve
from .snapshot import keep, snapshot, stage_all, write_tree
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
             thread_id: str | None = None, pool_size: int = DEFAULT_POOL_SIZE):
        """Open the plan's space, recording its base on the first call.

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
                record = cls._record_base(repo, layout, thread_id)
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
    def _record_base(repo: Repo, layout: Layout, thread_id: str | None) -> PlanRecord:
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
        record = PlanRecord(plan_id=layout.plan_id, thread_id=thread_id,
                            workspace=str(repo.workspace), git_dir=str(repo.git_dir),
                            common_dir=str(repo.common_dir), home=str(repo.home),
                            private=repo.private, base=base, head=head, created_at=_now())
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


class PlanTasks(PlanSpaceBase):
    """Task worktrees, task commits and their integration (the plan's outcome: :mod:`.outcome`)."""

    def task_worktree(self, task_id: str, attempt: int, dependency_task_ids: Iterable[str] = (), *,
                      resolve_conflict_of: str | None = None) -> Path:
        """The directory a writing task works in; created on the first call, the same one after.

        It holds the base merged with the integrated results of the task's
        dependencies (exactly those: an unrelated sibling's work, finished or
        not, is absent), in the data directory, never in the user's tree. A
        resumed task gets its existing worktree back with its edits.

        ``resolve_conflict_of=<task>``: start instead from the current
        integration merged with that task's last result, conflict markers
        and all — the worktree for an agent resolving a merge conflict.
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is not None and record.ready and record.path:
                path = Path(record.path)
                admin = self.worktrees.admin_dir(path)
                if admin is not None:
                    clear_stale([admin / "index.lock"])
                    return path
            if record is None:
                start = self._start(task_id, attempt, list(dependency_task_ids), resolve_conflict_of)
                record = AttemptRecord(task_id=task_id, attempt=attempt, start=start,
                                       path=str(self.layout.worktree(task_id, attempt)))
                write_json(self.layout.attempt_path(task_id, attempt), record)
            path = Path(record.path or self.layout.worktree(task_id, attempt))
            self.worktrees.prepare(path, record.start)
            record.path, record.ready = str(path), True
            write_json(self.layout.attempt_path(task_id, attempt), record)
            return path

    def read_only_view(self, task_id: str, attempt: int,
                       dependency_task_ids: Iterable[str] = ()) -> Path:
        """A checkout of what a read-only task should see, shared by every reader of that commit.

        The task is recorded as done with no changes (dependents see what it
        saw), so it needs no :meth:`commit_task` or :meth:`integrate`. The
        directory is shared: nothing may write to it.
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None:
                start = self._start(task_id, attempt, list(dependency_task_ids), None)
                record = AttemptRecord(task_id=task_id, attempt=attempt, start=start, result=start)
                write_json(self.layout.attempt_path(task_id, attempt), record)
            with self.repo.lock:
                self._update_refs([f"update {self.layout.result_ref(task_id, attempt)} {record.start}",
                                   f"update {self.layout.done_ref(task_id)} {record.start}"])
        start = record.start
        path = self.layout.view(start)
        with FileLock(self.layout.view_lock(start)):
            marker = self.layout.view_marker(start)
            if marker.is_file() and self.worktrees.admin_dir(path) is not None:
                return path
            self.worktrees.prepare(path, start)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        return path

    def _start(self, task_id: str, attempt: int, deps: list[str], conflict_of: str | None) -> str:
        """The attempt's start commit, computed once and kept on its ``start`` ref."""
        ref = self.layout.start_ref(task_id, attempt)
        with self.repo.lock:
            existing = self.repo.rev(ref)
            if existing is not None:
                return existing
            if conflict_of is not None:
                start = self._conflict_start(conflict_of)
            else:
                start = self._merged_dependencies(task_id, deps)
            self._update_refs([f"create {ref} {start}"])
            return start

    def _merged_dependencies(self, task_id: str, deps: list[str]) -> str:
        results = []
        for dep in dict.fromkeys(deps):
            done = self.repo.rev(self.layout.done_ref(dep))
            if done is None:
                raise GitSpaceError(f"task {task_id} depends on {dep}, which has no integrated "
                                    "result (call integrate() when it completes)")
            results.append(done)
        if not results:
            return self.record.base
        start = results[0]
        for other in results[1:]:
            merged = merge_commits(self.repo, start, other,
                                   f"codelab plan {self.plan_id}: dependencies of task {task_id}")
            if merged is None:
                # Dependencies that conflict pairwise were still integrated one after the
                # other (or resolved); the integration holds them all, consistently.
                return self.integration
            start = merged
        return start

    def _conflict_start(self, task_id: str) -> str:
        attempts = [a for a in self._attempts(task_id) if a.result]
        if not attempts:
            raise GitSpaceError(f"task {task_id} has no committed result to resolve")
        result = attempts[-1].result
        assert result is not None
        integration = self.integration
        merged = merge_trees(self.repo, integration, result)
        message = (f"codelab plan {self.plan_id}: conflict of task {task_id} to resolve\n\n"
                   + ", ".join(c.path for c in merged.conflicts))
        return self.repo.git(["commit-tree", merged.tree, "-p", integration, "-p", result,
                              "-m", message])

    def commit_task(self, task_id: str, attempt: int, agent: str, message: str) -> str | None:
        """Record the task's worktree as a commit on its ``result`` ref; None when nothing changed.

        Everything in the worktree that is not ignored is committed — files
        written by tools or by commands alike. The author is the agent; the
        message names the plan and the task. Calling it again without new
        edits returns the same commit.
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None or not record.ready or not record.path:
                raise GitSpaceError(f"task {task_id} attempt {attempt} has no worktree to commit")
            path = Path(record.path)
            admin = self.worktrees.admin_dir(path)
            if admin is None:
                raise GitSpaceError(f"the worktree of task {task_id} attempt {attempt} is gone ({path})")
            clear_stale([admin / "index.lock"])
            stage_all(path, {})
            tree = write_tree(path, {})
            if record.result and self.repo.tree(record.result) == tree:
                result = record.result
            elif tree == self.repo.tree(record.start):
                result = record.start
            else:
                result = git.out(["commit-tree", tree, "-p", record.start, "-m",
                                  self._message(task_id, attempt, agent, message)],
                                 cwd=path, env=git.identity_env(agent, _email(agent)))
            with self.repo.lock:
                self._update_refs([f"update {self.layout.result_ref(task_id, attempt)} {result}"])
            record.result = result
            write_json(self.layout.attempt_path(task_id, attempt), record)
            return None if result == record.start else result

    def _message(self, task_id: str, attempt: int, agent: str, message: str) -> str:
        lines = (message or "").strip().splitlines() or [f"work of task {task_id}"]
        subject = f"{task_id}: {lines[0]}"[:100]
        body = "\n".join(lines[1:]).strip()
        trailers = (f"Codelab-Plan: {self.plan_id}\nCodelab-Task: {task_id}\n"
                    f"Codelab-Attempt: {attempt}\nCodelab-Agent: {agent}")
        return "\n\n".join(part for part in (subject, body, trailers) if part)

    def integrate(self, task_id: str, attempt: int | None = None) -> MergeResult:
        """Merge the task's committed result into the integration ref (three-way).

        Call it for every task that completes (whether or not it changed
        anything), in the order tasks complete — a task only starts after its
        dependencies, so that order respects the dependencies. Identical
        changes on both sides merge cleanly. On a conflict the integration ref
        is left as it was and the result lists the paths and hunks; the
        worktree is kept (discard it, or retry). On success the worktree is
        released. Repeating a successful call changes nothing.
        """
        record = self._latest_result(task_id, attempt)
        assert record.result is not None
        result, attempt = record.result, record.attempt
        with self.repo.lock:
            integration = self.integration
            if self.repo.rev(self.layout.done_ref(task_id)) == result:
                return MergeResult(task_id=task_id, attempt=attempt, clean=True, integration=integration)
            new = integration
            if not self.repo.is_ancestor(result, integration):
                merged = merge_trees(self.repo, _short(self.layout.integration_ref),
                                     _short(self.layout.result_ref(task_id, attempt)))
                if not merged.clean:
                    return MergeResult(task_id=task_id, attempt=attempt, clean=False,
                                       integration=integration, conflicts=merged.conflicts)
                if merged.tree == self.repo.tree(result) and self.repo.is_ancestor(integration, result):
                    new = result  # fast-forward: the task started from everything integrated
                elif merged.tree != self.repo.tree(integration):
                    new = self.repo.git(["commit-tree", merged.tree, "-p", integration, "-p", result,
                                         "-m", f"codelab plan {self.plan_id}: integrate task "
                                         f"{task_id} (attempt {attempt})"])
            self._update_refs([f"update {self.layout.integration_ref} {new} {integration}",
                               f"update {self.layout.done_ref(task_id)} {result}"])
        self.release(task_id, attempt)
        return MergeResult(task_id=task_id, attempt=attempt, clean=True, changed=new != integration,
                           integration=new)

    def _latest_result(self, task_id: str, attempt: int | None) -> AttemptRecord:
        if attempt is not None:
            record = self._attempt(task_id, attempt)
            candidates = [record] if record is not None and record.result else []
        else:
            candidates = [a for a in self._attempts(task_id) if a.result]
        if not candidates:
            which = f"attempt {attempt}" if attempt is not None else "any attempt"
            raise GitSpaceError(f"task {task_id} has no committed result ({which}); "
                                "call commit_task() first")
        return candidates[-1]

    def release(self, task_id: str, attempt: int) -> None:
        """Give the attempt's worktree back (its committed result stays)."""
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None or not record.path:
                return
            self.worktrees.release(Path(record.path))
            record.path, record.ready = None, False
            write_json(self.layout.attempt_path(task_id, attempt), record)

    def discard(self, task_id: str, attempt: int) -> None:
        """Throw away a failed, cancelled or superseded attempt: worktree and commits.

        Its work can no longer be integrated. (An attempt already integrated
        stays in the integration; only its worktree goes.)
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is not None and record.path:
                self.worktrees.release(Path(record.path))
            with self.repo.lock:
                done = self.repo.rev(self.layout.done_ref(task_id))
                refs = [self.layout.start_ref(task_id, attempt)]
                if record is None or record.result is None or record.result != done:
                    refs.append(self.layout.result_ref(task_id, attempt))
                self._update_refs(f"delete {ref}" for ref in refs if self.repo.rev(ref))
            self.layout.attempt_path(task_id, attempt).unlink(missing_ok=True)


def _short(ref: str) -> str:
    """``refs/codelab/p/x`` -> ``codelab/p/x``: still resolves, and labels conflict markers briefly."""
    return ref.removeprefix("refs/")


def _email(agent: str) -> str:
    return f"{safe(agent.lower().replace(' ', '-')) or 'agent'}@agents.codelab.invalid"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
