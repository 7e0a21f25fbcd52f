"""The agents table's enumerations, in a module of their own (standard library only).

The CLI names them in its option types, so ``codelab --help`` needs them;
keeping them apart from the pydantic schemas and SQLAlchemy models keeps that
start-up free of both.
"""

from __future__ import annotations

from enum import StrEnum


class AgentRole(StrEnum):
    ORCHESTRATOR = "orchestrator"
    ARCHITECT = "architect"
    CODER = "coder"
    DEBUG = "debug"
    ASK = "ask"
    UNIVERSAL = "universal"
    CUSTOM = "custom"


class AgentStatus(StrEnum):
    READY = "ready"
    BUSY = "busy"
    ERROR = "error"
    DISABLED = "disabled"
