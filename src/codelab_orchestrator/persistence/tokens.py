"""Bearer tokens for the HTTP server: the only module that issues SQL against ``api_tokens``.

A token is ``cl_`` followed by 256 random bits. Only its SHA-256 is stored, so a
copy of the database does not let anyone call the server; the secret is shown
once, when it is created. A plain hash (no salt, no slow KDF) is enough because
the secret is random and long, not a password a person chose, and it keeps the
per-request check to one indexed lookup. Revoking keeps the row (who had
access, and when it ended) and makes the token fail at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Index, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .engine import WRITE, get_engine
from .models import Base, utcnow

TOKEN_PREFIX = "cl_"
_SECRET_BYTES = 32
_DISPLAY_CHARS = len(TOKEN_PREFIX) + 8
_SCOPE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("secret_hash", name="uq_api_tokens_secret_hash"),
                      Index("ix_api_tokens_user", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(128))
    project_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TokenNotFoundError(LookupError):
    pass


@dataclass(frozen=True)
class TokenRecord:
    id: int
    user_id: str
    project_id: str | None
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "user_id": self.user_id, "project_id": self.project_id,
                "name": self.name, "prefix": self.prefix, "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "active": self.active}


@dataclass(frozen=True)
class TokenIdentity:
    """Who a valid token speaks for: a user, and the one project it is limited to (if any)."""

    user_id: str
    project_id: str | None
    token_id: int


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scope_id(value: str, what: str) -> str:
    if not _SCOPE_ID.match(value):
        raise ValueError(f"{what} {value!r} is not valid: 1-128 letters, digits or . _ @ -, "
                         "starting with a letter or digit")
    return value


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: ApiToken) -> TokenRecord:
    created = _aware(row.created_at)
    assert created is not None
    return TokenRecord(id=row.id, user_id=row.user_id, project_id=row.project_id, name=row.name,
                       prefix=row.prefix, created_at=created, revoked_at=_aware(row.revoked_at))


class TokenRepository:
    def __init__(self, engine: Engine | None = None):
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine or get_engine()

    def create(self, user_id: str, project_id: str | None = None,
               name: str | None = None) -> tuple[TokenRecord, str]:
        """A new token for ``user_id`` (limited to ``project_id`` if given): its record and secret."""
        check_scope_id(user_id, "user")
        if project_id is not None:
            check_scope_id(project_id, "project")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)
        row = ApiToken(user_id=user_id, project_id=project_id, name=(name or "")[:128],
                       prefix=secret[:_DISPLAY_CHARS], secret_hash=hash_secret(secret))
        with Session(self.engine.execution_options(**WRITE)) as session, session.begin():
            session.add(row)
            session.flush()
            record = _record(row)
        return record, secret

    def list(self, user_id: str | None = None, *, include_revoked: bool = True) -> list[TokenRecord]:
        query = select(ApiToken).order_by(ApiToken.id)
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        if not include_revoked:
            query = query.where(ApiToken.revoked_at.is_(None))
        with Session(self.engine) as session:
            return [_record(row) for row in session.scalars(query)]

    def revoke(self, token: str | int) -> TokenRecord:
        """Revoke by id, by the displayed prefix, or by the secret itself. Idempotent."""
        with Session(self.engine.execution_options(**WRITE)) as session, session.begin():
            rows = session.scalars(self._lookup(token)).all()
            if not rows:
                raise TokenNotFoundError(f"no token {token!r} (see `codelab tokens list`)")
            if len(rows) > 1:
                raise ValueError(f"{token!r} matches {len(rows)} tokens: revoke by id")
            row = rows[0]
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            session.flush()
            return _record(row)

    def verify(self, secret: str) -> TokenIdentity | None:
        """The identity of an active token, else None (unknown, malformed or revoked)."""
        if not secret.startswith(TOKEN_PREFIX) or not 20 <= len(secret) <= 200:
            return None
        query = select(ApiToken.id, ApiToken.user_id, ApiToken.project_id).where(
            ApiToken.secret_hash == hash_secret(secret), ApiToken.revoked_at.is_(None))
        with Session(self.engine) as session:
            row = session.execute(query).first()
        if row is None:
            return None
        return TokenIdentity(user_id=row.user_id, project_id=row.project_id, token_id=row.id)

    @staticmethod
    def _lookup(token: str | int):  # type: ignore[no-untyped-def]
        if isinstance(token, int) or (isinstance(token, str) and token.isdigit()):
            return select(ApiToken).where(ApiToken.id == int(token))
        if len(token) > _DISPLAY_CHARS:
            return select(ApiToken).where(ApiToken.secret_hash == hash_secret(token))
        return select(ApiToken).where(ApiToken.prefix == token)
