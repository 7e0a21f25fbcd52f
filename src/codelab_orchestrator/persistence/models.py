"""The one agents table, ``user_agents`` (SQLAlchemy 2.0 typed ORM).

Orchestrators are rows here too (role ``orchestrator``), with their settings
in ``config``: there is no second table to keep in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Index, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .schemas import AgentRole, AgentStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


def _enum(enum_cls: type) -> Enum:
    # Stored as plain strings (values, not names) so adding a role is a code
    # change, not an ALTER TYPE on PostgreSQL.
    return Enum(
        enum_cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UserAgent(Base):
    __tablename__ = "user_agents"
    __table_args__ = (
        UniqueConstraint("user_id", "project_id", "name", name="uq_user_agents_scope_name"),
        Index("ix_user_agents_scope_role", "user_id", "project_id", "role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128))
    project_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[AgentRole] = mapped_column(_enum(AgentRole))
    config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[AgentStatus] = mapped_column(_enum(AgentStatus), default=AgentStatus.READY)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
