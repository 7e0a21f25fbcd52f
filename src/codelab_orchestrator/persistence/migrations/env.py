"""Alembic environment: runs on the engine handed over by :mod:`..migrate`.

Any number of processes may migrate the same database at once on first use:
everything below runs under a cross-process lock (a PostgreSQL advisory lock, a
file lock for SQLite; see :mod:`..locks`), so the first one migrates and the
others then find nothing to do.

Our revisions live in their own version table, ``codelab_alembic_version``, so a
LangGraph runtime (or any other Alembic user) keeping its revisions in the default
``alembic_version`` can share the database. A database migrated before that
recorded our revision in ``alembic_version``: the record is moved first.
"""

from alembic import context
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, create_engine, inspect

from codelab_orchestrator.persistence.engine import WRITE
from codelab_orchestrator.persistence.locks import setup_lock
from codelab_orchestrator.persistence.migrate import LEGACY_VERSION_TABLE, LOCK_NAME, VERSION_TABLE
from codelab_orchestrator.persistence.models import Base
from codelab_orchestrator.persistence.settings import database_url


def _version_table(name: str) -> Table:
    # The shape Alembic itself gives a version table.
    return Table(name, MetaData(), Column("version_num", String(32), nullable=False),
                 PrimaryKeyConstraint("version_num", name=f"{name}_pkc"))


def adopt_legacy_version(connection, our_revisions: set[str]) -> None:
    """Move our revision from ``alembic_version`` into ``codelab_alembic_version``; drop the
    old table if nothing else is recorded in it. Other tools' revisions are left alone."""
    inspector = inspect(connection)
    if not inspector.has_table(LEGACY_VERSION_TABLE):
        return
    legacy = _version_table(LEGACY_VERSION_TABLE)
    ours = [v for v in connection.scalars(legacy.select()) if v in our_revisions]
    if not ours:
        return
    table = _version_table(VERSION_TABLE)
    table.create(connection, checkfirst=True)
    if connection.scalar(table.select().limit(1)) is None:
        connection.execute(table.insert(), [{"version_num": v} for v in ours])
    connection.execute(legacy.delete().where(legacy.c.version_num.in_(ours)))
    if connection.scalar(legacy.select().limit(1)) is None:
        legacy.drop(connection)


config = context.config
engine = config.attributes.get("engine") or create_engine(database_url())
url = engine.url.render_as_string(hide_password=False)
with setup_lock(url, LOCK_NAME):
    with engine.execution_options(**WRITE).begin() as connection:
        adopt_legacy_version(connection, {s.revision for s in context.script.walk_revisions()})
    with engine.connect().execution_options(**WRITE) as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            version_table=VERSION_TABLE,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
