"""Which workspace paths the file tools refuse: secrets by name, and ignored files.

Two sources, both gitignore-style patterns matched against the
workspace-relative path (so ``.env*`` matches at any depth):

- the deny-list: :data:`DEFAULT_DENY` (environment files, private keys,
  credential stores, the ``.git`` directory whose hooks and config would run
  code outside the sandbox) plus the agent row's ``deny_files``;
- ignore files: ``.gitignore`` and ``.codelabignore`` in the workspace root
  and in every directory on the way to the path (a deeper file overrides a
  shallower one, as git does). Ignored files are build output, virtualenvs,
  local configuration, and what the user has asked agents to keep out of.

The patterns are read on every check that needs them but parsed once per
(file, mtime): a check costs a few microseconds.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import PurePosixPath

import pathspec

SECRET_PATTERNS: tuple[str, ...] = (
    # environment files (.env, .env.local, .envrc, prod.env)
    ".env*", "*.env",
    # private keys and key stores
    "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.kdbx", "*.ppk",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    # credential files of common tools
    ".netrc", "_netrc", ".pgpass", ".pypirc", ".npmrc", ".git-credentials",
    ".htpasswd", "credentials", "credentials.*", "*.credentials", "service-account*.json",
    "secrets.json", "secrets.yml", "secrets.yaml", "secrets.toml", "secrets.ini", ".secrets",
    # directories that hold little else
    ".ssh/", ".aws/", ".gnupg/", ".docker/", ".kube/", ".azure/", ".config/gcloud/",
)
# Git metadata: hooks and config are run by git outside the sandbox. Commands see it
# read-only (git status, diff, log); file tools do not touch it.
GIT_PATTERNS: tuple[str, ...] = (".git/", ".git")
DEFAULT_DENY: tuple[str, ...] = SECRET_PATTERNS + GIT_PATTERNS
IGNORE_FILES: tuple[str, ...] = (".gitignore", ".codelabignore")
MAX_IGNORE_FILE_BYTES = 256_000


class Patterns:
    """A gitignore spec with a one-regex pre-check: most paths match no pattern at all, and
    one combined ``re.match`` answers that ~20x faster than trying each pattern in turn."""

    def __init__(self, lines: Iterable[str]):
        self.spec = pathspec.GitIgnoreSpec.from_lines(list(lines))
        sources = [p.regex.pattern.replace("(?P<ps_d>", "(?:") for p in self.spec.patterns
                   if getattr(p, "regex", None) is not None and p.include is not None]
        self._any = re.compile("|".join(f"(?:{r})" for r in sources)) if sources else None

    def check(self, path: str) -> bool | None:
        """True: excluded; False: re-included by a ``!`` pattern; None: no pattern matches."""
        if self._any is None or not self._any.match(path):
            return None
        return self.spec.check_file(path).include

    def matches(self, path: str) -> bool:
        return bool(self.check(path))


@lru_cache(maxsize=64)
def _spec(patterns: tuple[str, ...]) -> Patterns:
    return Patterns(patterns)


@lru_cache(maxsize=1024)
def _ignore_file(path: str, mtime_ns: int, size: int) -> Patterns | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        lines = handle.read(MAX_IGNORE_FILE_BYTES).decode("utf-8", "replace").splitlines()
    return Patterns(lines) if lines else None


class FilePolicy:
    """The deny-list and ignore files of one workspace.

    ``refusal(rel)`` is the one question file tools ask: ``None`` when the
    path may be touched, else the reason in words the model can act on.
    """

    def __init__(self, root: str | os.PathLike[str], deny: Iterable[str] = ()):
        self.root = os.fspath(root)
        self.extra_deny = tuple(p for p in deny if p and p.strip())
        self._deny = _spec(DEFAULT_DENY + self.extra_deny)
        self._secret = _spec(SECRET_PATTERNS + self.extra_deny)
        self._memo: dict[str, Patterns | None] | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Within a walk, look each ignore file up once (outside, every check re-reads them,
        so an edited ``.gitignore`` counts at once)."""
        self._memo = {}
        try:
            yield
        finally:
            self._memo = None

    def denied(self, rel: str, is_dir: bool = False) -> bool:
        return self._deny.matches(_as_dir(rel) if is_dir else rel)

    def ignored_by(self, rel: str, is_dir: bool = False,
                   names: tuple[str, ...] = IGNORE_FILES) -> str | None:
        """The ignore file that excludes ``rel`` (checked at every level on the way), or None."""
        parts = PurePosixPath(rel).parts
        verdict: tuple[bool, str] | None = None
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            tail = "/".join(parts[depth:])
            candidate = _as_dir(tail) if is_dir else tail
            for name in names:
                spec = self._spec_at(base, name)
                if spec is None:
                    continue
                result = spec.check(candidate)
                if result is not None:
                    verdict = (result, f"{base}/{name}" if base else name)
        return verdict[1] if verdict and verdict[0] else None

    def refusal(self, rel: str, is_dir: bool = False) -> str | None:
        if rel in ("", "."):
            return None
        if self.denied(rel, is_dir):
            return (f"{rel!r} is a protected file (secrets, keys, credentials or git metadata); "
                    "file tools do not read or write it")
        source = self.ignored_by(rel, is_dir)
        if source:
            return f"{rel!r} is excluded by {source}; file tools do not read or write ignored files"
        return None

    def hidden_from_commands(self, rel: str, is_dir: bool = False,
                             check_ignore: bool = True) -> bool:
        """Masked inside the command sandbox: secret patterns (not git metadata, which git
        itself needs) and what ``.codelabignore`` keeps away from agents (``check_ignore``
        False: the caller knows no ``.codelabignore`` is on the way)."""
        candidate = _as_dir(rel) if is_dir else rel
        if self._secret.matches(candidate):
            return True
        return check_ignore and self.ignored_by(rel, is_dir, names=(".codelabignore",)) is not None

    def _spec_at(self, base: str, name: str) -> Patterns | None:
        path = os.path.join(self.root, base, name)
        if self._memo is not None and path in self._memo:
            return self._memo[path]
        try:
            st = os.stat(path, follow_symlinks=False)
            found = _ignore_file(path, st.st_mtime_ns, st.st_size) if stat.S_ISREG(st.st_mode) else None
        except OSError:
            found = None
        if self._memo is not None:
            self._memo[path] = found
        return found


def _as_dir(rel: str) -> str:
    return rel if rel.endswith("/") else rel + "/"
