"""A plan's git space, second half: what happens to the user's workspace when the plan ends.

:meth:`PlanSpace.finish` applies the integrated result to the workspace when
none of the files it changes was edited since the plan started (git's own
rule for a checkout), else keeps it on the branch ``codelab/<plan>`` and says
how to merge it. :meth:`PlanSpace.undo` reverts an applied plan under the same
rule. :meth:`PlanSpace.diff` and :meth:`PlanSpace.diffstat` show the change.
"""

from __future__ import annotations

import shlex
import shutil

from . import git
from .apply import switch
from .layout import PlanRecord, read_json, write_json
from .merge import merge_trees
from .models import ApplyResult, ChangeKind, FileChange, UndoResult
from .plan import GitSpaceError, _now
from .tasks import PlanTasks

_STATUS: dict[str, ChangeKind] = {"A": "added", "M": "modified", "D": "deleted", "T": "type-changed"}


class PlanSpace(PlanTasks):
    """The git layer of one plan. See :mod:`codelab_orchestrator.gitspace` for the whole API."""

    def finish(self, apply: bool = True) -> ApplyResult:
        """End the plan: release its worktrees and deliver the integrated result.

        ``apply=True``: written to the workspace if every file it changes still
        holds the base's version; otherwise (or with ``apply=False``) the
        result is left on branch ``codelab/<plan>`` and :attr:`ApplyResult.merge_command`
        says how to merge it. Nothing of the user's is overwritten either way.
        Calling it again returns the same outcome.
        """
        self._release_all()
        with self.repo.lock:
            record = self._reload()
            if record.outcome is not None and record.status in ("finished", "undoing", "undone"):
                return ApplyResult.model_validate(record.outcome)
            result = self.integration
            changes = self.diffstat(self.base, result)
            outcome = ApplyResult(plan_id=self.plan_id, status="unchanged", base=self.base,
                                  result=result, changes=changes, git_dir=str(self.repo.git_dir),
                                  workspace=str(self.repo.workspace))
            if changes and not self.repo.workspace.is_dir():
                outcome.reason = f"the workspace {self.repo.workspace} is gone"
            elif changes and (apply or record.status == "applying"):
                record.status = "applying"  # a crash from here on is finished by the next call
                write_json(self.layout.record_path, record)
                done = switch(self.repo, self.layout.base_index, self.base, result)
                if done.done:
                    outcome.status = "applied"
                else:
                    outcome.reason = done.reason("changed in the workspace since the plan started")
            elif changes:
                outcome.reason = "applying was turned off (--no-apply)"
            if changes and outcome.status != "applied":
                self._keep_on_branch(outcome, record)
            self._drop_task_refs()
            record.status, record.outcome, record.finished_at = "finished", outcome.model_dump(), _now()
            write_json(self.layout.record_path, record)
        shutil.rmtree(self.layout.worktrees_dir, ignore_errors=True)
        self.worktrees.expire()
        return outcome

    def undo(self) -> UndoResult:
        """Revert an applied plan: its files go back to the base's version.

        Refused (:class:`GitSpaceError`) when the plan was not applied, or when
        one of its files was edited after it was applied; nothing is written then.
        """
        with self.repo.lock:
            record = self._reload()
            outcome = ApplyResult.model_validate(record.outcome) if record.outcome else None
            if record.status == "undone":
                raise GitSpaceError(f"plan {self.plan_id} was already undone")
            if outcome is None or outcome.status != "applied":
                where = (f"its result is on branch {outcome.branch}" if outcome and outcome.branch
                         else "it changed no files" if outcome else "it has not finished")
                raise GitSpaceError(f"plan {self.plan_id} was not applied to the workspace ({where})")
            record.status = "undoing"
            write_json(self.layout.record_path, record)
            done = switch(self.repo, self.layout.base_index, outcome.result, outcome.base)
            if not done.done:
                record.status = "finished"
                write_json(self.layout.record_path, record)
                why = done.reason("changed since the plan was applied")
                raise GitSpaceError(f"cannot undo plan {self.plan_id}: {why}")
            record.status = "undone"
            write_json(self.layout.record_path, record)
        return UndoResult(plan_id=self.plan_id, restored=outcome.changes)

    def diff(self) -> str:
        """The plan's change as a patch (``git apply`` takes it; binary files included)."""
        return self.repo.run(["diff-tree", "-r", "-p", "--binary", "--full-index", "--no-color",
                              "--no-ext-diff", "--no-textconv", "--src-prefix=a/",
                              "--dst-prefix=b/", self.base, self._result()]).stdout

    def diffstat(self, old: str | None = None, new: str | None = None) -> list[FileChange]:
        """Changed files with +/- line counts (None for binary files)."""
        old, new = old or self.base, new or self._result()
        status = git.split_z(self.repo.git(["diff-tree", "-r", "-z", "--no-renames",
                                            "--name-status", old, new]))
        kinds = {path: _STATUS.get(code[:1], "modified")
                 for code, path in zip(status[0::2], status[1::2], strict=True)}
        changes = []
        for entry in git.split_z(self.repo.git(["diff-tree", "-r", "-z", "--no-renames",
                                                "--numstat", old, new])):
            added, removed, path = entry.split("\t", 2)
            binary = added == "-"
            changes.append(FileChange(path=path, status=kinds.get(path, "modified"),
                                      added=None if binary else int(added),
                                      removed=None if binary else int(removed)))
        return changes

    def _result(self) -> str:
        outcome = self.record.outcome or {}
        return outcome.get("result") or self.integration

    def _reload(self) -> PlanRecord:
        record = read_json(self.layout.record_path, PlanRecord)
        if record is None:
            raise GitSpaceError(f"the record of plan {self.plan_id} is gone")
        self.record = record
        return record

    def _release_all(self) -> None:
        for attempt in self._attempts():
            if attempt.path:
                self.release(attempt.task_id, attempt.attempt)
        if self.layout.worktrees_dir.is_dir():
            for view in self.layout.worktrees_dir.glob("view-*"):
                self.worktrees.release(view)

    def _drop_task_refs(self) -> None:
        """Task refs are no longer needed: integrated results are parents of the integration."""
        listing = self.repo.git(["for-each-ref", "--format=%(refname)",
                                 self.layout.ref("task"), self.layout.ref("done")])
        self._update_refs(f"delete {ref}" for ref in listing.splitlines() if ref)

    def _keep_on_branch(self, outcome: ApplyResult, record: PlanRecord) -> None:
        """Put the result on ``codelab/<plan>`` and write the command that merges it."""
        branch_commit, mergeable = self._branch_commit(outcome.result, record)
        branch = self.layout.branch
        try:
            self._update_refs([f"update refs/heads/{branch} {branch_commit}"])
        except git.GitError:  # e.g. the user has a branch named `codelab`: keep our own ref
            branch, mergeable = self.layout.integration_ref.removeprefix("refs/"), False
        ws, gd = shlex.quote(str(self.repo.workspace)), shlex.quote(str(self.repo.git_dir))
        outcome.status, outcome.branch = "branch", branch
        if mergeable:
            outcome.merge_command = f"git -C {ws} merge {branch}"
        else:
            outcome.merge_command = (f"git --git-dir={gd} diff --binary {self.layout.base_ref} "
                                     f"{branch} | git -C {ws} --git-dir={gd} --work-tree={ws} apply")

    def _branch_commit(self, result: str, record: PlanRecord) -> tuple[str, bool]:
        """The commit for the branch, and whether ``git merge`` of it brings only the plan's changes.

        When the base holds uncommitted work, the branch is the plan's change
        alone put on top of the user's commit, so merging it does not also
        commit the user's then-uncommitted edits.
        """
        head = record.head
        if record.private or head is None:
            return result, False
        if head == self.base:
            return result, True
        undo_local = self.repo.git(["commit-tree", self.repo.tree(head), "-p", self.base,
                                    "-m", "codelab: the base without its uncommitted changes"])
        merged = merge_trees(self.repo, undo_local, result)
        if not merged.clean:
            return result, False
        files = ", ".join(c.path for c in self.diffstat(self.base, result))[:500]
        commit = self.repo.git(["commit-tree", merged.tree, "-p", head, "-m",
                                f"codelab plan {self.plan_id}\n\nFiles: {files}"])
        return commit, True
