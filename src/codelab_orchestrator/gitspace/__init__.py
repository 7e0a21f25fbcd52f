"""The git layer: parallel writers never share a directory (DESIGN §1).

Knows nothing of graphs, nodes or agents; it runs the real ``git``.

* A plan has a **base**: the workspace's content when the plan opened
  (committed or not), on ``refs/codelab/<plan>/base``. A workspace without
  git gets a private repository in the data directory; no ``.git`` appears.
* A writing task works in its own **worktree** (in the data directory) made
  from the base merged with its dependencies' integrated results; a read-only
  task reads a shared view of the same commit.
* Completion is a **commit** (author: the agent); the orchestrator
  **integrates** completed tasks into ``refs/codelab/<plan>/integration``
  (three-way merge; a conflict reports paths and hunks and moves nothing).
* At the end the result is **applied** to the workspace if the files it changes
  were not edited meanwhile, else kept on branch ``codelab/<plan>``; an applied
  plan can be **undone**.

Entry point: :class:`PlanSpace`.
"""

from .git import GitError
from .layout import PlanRecord, find_plans
from .models import ApplyResult, Conflict, FileChange, MergeResult, UndoResult
from .outcome import PlanSpace
from .plan import DEFAULT_POOL_SIZE, GitSpaceError

__all__ = [
    "DEFAULT_POOL_SIZE",
    "ApplyResult",
    "Conflict",
    "FileChange",
    "GitError",
    "GitSpaceError",
    "MergeResult",
    "PlanRecord",
    "PlanSpace",
    "UndoResult",
    "find_plans",
]
