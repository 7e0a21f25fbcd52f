"""Names of a plan's refs and files, and its record on disk.

Refs (in the repository that serves the workspace)::

    refs/codelab/<plan>/base                       the workspace at the start
    refs/codelab/<plan>/integration                completed tasks, merged in order
    refs/codelab/<plan>/task/<task>/<attempt>/result  what the attempt produced (once integrated,
                                                      or when it conflicted)
    refs/codelab/<plan>/done/<task>                what dependents of <task> see
    refs/heads/codelab/<plan>                      the result, when not applied

Files (in the data directory)::

    gitspace/plans/<plan>.json                     the plan record (workspace, base, outcome)
    gitspace/plans/<plan>/base.index               the base snapshot's index (a fast seed)
    gitspace/plans/<plan>/attempts/<task>.<n>.json a task attempt's worktree and commits
    gitspace/worktrees/<plan>/<task>.<n>/          a writing task's worktree
    gitspace/worktrees/<plan>/view-<commit>/       a read-only view shared by readers
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from pydantic import BaseModel

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


def safe(name: str) -> str:
    """``name`` when it is a valid ref and file name component, else a reversible hex form."""
    if _SAFE.match(name) and not name.endswith(".lock") and len(name) <= 100:
        return name
    return "x-" + name.encode().hex()[:200]


class Layout:
    def __init__(self, root: Path, plan_id: str):
        self.root = root
        self.plan_id = plan_id
        self.plan = safe(plan_id)

    # refs
    def ref(self, name: str) -> str:
        return f"refs/codelab/{self.plan}/{name}"

    @property
    def base_ref(self) -> str:
        return self.ref("base")

    @property
    def integration_ref(self) -> str:
        return self.ref("integration")

    def result_ref(self, task_id: str, attempt: int) -> str:
        return self.ref(f"task/{safe(task_id)}/{int(attempt)}/result")

    def task_prefix(self, task_id: str) -> str:
        return self.ref(f"task/{safe(task_id)}/")

    def done_ref(self, task_id: str) -> str:
        return self.ref(f"done/{safe(task_id)}")

    @property
    def branch(self) -> str:
        return f"codelab/{self.plan}"

    # files
    @property
    def record_path(self) -> Path:
        return self.root / "plans" / f"{self.plan}.json"

    @property
    def state_dir(self) -> Path:
        return self.root / "plans" / self.plan

    @property
    def base_index(self) -> Path:
        return self.state_dir / "base.index"

    def attempt_path(self, task_id: str, attempt: int) -> Path:
        return self.state_dir / "attempts" / f"{safe(task_id)}.{int(attempt)}.json"

    def attempt_lock(self, task_id: str, attempt: int) -> Path:
        return self.state_dir / "locks" / f"{safe(task_id)}.{int(attempt)}.lock"

    def view_lock(self, commit: str) -> Path:
        return self.state_dir / "locks" / f"view-{commit[:16]}.lock"

    def view_marker(self, commit: str) -> Path:
        return self.state_dir / "views" / f"{commit}.ready"

    @property
    def worktrees_dir(self) -> Path:
        return self.root / "worktrees" / self.plan

    def worktree(self, task_id: str, attempt: int) -> Path:
        return self.worktrees_dir / f"{safe(task_id)}.{int(attempt)}"

    def view(self, commit: str) -> Path:
        return self.worktrees_dir / f"view-{commit[:16]}"


class PlanRecord(BaseModel):
    """What the data directory remembers about a plan (found by ``codelab diff/undo``)."""

    plan_id: str
    thread_id: str | None = None
    owner: str | None = None  # opaque to this package (the CLI scopes by "user/project")
    workspace: str
    git_dir: str
    common_dir: str
    home: str
    private: bool
    base: str
    base_tree: str = ""
    head: str | None = None
    created_at: str
    status: str = "open"  # open | applying | finished | undoing | undone
    outcome: dict[str, Any] | None = None
    finished_at: str | None = None


class AttemptRecord(BaseModel):
    """A task attempt: where it works and what it started from and produced (commit and tree)."""

    task_id: str
    attempt: int
    start: str
    start_tree: str
    path: str | None = None
    ready: bool = False
    result: str | None = None
    result_tree: str | None = None
    baseline: dict | None = None  # the project's tests on ``start``, before the agent worked


def write_json(path: Path, model: BaseModel) -> None:
    """Replace ``path`` atomically: a crash leaves the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(model.model_dump_json(indent=1))
    os.replace(tmp, path)


def read_json(path: Path, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(json.loads(path.read_text()))
    except FileNotFoundError:
        return None


def gitspace_root(data_dir: str | Path) -> Path:
    """Where the git layer keeps its files inside the data directory."""
    return Path(data_dir).expanduser().resolve() / "gitspace"


def find_plans(data_dir: str | Path, key: str, owner: str | None = None) -> list[PlanRecord]:
    """Records (in ``data_dir``) whose thread id or plan id is ``key``, newest first.

    With ``owner``, records opened for another owner are left out.
    """
    plans = gitspace_root(data_dir) / "plans"
    if not plans.is_dir():
        return []
    found = []
    for path in plans.glob("*.json"):
        try:
            record = PlanRecord.model_validate(json.loads(path.read_text()))
        except (OSError, ValueError):
            continue
        if key not in (record.thread_id, record.plan_id):
            continue
        if owner is not None and record.owner not in (None, owner):
            continue
        found.append(record)
    return sorted(found, key=lambda r: r.created_at, reverse=True)
