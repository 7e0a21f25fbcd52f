"""Persistence: the agents table, the sessions table and the checkpointer. Knows nothing of
the graph.

Names are imported on first access (PEP 562): ``from ..persistence.settings
import ...`` must not pay for SQLAlchemy, Alembic and LangGraph's checkpoint
package, or every ``codelab`` command would start slowly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checkpointer import open_async_checkpointer, open_checkpointer
    from .engine import get_engine
    from .enums import AgentRole, AgentStatus
    from .repository import (
        AgentExistsError,
        AgentNotFoundError,
        AgentRecord,
        AgentRepository,
        AgentVersionConflictError,
        pick_orchestrator,
    )
    from .schemas import AgentConfig, ConfigValidationError, OrchestratorConfig, validate_config
    from .sessions import (
        Lease,
        SessionBusyError,
        SessionError,
        SessionNotFoundError,
        SessionRecord,
        SessionStore,
        session_lease,
    )

_WHERE = {
    "open_async_checkpointer": "checkpointer", "open_checkpointer": "checkpointer",
    "get_engine": "engine", "AgentRole": "enums", "AgentStatus": "enums",
    "AgentExistsError": "repository", "AgentNotFoundError": "repository",
    "AgentRecord": "repository", "AgentRepository": "repository",
    "AgentVersionConflictError": "repository", "pick_orchestrator": "repository",
    "AgentConfig": "schemas", "ConfigValidationError": "schemas",
    "OrchestratorConfig": "schemas", "validate_config": "schemas",
    "Lease": "sessions", "SessionBusyError": "sessions", "SessionError": "sessions",
    "SessionNotFoundError": "sessions", "SessionRecord": "sessions", "SessionStore": "sessions",
    "session_lease": "sessions",
}

__all__ = [
    "AgentConfig", "AgentExistsError", "AgentNotFoundError", "AgentRecord", "AgentRepository",
    "AgentRole", "AgentStatus", "AgentVersionConflictError", "ConfigValidationError", "Lease",
    "OrchestratorConfig", "SessionBusyError", "SessionError", "SessionNotFoundError",
    "SessionRecord", "SessionStore", "get_engine", "open_async_checkpointer", "open_checkpointer",
    "pick_orchestrator", "session_lease", "validate_config",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
