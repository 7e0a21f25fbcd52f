"""A local OpenAI-compatible chat server for tests, on 127.0.0.1 and a free port.

``script(body) -> reply`` decides each answer from the request body:
``{"content": str}``, ``{"tool_calls": [{"name", "arguments"}]}``, ``{"status": 429}``
(or 500...), ``{"sleep": seconds, ...}``, or ``{"garbage": True}`` for a non-JSON body.
Every request body is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]


class OpenAIServer:
    def __init__(self, script: Callable[[dict], Reply]):
        self.script = script
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                server.requests.append(body)
                try:
                    reply = server.script(body)
                except Exception as exc:  # noqa: BLE001 - a broken script is a 500
                    reply = {"status": 500, "error": repr(exc)}
                if reply.get("sleep"):
                    time.sleep(reply["sleep"])
                if reply.get("garbage"):
                    self._send(200, b"<html>this is not json", "text/html")
                    return
                status = reply.get("status", 200)
                if status != 200:
                    payload = {"error": {"message": reply.get("error", f"scripted {status}"),
                                         "type": "scripted", "code": status}}
                    self._send(status, json.dumps(payload).encode())
                    return
                self._send(200, json.dumps(completion(body, reply)).encode())

            def _send(self, status: int, data: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                if status == 429:
                    self.send_header("retry-after-ms", "50")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError):  # the client timed out first
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def completion(body: dict, reply: Reply) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
    if reply.get("tool_calls"):
        message["tool_calls"] = [
            {"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
             "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])}}
            for call in reply["tool_calls"]]
    prompt_tokens = len(json.dumps(body.get("messages", [])).split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:10]}", "object": "chat.completion",
        "created": int(time.time()), "model": body.get("model", "scripted"),
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if reply.get("tool_calls") else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 7,
                  "total_tokens": prompt_tokens + 7},
    }


# -- helpers for scripts ------------------------------------------------------


def tool_names(body: dict) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


def last_user(body: dict) -> str:
    users = [m for m in body["messages"] if m["role"] == "user"]
    return str(users[-1]["content"]) if users else ""


def tool_results(body: dict) -> list[str]:
    return [str(m["content"]) for m in body["messages"] if m["role"] == "tool"]
