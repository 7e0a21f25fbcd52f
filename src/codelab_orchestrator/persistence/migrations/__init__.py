"""Alembic migrations of the agents database.

``HEAD_REVISION`` names the newest one so that a process can see the schema
is current with one query, without importing Alembic (a test keeps it equal
to Alembic's own head).
"""

HEAD_REVISION = "0003"
