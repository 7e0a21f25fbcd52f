"""Real git repositories for the git-layer tests, independent of the machine's git config."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

CONFIG = "A = 1\nx = 0\ny = 0\nz = 0\nB = 1\n"


def git(cwd: Path, *args: str, check: bool = True) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    proc = subprocess.run(["git", "-c", "user.name=User", "-c", "user.email=user@example.com",
                           "-c", "init.defaultBranch=main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def make_repo(path: Path, files: dict[str, str] | None = None, commit: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q")
    write(path, files or {"config.py": CONFIG, "README.md": "# project\n"})
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-qm", "initial")
    return path


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (outside ``.git``) with its bytes' digest and mode."""
    digest = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if rel.parts[0] == ".git" or path.is_dir():
            continue
        digest[rel.as_posix()] = f"{oct(path.lstat().st_mode)}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    return digest


def user_state(repo: Path) -> dict[str, object]:
    """What a user would call their git state: index bytes, HEAD, branches, stash, files."""
    dot_git = repo / ".git"
    index = dot_git / "index"
    return {
        "files": tree_digest(repo),
        "index": index.read_bytes() if index.exists() else None,
        "HEAD": (dot_git / "HEAD").read_text(),
        "branches": git(repo, "for-each-ref", "refs/heads", "refs/tags"),
        "stash": git(repo, "stash", "list", check=False),
        "status": git(repo, "--no-optional-locks", "status", "--porcelain=v1", "--untracked-files=all"),
    }
