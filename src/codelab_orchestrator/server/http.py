"""The server's HTTP layer (``http.app`` in ``langgraph.json``): refuse unlisted browser origins.

LangGraph's own CORS middleware only decides which response headers a browser
gets; a "simple" cross-origin request (a form-like ``text/plain`` POST) still
reaches the route. This middleware runs before it and answers 403 to any
request whose ``Origin`` is not listed in ``CODELAB_CORS_ORIGINS``, so a web
page cannot start a run even if it somehow had a token; listed origins get
normal CORS headers (no wildcard, no cookies).
"""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from codelab_orchestrator.server import runtime_pg
from codelab_orchestrator.server.origins import allowed_origins, origin_allowed, refusal

runtime_pg.install()  # `codelab serve --cluster`: see the module; a no-op under langgraph dev

ALLOW_HEADERS = ["authorization", "content-type", "x-api-key", "last-event-id"]
EXPOSE_HEADERS = ["x-pagination-total", "x-pagination-next", "content-location"]


class OriginGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.allowed = allowed_origins()  # a bad CODELAB_CORS_ORIGINS stops the server at start
        self.app = app
        self.cors = CORSMiddleware(app, allow_origins=sorted(self.allowed), allow_methods=["*"],
                                   allow_headers=ALLOW_HEADERS, allow_credentials=False,
                                   allow_private_network=True, expose_headers=EXPOSE_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and hasattr(scope.get("app"), "router"):
            # Straight to the router, which runs the server's lifespan: with a custom app,
            # LangGraph API puts a middleware in between that asks for the store, and the
            # PostgreSQL runtime (`codelab serve --cluster`) creates the store in that very
            # lifespan, so the server would start without its runtime.
            await scope["app"].router(scope, receive, send)
            return
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        if origin is None:
            await self.app(scope, receive, send)
        elif not origin_allowed(origin, self.allowed):
            await _refuse(scope, send, refusal(origin))
        elif scope["type"] == "http":
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _refuse(scope: Scope, send: Send, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
        return
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"vary", b"Origin")]})
    await send({"type": "http.response.body", "body": body})


app = Starlette(middleware=[Middleware(OriginGuard)])
