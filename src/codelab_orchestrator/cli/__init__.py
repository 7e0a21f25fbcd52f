"""The ``codelab`` command line: agents, database, and (later) runs and sessions."""

from .app import app

__all__ = ["app"]
