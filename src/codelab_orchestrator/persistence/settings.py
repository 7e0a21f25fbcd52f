"""Where data lives: resolved from the environment on every call.

Read lazily (not at import) so tests and the CLI can point ``CODELAB_HOME`` or
``DATABASE_URL`` somewhere else before first use.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "openai:gpt-4.1-mini"


class DataDirError(ValueError):
    """The data directory cannot be used (a file, not creatable, not writable)."""


def data_dir() -> Path:
    """The per-user data directory (``CODELAB_HOME``, else ``~/.codelab``), created on demand."""
    raw = os.environ.get("CODELAB_HOME", "").strip()
    path = Path(raw or Path.home() / ".codelab").expanduser()
    where = f"CODELAB_HOME={raw}" if raw else f"the data directory {path}"
    if path.exists() and not path.is_dir():
        raise DataDirError(f"{where} is a file, not a directory: set CODELAB_HOME to a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"cannot create {where}: {exc.strerror}; "
                           "set CODELAB_HOME to a writable directory") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"{where} is not writable: set CODELAB_HOME to a writable directory")
    return path


def database_url() -> str:
    """SQLAlchemy URL of the agents database; a SQLite file in :func:`data_dir` by default."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalize_sqlalchemy_url(url)
    return f"sqlite:///{data_dir() / 'codelab.sqlite'}"


def checkpoint_url() -> str:
    """Where sessions are checkpointed: ``CODELAB_CHECKPOINT_URL``, else next to the agents table.

    PostgreSQL shares the agents database; SQLite gets its own file in the same
    directory so the checkpointer's connection never contends with the ORM's.
    """
    explicit = os.environ.get("CODELAB_CHECKPOINT_URL")
    if explicit:
        return explicit
    url = database_url()
    if is_postgres(url):
        return url
    db_file = sqlite_path(url)
    if db_file is None:  # in-memory agents database: keep sessions in memory too
        return "sqlite:///:memory:"
    return f"sqlite:///{db_file.with_name('checkpoints.sqlite')}"


def default_model() -> str:
    """Model string for new agent rows: ``CODELAB_MODEL``, else ``openai:gpt-4.1-mini``."""
    return os.environ.get("CODELAB_MODEL") or DEFAULT_MODEL


def default_user() -> str:
    return os.environ.get("CODELAB_USER") or "local"


def default_project() -> str:
    return os.environ.get("CODELAB_PROJECT") or "local"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def normalize_sqlalchemy_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and use the psycopg 3 driver for both."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def libpq_url(url: str) -> str:
    """The plain ``postgresql://`` form psycopg itself expects (no SQLAlchemy driver suffix)."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else url


def sqlite_path(url: str) -> Path | None:
    """File path of a ``sqlite:///`` URL, or None for an in-memory database."""
    _, _, rest = url.partition(":///")
    if not rest or rest == ":memory:" or rest.startswith("file::memory:"):
        return None
    return Path(rest.split("?", 1)[0])
