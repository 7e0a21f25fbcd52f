"""Alembic migrations of the agents database.

``HEAD_REVISION`` names the newest one so that a process can see the schema is
current with one query on :data:`VERSION_TABLE`, without importing Alembic (a test
keeps it equal to Alembic's own head).
"""

HEAD_REVISION = "0004"
VERSION_TABLE = "codelab_alembic_version"  # not Alembic's default: see env.py
