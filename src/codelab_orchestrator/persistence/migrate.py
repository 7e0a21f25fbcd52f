"""Alembic, driven from code: the migrations ship inside the package.

``codelab db upgrade`` and first use both call :func:`upgrade`; the schema is
never created with ``metadata.create_all`` so the two paths cannot drift.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from .migrations import VERSION_TABLE  # noqa: F401 - defined there, to be read without Alembic

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
LEGACY_VERSION_TABLE = "alembic_version"
LOCK_NAME = "alembic-migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    command.downgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    """The newest revision the package ships (what :func:`upgrade` reaches)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
