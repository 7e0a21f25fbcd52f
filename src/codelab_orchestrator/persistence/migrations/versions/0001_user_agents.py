"""Create the user_agents table.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("orchestrator", "architect", "coder", "debug", "ask", "universal", "custom")
STATUSES = ("ready", "busy", "error", "disabled")


def upgrade() -> None:
    op.create_table(
        "user_agents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("project_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column(
            "role",
            sa.Enum(*ROLES, name="agentrole", native_enum=False, length=20, create_constraint=True),
            nullable=False,
        ),
        sa.Column("config", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="agentstatus", native_enum=False, length=20, create_constraint=True),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "project_id", "name", name="uq_user_agents_scope_name"),
    )
    op.create_index("ix_user_agents_scope_role", "user_agents", ["user_id", "project_id", "role"])


def downgrade() -> None:
    op.drop_index("ix_user_agents_scope_role", table_name="user_agents")
    op.drop_table("user_agents")
