"""The run's context as the nodes must see it: identity from auth, workspace checked.

``nodes.common.context_of`` passes every context through :func:`checked_context`,
so no node can act for a user the server did not authenticate, or in a
directory outside the workspace roots, whatever the client put in ``context``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..context import Context
from .identity import authenticated_identity, is_served
from .roots import check_workspace


def checked_context(context: Context, runtime: Any) -> Context:
    """``context`` with the authenticated user (and token project) imposed, workspace resolved.

    Raises :class:`~.roots.WorkspaceNotAllowed` for a workspace outside the roots.
    """
    identity = authenticated_identity(runtime)
    if identity is not None:
        changes: dict[str, Any] = {"user_id": identity.user_id}
        if identity.project_id is not None:
            changes["project_id"] = identity.project_id
        context = replace(context, **changes)
    workspace = check_workspace(context.workspace, served=is_served(runtime))
    if str(workspace) != context.workspace:
        context = replace(context, workspace=str(workspace))
    return context
