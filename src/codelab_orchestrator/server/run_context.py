"""The run's context as the nodes must see it: identity from auth, workspace allowed.

``nodes.common.context_of`` passes the given context through :func:`with_identity`
and ``nodes.common.session_context`` passes the resolved one through
:func:`check_workspace_allowed`, so no node acts for a user the server did not
authenticate, or in a directory outside the workspace roots, whatever the
client put in ``context`` (or an assistant, or a resumed thread, did).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..context import Context
from .identity import authenticated_identity, is_served
from .roots import check_workspace


def with_identity(context: Context, runtime: Any) -> Context:
    """``context`` with the authenticated user (and a limited token's project) imposed.

    Unchanged when nobody was authenticated (embedded runs, ``--no-auth`` servers).
    The server's auth handler has already refused a context naming someone else.
    """
    identity = authenticated_identity(runtime)
    if identity is None:
        return context
    changes: dict[str, Any] = {"user_id": identity.user_id}
    if identity.project_id is not None:
        changes["project_id"] = identity.project_id
    return replace(context, **changes)


def check_workspace_allowed(context: Context, runtime: Any) -> Context:
    """``context`` itself if its (resolved) workspace is allowed where this run executes.

    Raises :class:`~.roots.WorkspaceNotAllowed`: served, the workspace must be under
    ``CODELAB_WORKSPACE_ROOTS``; embedded, only if roots are configured.
    """
    check_workspace(context.workspace, served=is_served(runtime))
    return context
