"""The tables: ``user_agents`` (the one agents table) and ``sessions`` (SQLAlchemy 2.0 ORM).

Orchestrators are rows of ``user_agents`` too (role ``orchestrator``), with their
settings in ``config``: there is no second table to keep in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Index, Integer, String, Text, UniqueConstraint
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
    # Bumped by every ORM update, which also checks it (``UPDATE ... WHERE version = old``):
    # a write based on a stale read fails instead of overwriting (see repository.update).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}


class SessionRow(Base):
    """One session (LangGraph thread) and who may run it right now.

    Scoped by ``(user_id, project_id)`` like the agents. ``status`` is how the last
    run ended (``new`` before the first); whether a run is going on now is the lease:
    ``lease_owner`` holds it until ``lease_expires_at`` unless it renews it.
    """

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_scope_updated", "user_id", "project_id", "updated_at"),)

    thread_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128))
    project_id: Mapped[str] = mapped_column(String(128))
    workspace: Mapped[str | None] = mapped_column(Text, nullable=True)
    orchestrator: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_request: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="new", server_default="new")
    lease_owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
