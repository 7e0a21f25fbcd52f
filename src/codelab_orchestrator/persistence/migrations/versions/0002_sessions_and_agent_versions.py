"""Sessions (one row per thread, with its run lease) and a version number per agent row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Optimistic concurrency for whole-config writes (`codelab agents update --if-version N`).
    with op.batch_alter_table("user_agents") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "sessions",
        sa.Column("thread_id", sa.String(128), primary_key=True),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("project_id", sa.String(128), nullable=False),
        sa.Column("workspace", sa.Text(), nullable=True),
        sa.Column("orchestrator", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_request", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("lease_owner", sa.String(255), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_sessions_scope_updated", "sessions",
                    ["user_id", "project_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_sessions_scope_updated", table_name="sessions")
    op.drop_table("sessions")
    with op.batch_alter_table("user_agents") as batch:
        batch.drop_column("version")
