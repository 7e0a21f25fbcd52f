"""Keep this process's secrets out of text that leaves a tool.

A secret is the value of an environment variable whose name says it is one
(``OPENAI_API_KEY``, ``GITHUB_TOKEN``, ``PGPASSWORD``, ``DATABASE_URL``...)
and the password part of any URL with credentials found in the environment.
:func:`redact` replaces each occurrence with ``[REDACTED:NAME]``.

Values shorter than :data:`MIN_SECRET_LENGTH` are left alone: replacing
``"1"`` or ``"true"`` everywhere would wreck every output and protect
nothing. The set is recomputed when the environment changes (a cheap check of
the relevant variables), so tests and long-lived servers see new values.

:func:`redact_value` walks dicts, lists and tuples, for events, results and
state written to checkpoints.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urlsplit

SECRET_NAME = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH|COOKIE"
    r"|DATABASE_URL|DATABASE_URI|_DSN|CONNECTION_STRING|WEBHOOK)",
    re.IGNORECASE,
)
# Names that match the pattern but hold no secret (paths, switches, key names).
NOT_SECRET = re.compile(r"(_PATH|_FILE|_DIR|_HOME|_ID|_REGION|_USER|_USERNAME|_MODE|_SOCK)$"
                        r"|^KEY_?NAME|^XAUTHORITY$|^TOKENIZERS_",
                        re.IGNORECASE)
URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:([^@\s/]+)@")
MIN_SECRET_LENGTH = 6


def secret_values(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Secret value -> the variable name it came from (longest value wins on overlap)."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name, value in env.items():
        if not value:
            continue
        if SECRET_NAME.search(name) and not NOT_SECRET.search(name) and len(value) >= MIN_SECRET_LENGTH:
            found.setdefault(value, name)
        for match in URL_WITH_PASSWORD.finditer(value):
            password = match.group(1)
            for candidate in {password, unquote(password)}:
                if len(candidate) >= MIN_SECRET_LENGTH:
                    found.setdefault(candidate, name)
    return found


def is_secret_name(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET.search(name)


@lru_cache(maxsize=8)
def _compiled(items: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    values = dict(items)
    if not values:
        return None, values
    alternatives = sorted(values, key=len, reverse=True)
    return re.compile("|".join(re.escape(v) for v in alternatives)), values


_seen: tuple[int, tuple[re.Pattern[str] | None, dict[str, str]]] | None = None


def _fingerprint() -> int:
    """A cheap hash of the environment (its raw dict, hashed in C; no per-variable decoding)."""
    raw = getattr(os.environ, "_data", None)
    return hash(tuple(raw.items())) if isinstance(raw, dict) else hash(tuple(os.environ.items()))


def _current() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """The pattern for the environment's secrets, recomputed only when the environment changed:
    ``redact`` runs on every event and tool output."""
    global _seen
    fingerprint = _fingerprint()
    if _seen is None or _seen[0] != fingerprint:
        _seen = (fingerprint, _compiled(tuple(sorted(secret_values().items()))))
    return _seen[1]


def redact(text: str) -> str:
    """``text`` with every secret value of the environment replaced by ``[REDACTED:NAME]``."""
    if not text:
        return text
    pattern, names = _current()
    if pattern is None:
        return text
    return pattern.sub(lambda m: f"[REDACTED:{names[m.group(0)]}]", text)


def redact_value(value: Any) -> Any:
    """:func:`redact` applied to every string inside ``value`` (dicts, lists, tuples)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item) for item in value)
    return value


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages that name a database)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
