"""File tools. Each returns text for the model; sandbox and usage problems
raise :class:`WorkspaceError` with a message the model can act on."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .workspace import Workspace, WorkspaceError

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "env", "__pycache__",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", "build", "dist",
                       "target", ".idea", ".next", ".gradle", ".langgraph_api"})
MAX_LIST_ENTRIES = 500
MAX_READ_LINES = 2000
MAX_READ_BYTES = 2_000_000
MAX_SEARCH_MATCHES = 100
MAX_SEARCH_FILE_BYTES = 1_000_000


def _is_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\x00" in handle.read(8192)


def _walk(root: Path) -> Iterator[Path]:
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            yield Path(directory) / name


def list_files(ws: Workspace, path: str = ".", recursive: bool = False) -> str:
    target = ws.resolve(path)
    if not target.exists():
        raise WorkspaceError(f"{path!r} does not exist")
    if target.is_file():
        return ws.relative(target)
    if recursive:
        entries = [ws.relative(p) for p in _walk(target)]
    else:
        entries = [ws.relative(p) + ("/" if p.is_dir() else "") for p in sorted(target.iterdir())
                   if p.name not in SKIP_DIRS]
    if not entries:
        return f"{ws.relative(target)} is empty"
    shown = entries[:MAX_LIST_ENTRIES]
    note = (f"\n... {len(entries) - len(shown)} more entries not shown; list a subdirectory"
            if len(entries) > len(shown) else "")
    return "\n".join(shown) + note


def read_file(ws: Workspace, path: str, start_line: int = 1, end_line: int | None = None) -> str:
    """Lines ``start_line..end_line`` (1-based, inclusive), clamped to the file: reading past
    the end is not an error."""
    target = ws.resolve(path)
    if not target.is_file():
        raise WorkspaceError(f"{path!r} is not a file" + ("" if target.exists() else " (it does not exist)"))
    size = target.stat().st_size
    if _is_binary(target):
        return f"{path} is a binary file ({size} bytes); it cannot be shown as text"
    if size > MAX_READ_BYTES and end_line is None:
        return (f"{path} is large ({size} bytes); read it in parts with start_line and end_line "
                f"(at most {MAX_READ_LINES} lines at a time)")
    lines = target.read_text(errors="replace").splitlines()
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
    return f"{header}\n{body}{more}"


def search_in_code(ws: Workspace, pattern: str, path: str = ".", regex: bool = False) -> str:
    if not pattern:
        raise WorkspaceError("pattern is empty")
    try:
        matcher = re.compile(pattern if regex else re.escape(pattern))
    except re.error as exc:
        raise WorkspaceError(f"invalid regular expression: {exc}") from None
    target = ws.resolve(path)
    files = [target] if target.is_file() else _walk(target)
    matches: list[str] = []
    for file in files:
        try:
            if file.stat().st_size > MAX_SEARCH_FILE_BYTES or _is_binary(file):
                continue
            text = file.read_text(errors="replace")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if matcher.search(line):
                matches.append(f"{ws.relative(file)}:{number}: {line.strip()[:200]}")
                if len(matches) > MAX_SEARCH_MATCHES:
                    return "\n".join(matches[:MAX_SEARCH_MATCHES]) + \
                        "\n... more matches not shown; narrow the pattern or path"
    return "\n".join(matches) if matches else f"no matches for {pattern!r}"


def write_file(ws: Workspace, path: str, content: str) -> str:
    """Write atomically (temp file + rename), creating parent directories."""
    target = ws.resolve(path)
    if target == ws.root or target.is_dir():
        raise WorkspaceError(f"{path!r} is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        if target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return f"wrote {ws.relative(target)} ({len(content.splitlines())} lines)"


def edit_file(ws: Workspace, path: str, old: str, new: str) -> str:
    target = ws.resolve(path)
    if not target.is_file():
        raise WorkspaceError(f"{path!r} does not exist; use write_file to create it")
    if not old:
        raise WorkspaceError("old text is empty; give the exact text to replace")
    text = target.read_text()
    count = text.count(old)
    if count == 0:
        raise WorkspaceError(f"the old text was not found in {path}; read the file and copy the "
                             "exact text, including indentation")
    if count > 1:
        raise WorkspaceError(f"the old text matches {count} places in {path}; include more "
                             "surrounding lines so it matches exactly one")
    write_file(ws, path, text.replace(old, new, 1))
    return f"edited {ws.relative(target)}: replaced 1 occurrence"


def create_directory(ws: Workspace, path: str) -> str:
    target = ws.resolve(path)
    if target.is_file():
        raise WorkspaceError(f"{path!r} exists and is a file")
    existed = target.is_dir()
    target.mkdir(parents=True, exist_ok=True)
    return f"directory {ws.relative(target)} {'already exists' if existed else 'created'}"
