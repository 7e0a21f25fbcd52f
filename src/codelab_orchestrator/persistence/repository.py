"""The agents repository: the only module that issues SQL against ``user_agents``.

Every method takes ``(user_id, project_id)`` first and every statement filters
by both, so no call can see or touch another user's or project's row, not even
by a known id. Results are immutable :class:`AgentRecord` values, never live
ORM objects, so callers cannot write behind the repository's back.

Writes are atomic under concurrency. A partial update reads, merges and writes
the row under a row lock (``SELECT ... FOR UPDATE``), so twenty concurrent
updates of twenty different fields keep all twenty; every write bumps the row's
``version``, and a caller that sends a whole config it read earlier passes
``if_version`` and gets :class:`AgentVersionConflictError` instead of
overwriting a newer one. On PostgreSQL the writes of one project also take a
per-project advisory transaction lock first: the "exactly one default
orchestrator" rule spans several rows, and rows another transaction inserts are
invisible to a row lock. On SQLite every write transaction is ``BEGIN
IMMEDIATE`` (see :mod:`.engine`), which serialises writers on its own.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .defaults import DEFAULT_AGENTS
from .engine import WRITE, get_engine
from .locks import advisory_key
from .models import UserAgent, utcnow
from .schemas import (
    AgentConfig,
    AgentRole,
    AgentStatus,
    OrchestratorConfig,
    validate_config,
)


class AgentNotFoundError(LookupError):
    pass


class AgentExistsError(ValueError):
    pass


class AgentVersionConflictError(ValueError):
    """The row changed since the caller read it (``if_version`` is not its version)."""

    def __init__(self, agent: int | str, expected: int | None, actual: int | None):
        self.expected, self.actual = expected, actual
        where = f": it is at version {actual}, not {expected}" if actual is not None else ""
        super().__init__(f"agent {agent!r} was changed meanwhile{where}; nothing was written. "
                         "Read it again (codelab agents show) and retry")


class AgentRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    user_id: str
    project_id: str
    name: str
    role: AgentRole
    config: AgentConfig
    status: AgentStatus
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def enabled(self) -> bool:
        return self.status is not AgentStatus.DISABLED

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no time zone; every timestamp written here is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record(row: UserAgent) -> AgentRecord:
    return AgentRecord(
        id=row.id,
        user_id=row.user_id,
        project_id=row.project_id,
        name=row.name,
        role=row.role,
        config=validate_config(row.role, row.config),
        status=row.status,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        version=row.version,
    )


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


class AgentRepository:
    def __init__(self, engine: Engine | None = None):
        self.engine = engine or get_engine()
        self._write_engine = self.engine.execution_options(**WRITE)

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        bind = self._write_engine if write else self.engine
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    @staticmethod
    def _scoped(user_id: str, project_id: str) -> Any:
        return select(UserAgent).where(
            UserAgent.user_id == user_id, UserAgent.project_id == project_id
        )

    @staticmethod
    def _lock_project(session: Session, user_id: str, project_id: str) -> None:
        """Serialise the writes of one project's agents (PostgreSQL; a no-op on SQLite,
        whose write transactions are already exclusive). Taken first, before any row lock,
        so writers never wait for each other in a cycle."""
        if session.get_bind().dialect.name == "postgresql":
            key = advisory_key(f"agents:{user_id}\x1f{project_id}")
            session.execute(select(func.pg_advisory_xact_lock(key)))

    def _row(self, session: Session, user_id: str, project_id: str, agent: int | str, *,
             lock: bool = False) -> UserAgent:
        query = self._scoped(user_id, project_id)
        if lock:
            query = query.with_for_update()
        if isinstance(agent, int) or (isinstance(agent, str) and agent.isdigit()):
            query = query.where(UserAgent.id == int(agent))
        else:
            query = query.where(UserAgent.name == agent)
        row = session.scalars(query).first()
        if row is None:
            raise AgentNotFoundError(f"no agent {agent!r} in {user_id}/{project_id}")
        return row

    # -- reads ---------------------------------------------------------------

    def get(self, user_id: str, project_id: str, agent: int | str) -> AgentRecord:
        """One agent by id or by name."""
        with self._session() as session:
            return _record(self._row(session, user_id, project_id, agent))

    def list(
        self, user_id: str, project_id: str, role: AgentRole | str | None = None
    ) -> builtins.list[AgentRecord]:
        query = self._scoped(user_id, project_id).order_by(UserAgent.id)
        if role is not None:
            query = query.where(UserAgent.role == AgentRole(role))
        with self._session() as session:
            return [_record(row) for row in session.scalars(query)]

    def get_agents_by_role(
        self, user_id: str, project_id: str, role: AgentRole | str, *, enabled_only: bool = False
    ) -> builtins.list[AgentRecord]:
        agents = self.list(user_id, project_id, role)
        return [a for a in agents if a.enabled] if enabled_only else agents

    def find_agent_by_role(
        self, user_id: str, project_id: str, role: AgentRole | str
    ) -> AgentRecord | None:
        """The agent to run for ``role``: an enabled one, ``ready`` before ``busy``/``error``."""
        rank = {AgentStatus.READY: 0, AgentStatus.BUSY: 1, AgentStatus.ERROR: 2}
        enabled = self.get_agents_by_role(user_id, project_id, role, enabled_only=True)
        return min(enabled, key=lambda a: (rank[a.status], a.id), default=None)

    def get_orchestrator(
        self, user_id: str, project_id: str, name: str | None = None
    ) -> AgentRecord:
        """The named orchestrator row, or the project's default one."""
        try:
            return pick_orchestrator(self.list(user_id, project_id, AgentRole.ORCHESTRATOR), name)
        except AgentNotFoundError as exc:
            raise AgentNotFoundError(f"{exc} in {user_id}/{project_id}") from None

    # -- writes --------------------------------------------------------------

    def create(
        self,
        user_id: str,
        project_id: str,
        *,
        name: str,
        role: AgentRole | str,
        config: dict[str, Any] | None = None,
        status: AgentStatus | str = AgentStatus.READY,
    ) -> AgentRecord:
        role = AgentRole(role)
        validated = validate_config(role, config)
        if not name or not name.strip() or name.isdigit():
            raise ValueError("name: must be a non-empty string that is not a number")
        row = UserAgent(
            user_id=user_id,
            project_id=project_id,
            name=name.strip(),
            role=role,
            config=validated.model_dump(mode="json"),
            status=AgentStatus(status),
        )
        try:
            with self._session(write=True) as session:
                self._lock_project(session, user_id, project_id)
                session.add(row)
                session.flush()
                if role is AgentRole.ORCHESTRATOR:
                    self._keep_one_default(session, user_id, project_id, changed=row)
        except IntegrityError:
            raise AgentExistsError(
                f"name: an agent named {name!r} already exists in {user_id}/{project_id}"
            ) from None
        return _record(row)

    def update(
        self,
        user_id: str,
        project_id: str,
        agent: int | str,
        *,
        config: dict[str, Any] | None = None,
        replace_config: bool = False,
        status: AgentStatus | str | None = None,
        name: str | None = None,
        if_version: int | None = None,
    ) -> AgentRecord:
        """Change an agent atomically; ``config`` is merged into the current one unless
        ``replace_config``. With ``if_version`` the write happens only if the row is still
        at that version (else :class:`AgentVersionConflictError`, nothing written)."""
        try:
            with self._session(write=True) as session:
                self._lock_project(session, user_id, project_id)
                row = self._row(session, user_id, project_id, agent, lock=True)
                if if_version is not None and row.version != if_version:
                    raise AgentVersionConflictError(agent, if_version, row.version)
                if config is not None:
                    new_config = config if replace_config else _deep_merge(row.config, config)
                    row.config = validate_config(row.role, new_config).model_dump(mode="json")
                if status is not None:
                    row.status = AgentStatus(status)
                if name is not None:
                    row.name = name
                row.updated_at = utcnow()
                session.flush()
                if row.role is AgentRole.ORCHESTRATOR:
                    self._keep_one_default(session, user_id, project_id, changed=row)
        except IntegrityError:
            raise AgentExistsError(f"name: an agent named {name!r} already exists") from None
        except StaleDataError:  # a writer that bypassed the locks: still never a silent overwrite
            raise AgentVersionConflictError(agent, if_version, None) from None
        return _record(row)

    def set_model(
        self, user_id: str, project_id: str, model: str, *, role: AgentRole | str | None = None
    ) -> builtins.list[AgentRecord]:
        """Set ``config.model`` of every agent of the project (or of one role) in one transaction."""
        query = self._scoped(user_id, project_id).order_by(UserAgent.id).with_for_update()
        if role is not None:
            query = query.where(UserAgent.role == AgentRole(role))
        try:
            with self._session(write=True) as session:
                self._lock_project(session, user_id, project_id)
                rows = list(session.scalars(query))
                for row in rows:
                    row.config = validate_config(row.role, {**row.config, "model": model}).model_dump(
                        mode="json")
                    row.updated_at = utcnow()
                session.flush()
                return [_record(row) for row in rows]
        except StaleDataError:  # a writer that bypassed the locks: still never a silent overwrite
            raise AgentVersionConflictError(AgentRole(role).value if role else "*", None, None) from None

    def delete(self, user_id: str, project_id: str, agent: int | str, *,
               if_version: int | None = None) -> AgentRecord:
        with self._session(write=True) as session:
            self._lock_project(session, user_id, project_id)
            row = self._row(session, user_id, project_id, agent, lock=True)
            if if_version is not None and row.version != if_version:
                raise AgentVersionConflictError(agent, if_version, row.version)
            record = _record(row)
            session.delete(row)
            session.flush()
            if row.role is AgentRole.ORCHESTRATOR:
                self._keep_one_default(session, user_id, project_id)
        return record

    def _keep_one_default(
        self, session: Session, user_id: str, project_id: str, changed: UserAgent | None = None
    ) -> None:
        """Exactly one orchestrator row of the project is the default: the ``changed`` row if
        it asks to be, else the current default, else the oldest."""
        query = self._scoped(user_id, project_id).where(
            UserAgent.role == AgentRole.ORCHESTRATOR
        ).order_by(UserAgent.id).with_for_update()
        rows = list(session.scalars(query))
        if not rows:
            return
        prefer = changed if changed is not None and changed.config.get("is_default") else None
        others = (r for r in rows if r is not changed and r.config.get("is_default"))
        chosen = prefer or next(others, rows[0])
        for row in rows:
            wanted = row is chosen
            if bool(row.config.get("is_default")) != wanted:
                row.config = {**row.config, "is_default": wanted}

    # -- starter pack --------------------------------------------------------

    def seed_defaults(self, user_id: str, project_id: str) -> int:
        """Insert the starter-pack agents that are missing by name; returns how many.

        ``INSERT ... ON CONFLICT DO NOTHING`` on the unique (user, project, name)
        makes concurrent seeding from threads or processes safe: no duplicates,
        no IntegrityError.
        """
        now = utcnow()
        rows: builtins.list[dict[str, Any]] = [
            {
                "user_id": user_id,
                "project_id": project_id,
                "name": spec.name,
                "role": spec.role,
                "config": validate_config(spec.role, spec.config).model_dump(mode="json"),
                "status": spec.status,
                "created_at": now,
                "updated_at": now,
            }
            for spec in DEFAULT_AGENTS
        ]
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        with self._session(write=True) as session:
            self._lock_project(session, user_id, project_id)
            has_orchestrator = session.scalar(
                select(func.count()).select_from(
                    self._scoped(user_id, project_id)
                    .where(UserAgent.role == AgentRole.ORCHESTRATOR)
                    .subquery()
                )
            )
            if has_orchestrator:  # keep the project's own default
                for row in rows:
                    if row["role"] is AgentRole.ORCHESTRATOR:
                        row["config"] = {**row["config"], "is_default": False}
            statement = dialect.insert(UserAgent).on_conflict_do_nothing(
                index_elements=["user_id", "project_id", "name"]
            )
            result = session.execute(statement.returning(UserAgent.id), rows)
            return len(result.all())

    def project_agents(self, user_id: str, project_id: str) -> builtins.list[AgentRecord]:
        """All agents of the project, seeding the starter pack on first use."""
        agents = self.list(user_id, project_id)
        if not agents:
            self.seed_defaults(user_id, project_id)
            agents = self.list(user_id, project_id)
        return agents


def pick_orchestrator(agents: Sequence[AgentRecord], name: str | None = None) -> AgentRecord:
    """Pick the orchestrator row from an already-loaded agent list (no extra query)."""
    orchestrators = [a for a in agents if a.role is AgentRole.ORCHESTRATOR]
    if name is not None:
        orchestrators = [a for a in orchestrators if a.name == name]
        if not orchestrators:
            raise AgentNotFoundError(f"no orchestrator named {name!r}")
    else:
        defaults = [a for a in orchestrators if getattr(a.config, "is_default", False)]
        orchestrators = defaults or orchestrators
    if not orchestrators:
        raise AgentNotFoundError("no orchestrator row")
    chosen = orchestrators[0]
    assert isinstance(chosen.config, OrchestratorConfig)
    return chosen
