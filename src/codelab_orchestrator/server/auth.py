"""LangGraph custom auth (``auth.path`` in ``langgraph.json``): bearer tokens and ownership.

Authentication: every request to a protected route (threads, runs, assistants,
crons, store) must carry ``Authorization: Bearer <token>`` (or ``x-api-key``),
a token made with ``codelab tokens create``; it names the user, and perhaps
the one project it may use. Requests sent by a web page from an origin not in
``CODELAB_CORS_ORIGINS`` are refused here too, whatever their token.

Authorization: what a user creates is stamped ``owner`` (and ``owner_project``
for a project-limited token) in its metadata, and every read, update, delete,
search and run is filtered by it, so other users' threads, runs, crons and
assistants are invisible (404) to them. The graph's own assistant
(``created_by: system``) is shared. Store items live under the user's namespace.
Anything without a handler here is denied.

Runs: a ``user_id`` (or ``project_id`` for a limited token) in the run's
``context``/``configurable`` other than the token's is refused, and so is a
workspace outside ``CODELAB_WORKSPACE_ROOTS``, before the run is queued. The
graph checks both again (``server.run_context``), because the context can also
come from an assistant or a resumed thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from langgraph_sdk import Auth

from codelab_orchestrator.persistence.tokens import TokenIdentity, TokenRepository
from codelab_orchestrator.server import runtime_pg
from codelab_orchestrator.server.origins import allowed_origins, origin_allowed, refusal
from codelab_orchestrator.server.roots import WorkspaceNotAllowed, check_workspace

runtime_pg.install()  # `codelab serve --cluster` (also done by the http app); no-op otherwise

auth = Auth()
_tokens = TokenRepository()
_ALLOWED_ORIGINS = allowed_origins()

MISSING_TOKEN = ("missing bearer token: send 'Authorization: Bearer <token>' "
                 "(create one with `codelab tokens create --user USER`)")
BAD_TOKEN = "invalid or revoked token"


def _header(headers: Mapping[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1").strip() if value is not None else None


def _presented_token(headers: Mapping[bytes, bytes]) -> str | None:
    authorization = _header(headers, b"authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Auth.exceptions.HTTPException(status_code=401, detail=MISSING_TOKEN)
        return credentials.strip()
    return _header(headers, b"x-api-key") or None


@auth.authenticate
async def authenticate(headers: dict[bytes, bytes]) -> Auth.types.MinimalUserDict:
    origin = _header(headers, b"origin")
    if not origin_allowed(origin, _ALLOWED_ORIGINS):
        raise Auth.exceptions.HTTPException(status_code=403, detail=refusal(origin or ""))
    token = _presented_token(headers)
    if token is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail=MISSING_TOKEN)
    identity: TokenIdentity | None = await asyncio.to_thread(_tokens.verify, token)
    if identity is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail=BAD_TOKEN)
    user: dict[str, Any] = {"identity": identity.user_id, "display_name": identity.user_id,
                            "is_authenticated": True, "permissions": []}
    if identity.project_id is not None:
        user["project_id"] = identity.project_id
    return user  # type: ignore[return-value]


# -- ownership -----------------------------------------------------------------


def _who(ctx: Auth.types.AuthContext) -> tuple[str, str | None]:
    user = ctx.user
    project = user.get("project_id") if hasattr(user, "get") else getattr(user, "project_id", None)
    return user.identity, project or None


def _owned(ctx: Auth.types.AuthContext) -> dict[str, str]:
    user_id, project = _who(ctx)
    return {"owner": user_id, "owner_project": project} if project else {"owner": user_id}


def _stamp(value: Any, ctx: Auth.types.AuthContext) -> dict[str, str]:
    """Mark ``value``'s metadata as the caller's (overwriting any owner the client sent)."""
    metadata = value.get("metadata")
    if not isinstance(metadata, dict):
        metadata = value["metadata"] = {}
    metadata.pop("created_by", None)  # "system" would make it everyone's
    metadata.pop("owner_project", None)
    owned = _owned(ctx)
    metadata.update(owned)
    return owned


def _forbid(detail: str) -> Auth.exceptions.HTTPException:
    return Auth.exceptions.HTTPException(status_code=403, detail=detail)


async def _check_run_settings(ctx: Auth.types.AuthContext, *sources: Any,
                              inject_into: dict[str, Any] | None = None) -> None:
    """Refuse another user's id, another project (limited tokens), or a workspace outside the roots."""
    user_id, project = _who(ctx)
    for source in sources:
        if not isinstance(source, Mapping):
            continue
        claimed = source.get("user_id")
        if claimed not in (None, "", user_id):
            raise _forbid(f"context user_id {claimed!r} does not match the authenticated user "
                          f"{user_id!r}; leave it out, the server sets it from the token")
        claimed_project = source.get("project_id")
        if project and claimed_project not in (None, "", project):
            raise _forbid(f"this token is limited to project {project!r}, not {claimed_project!r}")
        workspace = source.get("workspace")
        if workspace not in (None, ""):
            try:
                await asyncio.to_thread(check_workspace, str(workspace), served=True)
            except WorkspaceNotAllowed as exc:
                raise _forbid(str(exc)) from None
    if inject_into is not None:
        inject_into["user_id"] = user_id
        if project:
            inject_into["project_id"] = project


def _configurable(config: Any) -> Any:
    return config.get("configurable") if isinstance(config, Mapping) else None


@auth.on.threads.create
async def on_thread_create(ctx: Auth.types.AuthContext, value: Auth.types.ThreadsCreate):
    return _stamp(value, ctx)


@auth.on.threads.create_run
async def on_run_create(ctx: Auth.types.AuthContext, value: Auth.types.RunsCreate):
    kwargs = value.get("kwargs") or {}
    context = kwargs.get("context")
    await _check_run_settings(ctx, context, _configurable(kwargs.get("config")),
                              inject_into=context if isinstance(context, dict) else None)
    return _stamp(value, ctx)


@auth.on.threads
async def on_threads(ctx: Auth.types.AuthContext, value: dict[str, Any]):
    """read, update, delete, search (threads and their runs, state and history)."""
    if ctx.action == "update" and isinstance(value.get("metadata"), dict):
        _stamp(value, ctx)
    return _owned(ctx)


@auth.on.assistants.create
async def on_assistant_create(ctx: Auth.types.AuthContext, value: Auth.types.AssistantsCreate):
    await _check_run_settings(ctx, value.get("context"), _configurable(value.get("config")))
    return _stamp(value, ctx)


@auth.on.assistants.update
async def on_assistant_update(ctx: Auth.types.AuthContext, value: Auth.types.AssistantsUpdate):
    await _check_run_settings(ctx, value.get("context"), _configurable(value.get("config")))
    if isinstance(value.get("metadata"), dict):
        _stamp(value, ctx)
    return _owned(ctx)


@auth.on.assistants
async def on_assistants(ctx: Auth.types.AuthContext, value: dict[str, Any]):
    """read, search (own assistants and the graph's shared one), delete (own only)."""
    if ctx.action == "delete":
        return _owned(ctx)
    return {"$or": [_owned(ctx), {"created_by": "system"}]}


@auth.on.crons.create
async def on_cron_create(ctx: Auth.types.AuthContext, value: Auth.types.CronsCreate):
    payload = value.get("payload") or {}
    context = payload.get("context")
    if not isinstance(context, dict):
        context = payload["context"] = {}  # a scheduled run has no token: it carries the owner
    await _check_run_settings(ctx, context, _configurable(payload.get("config")), inject_into=context)
    return _stamp(value, ctx)


@auth.on.crons
async def on_crons(ctx: Auth.types.AuthContext, value: dict[str, Any]):
    """read, update, delete, search."""
    payload = value.get("payload")
    if ctx.action == "update" and isinstance(payload, dict):
        context = payload.get("context")
        await _check_run_settings(ctx, context, _configurable(payload.get("config")),
                                  inject_into=context if isinstance(context, dict) else None)
    return _owned(ctx)


@auth.on.store
async def on_store(ctx: Auth.types.AuthContext, value: dict[str, Any]):
    """Every store operation stays under the caller's own namespace."""
    user_id, _ = _who(ctx)
    namespace = tuple(value.get("namespace") or ())
    if not namespace or namespace[0] != user_id:
        value["namespace"] = (user_id, *namespace)


@auth.on
async def deny_everything_else(ctx: Auth.types.AuthContext, value: Any) -> bool:
    return False
