"""Three-way merges without a worktree or an index: ``git merge-tree --write-tree``.

The merged tree is written to the object store even when there are conflicts
(with conflict markers in the files), which is how the conflicting hunks are
reported and how a resolver's worktree can start from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import git
from .models import Conflict
from .repo import Repo

CONTEXT_LINES = 2
MAX_HUNKS_PER_FILE = 8
MAX_HUNK_LINES = 40


@dataclass
class TreeMerge:
    tree: str
    clean: bool
    conflicts: list[Conflict] = field(default_factory=list)


def merge_trees(repo: Repo, ours: str, theirs: str) -> TreeMerge:
    """Merge the commits named ``ours`` and ``theirs`` (ref names label the conflict markers)."""
    proc = repo.run(["merge-tree", "--write-tree", "-z", "--name-only", ours, theirs], ok=(0, 1))
    fields = git.split_z(proc.stdout)
    tree = fields[0]
    if proc.returncode == 0:
        return TreeMerge(tree, True)
    names: list[str] = []
    i = 1
    while i < len(fields) and fields[i] != "":
        if fields[i] not in names:
            names.append(fields[i])
        i += 1
    messages = _messages(fields[i + 1:])
    conflicts = []
    for path in names:
        kind, message = next(((k, m) for paths, k, m in messages if path in paths and
                              k.startswith("CONFLICT")), ("CONFLICT", ""))
        conflicts.append(Conflict(path=path, kind=kind, message=message.strip(),
                                  hunks=_hunks(repo, tree, path)))
    return TreeMerge(tree, False, conflicts)


def _messages(fields: list[str]) -> list[tuple[list[str], str, str]]:
    """Parse ``<count> <path>... <type> <message>`` groups of merge-tree's -z output."""
    found = []
    i = 0
    while i < len(fields):
        try:
            count = int(fields[i])
        except ValueError:
            break
        paths = fields[i + 1:i + 1 + count]
        rest = fields[i + 1 + count:i + 3 + count] + ["", ""]
        kind, message = rest[0], rest[1]
        found.append((paths, kind, message))
        i += 3 + count
    return found


def _hunks(repo: Repo, tree: str, path: str) -> list[str]:
    """The regions between conflict markers in the merged file, with a little context."""
    proc = repo.run(["cat-file", "blob", f"{tree}:{path}"], ok=(0, 128), text=False)
    if proc.returncode != 0 or b"\0" in proc.stdout[:8000]:
        return []
    lines = proc.stdout.decode(errors="replace").splitlines()
    hunks: list[str] = []
    i = 0
    while i < len(lines) and len(hunks) < MAX_HUNKS_PER_FILE:
        if lines[i].startswith("<<<<<<< "):
            start = max(0, i - CONTEXT_LINES)
            end = i
            while end < len(lines) and not lines[end].startswith(">>>>>>> "):
                end += 1
            region = lines[start:end + 1]
            if len(region) > MAX_HUNK_LINES:
                cut = len(region) - MAX_HUNK_LINES + 1
                region = [*region[:MAX_HUNK_LINES - 1], f"[... {cut} more lines]", region[-1]]
            hunks.append(f"@@ line {i + 1} @@\n" + "\n".join(region))
            i = end + 1
        else:
            i += 1
    return hunks
