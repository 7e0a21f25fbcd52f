"""Alembic environment: runs on the engine handed over by :mod:`..migrate`.

Two processes may migrate the same database at once on first use; the
migration transaction takes a lock first (SQLite ``BEGIN IMMEDIATE``, a
PostgreSQL advisory lock) so the second waits and then finds nothing to do.
"""

from alembic import context
from sqlalchemy import create_engine, text

from codelab_orchestrator.persistence.engine import WRITE
from codelab_orchestrator.persistence.models import Base
from codelab_orchestrator.persistence.settings import database_url

MIGRATION_LOCK_KEY = 0x636F64656C6162  # "codelab"

config = context.config
engine = config.attributes.get("engine") or create_engine(database_url())
with engine.connect().execution_options(**WRITE) as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        context.run_migrations()
