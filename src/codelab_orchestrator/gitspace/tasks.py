"""A plan's git space, task side: worktrees, task commits, integration into the plan.

Every method is idempotent and safe to repeat after a crash, from a new object
or a new process. Per task the common path costs about eight short git
processes (``reset``, ``clean``; ``add``, ``write-tree``, ``commit-tree``;
``for-each-ref``, ``merge-tree``, ``commit-tree``, ``update-ref``): trees of
the commits we make are remembered in the attempt records instead of being
asked for again, and pooled worktrees are moved by a rename.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from . import git
from .layout import AttemptRecord, write_json
from .locks import FileLock, clear_stale
from .apply import changed_paths
from .merge import TreeMerge, merge_trees
from .models import MergeResult
from .plan import GitSpaceError, PlanSpaceBase, _email, _short
from .snapshot import stage_all, write_tree


class PlanTasks(PlanSpaceBase):
    """Task worktrees, task commits and their integration (the plan's outcome: :mod:`.outcome`)."""

    def task_worktree(self, task_id: str, attempt: int, dependency_task_ids: Iterable[str] = (), *,
                      resolve_conflict_of: str | None = None) -> Path:
        """The directory a writing task works in; created on the first call, the same one after.

        It holds the base merged with the integrated results of the task's
        dependencies — exactly those: an unrelated sibling's work, finished or
        not, is absent — in the data directory, never in the user's tree. A
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
                start, tree = self._start(task_id, list(dependency_task_ids), resolve_conflict_of)
                record = AttemptRecord(task_id=task_id, attempt=attempt, start=start, start_tree=tree,
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

        The task is recorded as done without changes (its dependents see what
        it saw), so it needs no :meth:`commit_task` or :meth:`integrate`. The
        directory is shared: nothing may write to it.
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None:
                start, tree = self._start(task_id, list(dependency_task_ids), None)
                record = AttemptRecord(task_id=task_id, attempt=attempt, start=start, start_tree=tree,
                                       result=start, result_tree=tree)
                write_json(self.layout.attempt_path(task_id, attempt), record)
            with self.repo.lock:
                self._update_refs([f"update {self.layout.result_ref(task_id, attempt)} {record.start}",
                                   f"update {self.layout.done_ref(task_id)} {record.start}"])
        return self._view(record.start)

    def shared_view(self, dependency_task_ids: Iterable[str] = ()) -> Path:
        """The shared read-only checkout of the base merged with these tasks' integrated results,
        recording nothing about the reader (cheaper than :meth:`read_only_view`: with no
        dependencies, no git process runs once the base's checkout exists). For readers whose
        own dependents need no record of them: pass writing tasks only, as readers change
        nothing."""
        deps = list(dict.fromkeys(dependency_task_ids))
        if deps:
            with self.repo.lock:
                start, _ = self._merged_dependencies("(a reader)", deps)
        else:
            start = self.record.base
        return self._view(start)

    def _view(self, start: str) -> Path:
        path = self.layout.view(start)
        with FileLock(self.layout.view_lock(start)):
            marker = self.layout.view_marker(start)
            if marker.is_file() and self.worktrees.admin_dir(path) is not None:
                return path
            self.worktrees.prepare(path, start)
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        return path

    # where an attempt starts ----------------------------------------------

    def _start(self, task_id: str, deps: list[str], conflict_of: str | None) -> tuple[str, str]:
        """(commit, tree) the attempt starts from."""
        with self.repo.lock:
            if conflict_of is not None:
                return self._conflict_start(conflict_of)
            return self._merged_dependencies(task_id, list(dict.fromkeys(deps)))

    def _merged_dependencies(self, task_id: str, deps: list[str]) -> tuple[str, str]:
        if not deps:
            return self.record.base, self._base_tree()
        done = self._read_refs([self.layout.done_ref(dep) for dep in deps])
        missing = [dep for dep in deps if self.layout.done_ref(dep) not in done]
        if missing:
            raise GitSpaceError(f"task {task_id} depends on {', '.join(missing)}, which has no "
                                "integrated result (call integrate() when it completes)")
        start, tree = done[self.layout.done_ref(deps[0])]
        for dep in deps[1:]:
            other, other_tree = done[self.layout.done_ref(dep)]
            if self.repo.is_ancestor(other, start):
                continue
            if self.repo.is_ancestor(start, other):
                start, tree = other, other_tree
                continue
            merged = merge_trees(self.repo, start, other)
            if not merged.clean:
                # Dependencies that conflict pairwise were still integrated one after the
                # other (a resolver fixed it); the integration holds them all, consistently.
                integration = self._read_refs([self.layout.integration_ref])
                return integration[self.layout.integration_ref]
            start = self.repo.git(["commit-tree", merged.tree, "-p", start, "-p", other, "-m",
                                   f"codelab plan {self.plan_id}: dependencies of task {task_id}"])
            tree = merged.tree
        return start, tree

    def _conflict_start(self, task_id: str) -> tuple[str, str]:
        attempts = [a for a in self._attempts(task_id) if a.result]
        if not attempts:
            raise GitSpaceError(f"task {task_id} has no committed result to resolve")
        latest = attempts[-1]
        assert latest.result is not None
        result_ref = self.layout.result_ref(task_id, latest.attempt)
        self._update_refs([f"update {result_ref} {latest.result}"])
        integration = self.integration
        merged = merge_trees(self.repo, _short(self.layout.integration_ref), _short(result_ref))
        message = (f"codelab plan {self.plan_id}: conflict of task {task_id} to resolve\n\n"
                   + ", ".join(c.path for c in merged.conflicts))
        commit = self.repo.git(["commit-tree", merged.tree, "-p", integration, "-p", latest.result,
                                "-m", message])
        return commit, merged.tree

    def _base_tree(self) -> str:
        if not self.record.base_tree:
            self.record.base_tree = self.repo.tree(self.record.base)
        return self.record.base_tree

    def _read_refs(self, refs: list[str]) -> dict[str, tuple[str, str]]:
        """{ref: (commit, tree)} for those of ``refs`` that exist, in one git call."""
        listing = self.repo.git(["for-each-ref", "--format=%(refname) %(objectname) %(tree)", *refs])
        found = {}
        for line in listing.splitlines():
            name, commit, tree = line.split(" ")
            if name in refs:
                found[name] = (commit, tree)
        return found

    # completing a task ----------------------------------------------------

    def commit_task(self, task_id: str, attempt: int, agent: str, message: str) -> str | None:
        """Record the task's worktree as a commit; None when nothing changed.

        Everything in the worktree that is not ignored is committed — files
        written by tools or by commands alike; a nested repository is left out.
        The author is the agent; the message names the plan and the task.
        Calling it again without new edits returns the same commit.
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None or not record.ready or not record.path:
                raise GitSpaceError(f"task {task_id} attempt {attempt} has no worktree to commit")
            path = Path(record.path)
            admin = self.worktrees.admin_dir(path)
            if admin is None:
                raise GitSpaceError(f"the worktree of task {task_id} attempt {attempt} is gone or its "
                                    f".git file was changed ({path})")
            clear_stale([admin / "index.lock"])
            env = self.worktrees.env(path, admin)
            stage_all(path, env)
            tree = write_tree(path, env)
            if record.result and record.result_tree == tree:
                result = record.result
            elif tree == record.start_tree:
                result = record.start
            else:
                result = git.out(["commit-tree", tree, "-p", record.start, "-m",
                                  self._message(task_id, attempt, agent, message)],
                                 cwd=path, env={**env, **git.identity_env(agent, _email(agent))})
            record.result, record.result_tree = result, tree
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

        Call it for every writing task that completes (whether or not it
        changed anything), in the order tasks complete: a task starts only
        after its dependencies, so that order respects them. Identical changes
        on both sides merge cleanly. On a conflict the integration ref is left
        as it was and the result lists the paths and hunks. Either way the
        worktree is released; after a conflict the attempt's commit is kept so
        that ``task_worktree(..., resolve_conflict_of=task_id)`` can start a
        resolver (or the task's own retry) from the conflict, markers and all.
        Repeating a successful call changes nothing.
        """
        record = self._latest_result(task_id, attempt)
        assert record.result is not None and record.result_tree is not None
        result, attempt = record.result, record.attempt
        result_ref, done_ref = self.layout.result_ref(task_id, attempt), self.layout.done_ref(task_id)
        integration_ref = self.layout.integration_ref
        with self.repo.lock:
            refs = self._read_refs([integration_ref, done_ref])
            integration, integration_tree = refs[integration_ref]
            if refs.get(done_ref, ("",))[0] == result:
                return MergeResult(task_id=task_id, attempt=attempt, clean=True, integration=integration)
            if record.start == integration:  # nothing was integrated since the task started
                merged, new = TreeMerge(record.result_tree, True), result
            else:
                merged, new = merge_trees(self.repo, integration, result), integration
            if not merged.clean:
                # again, with ref names: they label the conflict markers in the report
                self._update_refs([f"update {result_ref} {result}"])
                merged = merge_trees(self.repo, _short(integration_ref), _short(result_ref))
            elif merged.tree == integration_tree:
                new = integration  # nothing the integration does not already hold
            elif new == result or (merged.tree == record.result_tree
                                   and self.repo.is_ancestor(integration, result)):
                new = result  # fast-forward: the task started from everything integrated
            else:
                new = self.repo.git(["commit-tree", merged.tree, "-p", integration, "-p", result,
                                     "-m", f"codelab plan {self.plan_id}: integrate task "
                                     f"{task_id} (attempt {attempt})"])
            if merged.clean:
                self._update_refs([f"update {integration_ref} {new} {integration}",
                                   f"update {result_ref} {result}", f"update {done_ref} {result}"])
        self.release(task_id, attempt)  # after a conflict the commit stays, for resolve_conflict_of=
        return MergeResult(task_id=task_id, attempt=attempt, clean=merged.clean,
                           changed=new != integration, integration=new, conflicts=merged.conflicts)

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

    # checking a task -------------------------------------------------------

    def attempt_changes(self, task_id: str, attempt: int) -> list[str]:
        """Paths the attempt's committed result changes against where it started."""
        record = self._attempt(task_id, attempt)
        if record is None or not record.result or record.result == record.start:
            return []
        return changed_paths(self.repo, record.start, record.result)

    def baseline(self, task_id: str, attempt: int) -> dict | None:
        """What the project's tests gave on the attempt's start (see :meth:`save_baseline`)."""
        record = self._attempt(task_id, attempt)
        return record.baseline if record is not None else None

    def save_baseline(self, task_id: str, attempt: int, baseline: dict) -> None:
        """Record the tests' result on the attempt's start and put the worktree back as it was
        (the test run's leftovers are not the agent's work). Called before the agent starts: a
        recorded baseline means the agent may have started, so it is never measured again."""
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is None or not record.path:
                raise GitSpaceError(f"task {task_id} attempt {attempt} has no worktree")
            self.worktrees.prepare(Path(record.path), record.start)
            record.baseline = baseline
            write_json(self.layout.attempt_path(task_id, attempt), record)

    # letting go -----------------------------------------------------------

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
        """Throw away a failed, cancelled or superseded attempt: its worktree and its commit.

        Its work can no longer be integrated. (An attempt already integrated
        stays in the integration; only its worktree goes.)
        """
        with self._attempt_lock(task_id, attempt):
            record = self._attempt(task_id, attempt)
            if record is not None and record.path:
                self.worktrees.release(Path(record.path))
            with self.repo.lock:
                result_ref = self.layout.result_ref(task_id, attempt)
                done = self._read_refs([self.layout.done_ref(task_id)]).get(self.layout.done_ref(task_id))
                if record is None or done is None or done[0] != record.result:
                    self._update_refs([f"delete {result_ref}"])
            self.layout.attempt_path(task_id, attempt).unlink(missing_ok=True)
