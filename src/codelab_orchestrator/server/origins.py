"""Which browser origins may call the server: none unless ``CODELAB_CORS_ORIGINS`` lists them.

A web page the user happens to open can send requests to a server on their
machine or network; only the browser's ``Origin`` header tells such requests
apart. Requests without it (the SDK, curl, the CLI) are not from a page.
A wildcard is refused on purpose: any site could then drive the agents.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

ORIGINS_ENV = "CODELAB_CORS_ORIGINS"
_ORIGIN = re.compile(r"^https?://[a-z0-9.\-\[\]:]+$")


class OriginConfigError(ValueError):
    """``CODELAB_CORS_ORIGINS`` holds something that is not an origin."""


def normalize_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def parse_origins(raw: str) -> frozenset[str]:
    """Origins from a comma- or space-separated list; raises :class:`OriginConfigError`."""
    origins = set()
    for item in re.split(r"[,\s]+", raw.strip()):
        if not item:
            continue
        origin = normalize_origin(item)
        if "*" in origin:
            raise OriginConfigError(f"{ORIGINS_ENV}: wildcard {item!r} is not allowed; list each "
                                    "origin, e.g. https://app.example.com")
        if not _ORIGIN.match(origin):
            raise OriginConfigError(f"{ORIGINS_ENV}: {item!r} is not an origin (scheme://host[:port], "
                                    "no path), e.g. https://app.example.com")
        origins.add(origin)
    return frozenset(origins)


def allowed_origins() -> frozenset[str]:
    return parse_origins(os.environ.get(ORIGINS_ENV, ""))


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """True for requests not sent by a page (no ``Origin``) and for listed origins."""
    return origin is None or normalize_origin(origin) in allowed


def refusal(origin: str) -> str:
    return (f"cross-origin request from {origin!r} refused: this server accepts no browser origin "
            f"unless it is listed in {ORIGINS_ENV}")
