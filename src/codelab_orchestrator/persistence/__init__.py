"""Persistence: the agents table, the sessions table and the checkpointer. Knows nothing of
the graph."""

from .checkpointer import open_async_checkpointer, open_checkpointer
from .engine import get_engine
from .repository import (
    AgentExistsError,
    AgentNotFoundError,
    AgentRecord,
    AgentRepository,
    AgentVersionConflictError,
    pick_orchestrator,
)
from .schemas import (
    AgentConfig,
    AgentRole,
    AgentStatus,
    ConfigValidationError,
    OrchestratorConfig,
    validate_config,
)
from .sessions import (
    Lease,
    SessionBusyError,
    SessionError,
    SessionNotFoundError,
    SessionRecord,
    SessionStore,
    session_lease,
)

__all__ = [
    "AgentConfig",
    "AgentExistsError",
    "AgentNotFoundError",
    "AgentRecord",
    "AgentRepository",
    "AgentVersionConflictError",
    "AgentRole",
    "AgentStatus",
    "ConfigValidationError",
    "Lease",
    "OrchestratorConfig",
    "SessionBusyError",
    "SessionError",
    "SessionNotFoundError",
    "SessionRecord",
    "SessionStore",
    "get_engine",
    "open_async_checkpointer",
    "open_checkpointer",
    "pick_orchestrator",
    "session_lease",
    "validate_config",
]
