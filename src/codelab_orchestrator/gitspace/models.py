"""What the git layer reports back: plain pydantic values, safe to checkpoint or print."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

MAX_DESCRIBED_CHARS = 6000

ChangeKind = Literal["added", "modified", "deleted", "type-changed"]


class FileChange(BaseModel):
    """One changed path with +/- line counts (None for binary files)."""

    path: str
    status: ChangeKind
    added: int | None = None
    removed: int | None = None

    @property
    def binary(self) -> bool:
        return self.added is None

    def counts(self) -> str:
        return "binary" if self.binary else f"+{self.added} -{self.removed}"


class Conflict(BaseModel):
    """A path two sides changed incompatibly: git's message and the conflicting hunks."""

    path: str
    kind: str = Field(description="git's conflict type, e.g. 'CONFLICT (contents)', 'CONFLICT (modify/delete)'")
    message: str = ""
    hunks: list[str] = Field(default_factory=list, description="Regions between conflict markers, "
                             "with two lines of context before each.")


class MergeResult(BaseModel):
    """Outcome of merging one task's result into the plan's integration ref."""

    task_id: str
    attempt: int
    clean: bool
    changed: bool = Field(default=False, description="The integration ref moved (False: nothing new, or a conflict).")
    integration: str = Field(description="The integration commit after the merge (unchanged on conflict).")
    conflicts: list[Conflict] = Field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [c.path for c in self.conflicts]

    def describe(self) -> str:
        """The conflict as a task error: paths, git's messages and hunks, bounded in size."""
        if self.clean:
            return f"task {self.task_id} merged cleanly"
        lines = [f"merge conflict: task {self.task_id} (attempt {self.attempt}) conflicts with work "
                 f"already integrated in {len(self.conflicts)} file(s): {', '.join(self.paths)}"]
        for conflict in self.conflicts:
            lines.append(f"--- {conflict.path}: {conflict.message or conflict.kind}")
            lines.extend(conflict.hunks)
        text = "\n".join(lines)
        if len(text) > MAX_DESCRIBED_CHARS:
            text = text[:MAX_DESCRIBED_CHARS] + "\n[... conflict description truncated]"
        return text


class ApplyResult(BaseModel):
    """How a finished plan's result reached (or did not reach) the user's workspace."""

    plan_id: str
    status: Literal["applied", "branch", "unchanged"]
    base: str = Field(description="The plan's base commit (the workspace as it was at the start).")
    result: str = Field(description="The integrated result commit.")
    branch: str | None = Field(default=None, description="Branch holding the result when it was not applied.")
    reason: str | None = Field(default=None, description="Why the result was not applied.")
    merge_command: str | None = Field(default=None, description="Shell command that merges the branch.")
    changes: list[FileChange] = Field(default_factory=list)
    git_dir: str = ""
    workspace: str = ""

    def summary(self) -> str:
        """One paragraph for a final answer."""
        files = f"{len(self.changes)} file(s) changed"
        if self.status == "unchanged":
            return "No files were changed."
        if self.status == "applied":
            return f"{files}, applied to {self.workspace} (undo with `codelab undo`)."
        return (f"{files}; not applied ({self.reason}). The result is on branch {self.branch}; "
                f"to merge it: {self.merge_command}")


class UndoResult(BaseModel):
    plan_id: str
    restored: list[FileChange] = Field(default_factory=list,
                                       description="The plan's changes that were reverted.")
