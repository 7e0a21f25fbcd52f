"""Errors of the model endpoint itself, told apart from errors of one reply.

A closed port, a rejected key or an unknown model fails every call the same
way: retrying the task, handing it to the Debug agent or re-planning only
burns time (against a closed port a run made 4 task attempts and a Debug
task). :func:`endpoint_error` recognises these and returns a one-line reason
with the URL, so the run can end at once. Rate limits, 5xx, timeouts and cut
connections are transient and return None.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
)

_CONNECT_ERRORS = ("ConnectError", "ConnectionRefusedError", "gaierror")


def endpoint_error(exc: BaseException) -> str | None:
    """A one-line reason when ``exc`` says the endpoint cannot serve any call, else None.

    Recognised: connection refused / unknown host (the connect phase failed),
    401 (key rejected), 403 (forbidden), 404 (unknown model, or a base URL
    without ``/v1``). Works on LangChain's provider-neutral errors, OpenAI's and
    httpx's, and on any exception that wraps one (``__cause__``/``__context__``).
    """
    chain = list(_chain(exc))
    url, model = _where(chain)
    for error in chain:
        status = _status(error)
        detail = _detail(error)
        if status == 401 or isinstance(error, ModelAuthenticationError):
            return f"the model endpoint {url} rejected the API key (401 Unauthorized){detail}"
        if status == 403 or isinstance(error, ModelPermissionDeniedError):
            return f"the model endpoint {url} refused access (403 Forbidden){detail}"
        if status == 404 or isinstance(error, ModelNotFoundError):
            return (f"the model endpoint {url} does not know model {model!r} (404 Not Found: "
                    f"unknown model, or a base URL without /v1){detail}")
    for error in chain:
        if type(error).__name__ in _CONNECT_ERRORS:
            reason = str(chain[-1]) or type(chain[-1]).__name__
            return f"cannot connect to the model endpoint {url}: {_one_line(reason)}"
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 20:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _status(error: BaseException) -> int | None:
    status = getattr(error, "status_code", None)
    if status is None:
        status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _where(chain: list[BaseException]) -> tuple[str, str | None]:
    """The request's URL (without the path after ``/v1``) and the model it asked for."""
    for error in chain:
        request = _request_of(error)
        if request is None:
            continue
        url = str(getattr(request, "url", "") or "")
        for suffix in ("/chat/completions", "/completions", "/responses", "/embeddings"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        model = None
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            model = json.loads(getattr(request, "content", b"") or b"{}").get("model")
        return url or "(unknown URL)", model
    return "(unknown URL)", None


def _request_of(error: BaseException) -> Any:
    try:
        request = getattr(error, "request", None)  # httpx raises if it was never set
    except RuntimeError:
        request = None
    if request is None:
        response = getattr(error, "response", None)
        try:
            request = getattr(response, "request", None)
        except RuntimeError:
            request = None
    return request


def _detail(error: BaseException) -> str:
    body = getattr(error, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
    message = message or getattr(error, "message", None)
    return f": {_one_line(str(message))}" if message else ""


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
