"""Who is running this graph: the identity LangGraph Server authenticated, if any.

Over HTTP with auth, the server puts the user returned by our ``authenticate``
handler into the run's ``config["configurable"]["langgraph_auth_user"]`` (and
LangGraph exposes it as ``runtime.server_info.user``). That, never the
client-supplied ``context``, says whose agents run. Embedded runs and
``--no-auth`` servers have no authenticated user: the context decides there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AUTH_USER_KEY = "langgraph_auth_user"


@dataclass(frozen=True)
class Identity:
    user_id: str
    project_id: str | None = None  # the one project the token is limited to, if any


def _field(user: Any, name: str) -> Any:
    if isinstance(user, Mapping):
        return user.get(name)
    try:
        return getattr(user, name, None)
    except Exception:  # noqa: BLE001 - proxy objects may raise anything on a missing key
        return None


def _user_of(source: Any) -> Any:
    """The server's user object from a Runtime or a RunnableConfig (dict), else None."""
    if source is None:
        return None
    server_info = getattr(source, "server_info", None)
    if server_info is not None and getattr(server_info, "user", None) is not None:
        return server_info.user
    if isinstance(source, Mapping):
        configurable = source.get("configurable") or {}
        return configurable.get(AUTH_USER_KEY)
    return None


def authenticated_identity(source: Any) -> Identity | None:
    """The authenticated identity of a run (``Runtime`` or ``config``), or None when there is none."""
    user = _user_of(source)
    if user is None or _field(user, "is_authenticated") is False:
        return None
    identity = _field(user, "identity")
    if not isinstance(identity, str) or not identity:
        return None
    project = _field(user, "project_id")
    return Identity(user_id=identity, project_id=project if isinstance(project, str) and project else None)


def authenticated_user(source: Any) -> str | None:
    """The authenticated user id of a run, or None (embedded, or a server without auth)."""
    identity = authenticated_identity(source)
    return identity.user_id if identity else None


def is_served(source: Any) -> bool:
    """True inside LangGraph Server / ``langgraph dev`` (it injects ``server_info``)."""
    if getattr(source, "server_info", None) is not None:
        return True
    if isinstance(source, Mapping):
        configurable = source.get("configurable") or {}
        return any(key in configurable for key in ("graph_id", "assistant_id", AUTH_USER_KEY))
    return False
