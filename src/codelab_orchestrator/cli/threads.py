"""Finding the caller's sessions (``codelab resume --last``)."""

from __future__ import annotations

from .common import fail


def latest_thread(user_id: str, project_id: str) -> str:
    """The caller's most recently active session (from the sessions table)."""
    from ..persistence.sessions import SessionStore  # noqa: PLC0415

    newest = SessionStore().list(user_id, project_id, limit=1)
    if not newest:
        fail(f"no sessions in {user_id}/{project_id} yet: start one with codelab run \"...\"")
    return newest[0].thread_id
