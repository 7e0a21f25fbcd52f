"""Local classifiers behind one interface, used by ``classify`` without an LLM call."""

import logging
import threading

from .base import Router
from .keywords import KeywordRouter

__all__ = ["KeywordRouter", "Router", "default_router"]

log = logging.getLogger(__name__)
_default: Router | None = None
_lock = threading.Lock()


def default_router() -> Router:
    """The process-wide router, loaded once: the multilingual embedding router, or the
    keyword router if its model or trained head cannot be loaded."""
    global _default
    with _lock:
        if _default is None:
            try:
                from .embedding import EmbeddingRouter  # noqa: PLC0415

                router = EmbeddingRouter()
                router.classify("warm up")  # load the model now, not inside a timed request
                _default = router
            except Exception as exc:  # noqa: BLE001 - any load failure: degrade, don't crash
                log.warning("embedding router unavailable (%s); using the keyword router", exc)
                _default = KeywordRouter()
    return _default
