"""File tools. Each returns text for the model; sandbox and usage problems
raise :class:`WorkspaceError` with a message the model can act on.

Every path goes through :meth:`Workspace.locate` (stays inside after
symlinks; not a protected or ignored file) and every open through
:mod:`.safeio` (no symlink swapped in afterwards, no hard links). Output is
passed through :func:`.redaction.redact`, so a secret of this process that
happens to sit in a workspace file does not reach the model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from . import safeio
from .redaction import redact
from .workspace import Workspace, WorkspaceError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", "__pycache__",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", "build", "dist",
                       "target", ".idea", ".next", ".gradle", ".langgraph_api"})
MAX_LIST_ENTRIES = 500
MAX_READ_LINES = 2000
MAX_READ_BYTES = 2_000_000
MAX_SEARCH_MATCHES = 100
MAX_SEARCH_FILE_BYTES = 1_000_000


def _skipped_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


def _visible(ws: Workspace, rel: PurePosixPath, is_dir: bool) -> bool:
    return ws.policy.refusal(rel.as_posix(), is_dir) is None


def _entries(ws: Workspace, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, bool]]:
    """Visible entries of one directory, (path, is_dir): symlinks only when they stay inside."""
    with safeio.open_dir(ws.root, rel.parts) as dir_fd, os.scandir(dir_fd) as scan:
        names = sorted((e.name, e.is_symlink(), e.is_dir(follow_symlinks=False)) for e in scan)
    for name, is_link, is_dir in names:
        path = rel / name
        if is_link:
            try:
                target = ws.resolve(path.as_posix())
            except WorkspaceError:
                continue
            is_dir = target.is_dir()
            if not _visible(ws, PurePosixPath(ws.relative(target)), is_dir):
                continue
        if is_dir and _skipped_dir(name):
            continue
        if _visible(ws, path, is_dir):
            yield path, is_dir


def _walk_files(ws: Workspace, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, int, str]]:
    """Regular files below ``rel`` as (path, directory descriptor, name); skipped, protected and
    ignored directories are pruned, symlinks are not followed (a file reached through a link
    inside the workspace is found under its own name)."""
    with ws.policy.batch():
        for directory, dirs, files, dir_fd in safeio.walk(ws.root, rel):
            dirs[:] = sorted(d for d in dirs if not _skipped_dir(d)
                             and _visible(ws, directory / d, True))
            for name in sorted(files):
                path = directory / name
                if _visible(ws, path, False):
                    yield path, dir_fd, name


def list_files(ws: Workspace, path: str = ".", recursive: bool = False) -> str:
    rel = ws.locate(path)
    found = safeio.kind(ws.root, rel)
    if found is None:
        raise WorkspaceError(f"{path!r} does not exist")
    if found != "dir":
        return rel.as_posix()
    if recursive:
        entries = [p.as_posix() for p, _, _ in _walk_files(ws, rel)]
    else:
        entries = [p.as_posix() + ("/" if is_dir else "") for p, is_dir in _entries(ws, rel)]
    shown_root = rel.as_posix() if rel.parts else "."
    if not entries:
        return f"{shown_root} is empty"
    shown = entries[:MAX_LIST_ENTRIES]
    note = (f"\n... {len(entries) - len(shown)} more entries not shown; list a subdirectory"
            if len(entries) > len(shown) else "")
    return redact("\n".join(shown) + note)


def read_file(ws: Workspace, path: str, start_line: int = 1, end_line: int | None = None) -> str:
    """Lines ``start_line..end_line`` (1-based, inclusive), clamped to the file: reading past
    the end is not an error."""
    rel = ws.locate(path)
    found = safeio.kind(ws.root, rel)
    if found != "file":
        raise WorkspaceError(f"{path!r} is not a file" + ("" if found else " (it does not exist)"))
    with safeio.open_read(ws.root, rel) as (handle, st):
        head = handle.read(8192)
        size = st.st_size
        if b"\x00" in head:
            return f"{path} is a binary file ({size} bytes); it cannot be shown as text"
        if size > MAX_READ_BYTES and end_line is None:
            return (f"{path} is large ({size} bytes); read it in parts with start_line and "
                    f"end_line (at most {MAX_READ_LINES} lines at a time)")
        data = head + handle.read()
    lines = data.decode(errors="replace").splitlines()
    total = len(lines)
    start = max(1, int(start_line or 1))
    end = total if end_line is None else min(total, int(end_line))
    end = min(end, start + MAX_READ_LINES - 1)
    if total == 0:
        return f"{path} is empty"
    if start > total:
        return f"{path} has {total} lines; nothing at line {start}"
    if end < start:
        return f"{path}: end_line {end_line} is before start_line {start}; the file has {total} lines"
    body = "\n".join(f"{n:>6}\t{lines[n - 1]}" for n in range(start, end + 1))
    header = f"{path} (lines {start}-{end} of {total})"
    more = f"\n... {total - end} more lines" if end < total else ""
    return redact(f"{header}\n{body}{more}")


def _search_text(dir_fd: int, name: str, path: PurePosixPath) -> str | None:
    try:
        fd, st = safeio.open_file_at(dir_fd, name, path)
    except WorkspaceError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if st.st_size > MAX_SEARCH_FILE_BYTES:
            return None
        data = handle.read(MAX_SEARCH_FILE_BYTES + 1)
    if b"\x00" in data[:8192]:
        return None
    return data.decode(errors="replace")


def search_in_code(ws: Workspace, pattern: str, path: str = ".", regex: bool = False) -> str:
    if not pattern:
        raise WorkspaceError("pattern is empty")
    try:
        matcher = re.compile(pattern if regex else re.escape(pattern))
    except re.error as exc:
        raise WorkspaceError(f"invalid regular expression: {exc}") from None
    rel = ws.locate(path)
    found = safeio.kind(ws.root, rel)
    if found is None:
        raise WorkspaceError(f"{path!r} does not exist")
    if found == "dir":
        candidates: Iterator[tuple[PurePosixPath, str | None]] = (
            (p, _search_text(dir_fd, name, p)) for p, dir_fd, name in _walk_files(ws, rel))
    else:
        candidates = iter([(rel, _single_text(ws, rel))])
    matches: list[str] = []
    for file, text in candidates:
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if matcher.search(line):
                matches.append(f"{file.as_posix()}:{number}: {line.strip()[:200]}")
                if len(matches) > MAX_SEARCH_MATCHES:
                    return redact("\n".join(matches[:MAX_SEARCH_MATCHES])
                                  + "\n... more matches not shown; narrow the pattern or path")
    return redact("\n".join(matches)) if matches else f"no matches for {pattern!r}"


def _single_text(ws: Workspace, rel: PurePosixPath) -> str | None:
    with safeio.open_dir(ws.root, rel.parts[:-1]) as dir_fd:
        return _search_text(dir_fd, rel.parts[-1], rel)


def write_file(ws: Workspace, path: str, content: str) -> str:
    """Write atomically (temp file + rename), creating parent directories."""
    rel = ws.locate(path, write=True)
    if not rel.parts or safeio.kind(ws.root, rel) == "dir":
        raise WorkspaceError(f"{path!r} is a directory")
    safeio.write_atomic(ws.root, rel, content.encode())
    return f"wrote {rel.as_posix()} ({len(content.splitlines())} lines)"


def edit_file(ws: Workspace, path: str, old: str, new: str) -> str:
    rel = ws.locate(path, write=True)
    if safeio.kind(ws.root, rel) != "file":
        raise WorkspaceError(f"{path!r} does not exist; use write_file to create it")
    if not old:
        raise WorkspaceError("old text is empty; give the exact text to replace")
    text = safeio.read_bytes(ws.root, rel).decode()
    count = text.count(old)
    if count == 0:
        raise WorkspaceError(f"the old text was not found in {path}; read the file and copy the "
                             "exact text, including indentation")
    if count > 1:
        raise WorkspaceError(f"the old text matches {count} places in {path}; include more "
                             "surrounding lines so it matches exactly one")
    safeio.write_atomic(ws.root, rel, text.replace(old, new, 1).encode())
    return f"edited {rel.as_posix()}: replaced 1 occurrence"


def create_directory(ws: Workspace, path: str) -> str:
    rel = ws.locate(path, write=True)
    if safeio.kind(ws.root, rel) not in (None, "dir"):
        raise WorkspaceError(f"{path!r} exists and is a file")
    existed = safeio.make_dirs(ws.root, rel)
    return f"directory {rel.as_posix() or '.'} {'already exists' if existed else 'created'}"
