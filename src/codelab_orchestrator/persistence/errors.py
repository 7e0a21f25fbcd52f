"""A database that cannot be reached or opened, said in one line.

A wrong port, a database or role that does not exist, an unwritable SQLite
file: each fails on the first connection with the URL (password hidden), the
server's own reason, and the setting to fix -- instead of a pool retrying in
the background for 30 s and a long traceback.
"""

from __future__ import annotations

import os
import re

CONNECT_TIMEOUT_VAR = "CODELAB_DB_CONNECT_TIMEOUT"


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached or opened; the message names the URL and the setting."""


def connect_timeout() -> float:
    """Seconds to wait for a PostgreSQL server to answer a new connection (default 5)."""
    raw = os.environ.get(CONNECT_TIMEOUT_VAR, "").strip()
    try:
        return max(float(raw), 0.001) if raw else 5.0
    except ValueError:
        raise DatabaseUnavailableError(f"{CONNECT_TIMEOUT_VAR}={raw!r} is not a number") from None


def hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def unavailable(what: str, url: str, setting: str, exc: BaseException) -> DatabaseUnavailableError:
    """The error to raise for ``exc``: ``what`` (agents, sessions) at ``url``, set by ``setting``."""
    cause = getattr(exc, "orig", None) or exc
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    if "failed: " in reason:  # libpq: 'connection to server at "h", port p failed: <reason>'
        reason = reason.rsplit("failed: ", 1)[1]
    lines = [" ".join(line.replace("FATAL:", "").split()) for line in reason.splitlines()]
    reason = "; ".join(line for line in lines if line)
    shown = hide_password(url).replace("+psycopg://", "://", 1)
    return DatabaseUnavailableError(
        f"cannot open the {what} database {shown} ({reason}): check {setting}")
