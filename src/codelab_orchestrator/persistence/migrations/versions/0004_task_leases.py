"""Create the task_leases table: which worker may write a task attempt's results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_leases",
        # The attempt's thread id: "<session thread>:task:<plan>:<task>:<attempt>".
        sa.Column("key", sa.Text(), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=False),
        # Raised by every acquisition: a worker still holding an older epoch has lost it.
        sa.Column("epoch", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_task_leases_expires_at", "task_leases", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_task_leases_expires_at", table_name="task_leases")
    op.drop_table("task_leases")
