"""Local classifiers behind one interface, used by ``classify`` without an LLM call."""

from .base import Router
from .keywords import KeywordRouter

__all__ = ["KeywordRouter", "Router", "default_router"]

_default: Router | None = None


def default_router() -> Router:
    """The process-wide router (loaded once)."""
    global _default
    if _default is None:
        _default = KeywordRouter()
    return _default
