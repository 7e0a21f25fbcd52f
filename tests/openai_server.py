"""A local OpenAI-compatible chat server for tests, on 127.0.0.1 and a free port.

``script(body) -> reply`` decides each answer from the request body. A reply is a dict:

- ``{"content": str}``; ``{"tool_calls": [{"name", "arguments"}]}`` (``arguments`` a dict,
  or a string sent as is: bad JSON arguments); ``"finish_reason"`` overrides the finish
  reason (``"length"`` for a reply cut at the token limit); ``"usage"`` overrides usage.
- ``{"status": 429}`` (or 401, 403, 404, 500...): an error body with that status
  (429 carries ``retry-after-ms: 50``); ``"error"`` sets the message.
- ``{"sleep": seconds, ...}``: wait first (client timeouts); combines with any reply.
- ``{"garbage": True}``: a non-JSON body with status 200.
- ``{"empty_choices": True}``: a completion with ``"choices": []``.
- ``{"cut": "before"}``: close the connection without answering;
  ``{"cut": "body"}``: send the headers and half the body, then close.
- Streaming requests (``"stream": true``) get server-sent events: the content in
  chunks of ``"chunk"`` characters (default 8, larger for long content: at most about
  1000 content chunks, since a client spends ~0.4 ms per chunk and a 5 MB reply in
  8-character chunks would take minutes) ``"chunk_delay"`` seconds apart, tool
  calls as deltas, a usage chunk when ``stream_options.include_usage`` is set; with
  ``{"cut": "stream"}`` the stream stops after the first chunks without ``[DONE]``.
  A request that does not stream a reply with ``"chunk_delay"`` gets it after as long
  as the stream would have taken (the server generates the whole reply first).

:data:`FAULTS` names the fault modes of a misbehaving endpoint, one reply each.

``json_schema=False`` (the default) makes the server refuse ``response_format`` of type
``json_schema`` with a 400, as servers without grammar support do; those requests go to
``rejected``, not to the script. Every request the script saw is kept in ``requests``.
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

FIVE_MB = 5 * 1024 * 1024

# The fault modes of issue 13, each as the reply of every call (a script may also mix them).
FAULTS: dict[str, Reply] = {
    "rate_limited": {"status": 429, "error": "Rate limit reached"},
    "server_error": {"status": 500, "error": "internal error"},
    "timeout": {"sleep": 2.0, "content": "too late"},
    "cut_before_reply": {"cut": "before"},
    "cut_mid_body": {"cut": "body", "content": "this reply is cut in the middle"},
    "garbage": {"garbage": True},
    "empty_choices": {"empty_choices": True},
    "bad_tool_arguments": {"tool_calls": [{"name": "write_file", "arguments": '{"path": "a.txt", "content": '}]},
    "unknown_tool": {"tool_calls": [{"name": "fix_everything", "arguments": {"how": "well"}}]},
    "huge_reply": {"content": "x" * FIVE_MB},
    "cut_at_length": {"content": "I changed the fil", "finish_reason": "length"},
}


class OpenAIServer:
    def __init__(self, script: Callable[[dict], Reply], *, json_schema: bool = False):
        self.script = script
        self.json_schema = json_schema
        self.requests: list[dict] = []
        self.rejected: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, json.dumps({"object": "list", "data": [
                        {"id": "scripted", "object": "model"}]}).encode())
                else:
                    self._send(404, b'{"error": {"message": "not found"}}')

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
                fmt = body.get("response_format") or {}
                if fmt.get("type") == "json_schema" and not server.json_schema:
                    server.rejected.append(body)
                    self._error(400, "response_format of type json_schema is not supported")
                    return
                server.requests.append(body)
                try:
                    reply = server.script(body)
                except Exception as exc:  # noqa: BLE001 - a broken script is a 500
                    reply = {"status": 500, "error": repr(exc)}
                if reply.get("sleep"):
                    time.sleep(reply["sleep"])
                if reply.get("cut") == "before":
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                if reply.get("garbage"):
                    self._send(200, b"<html>this is not json", "text/html")
                    return
                status = reply.get("status", 200)
                if status != 200:
                    self._error(status, reply.get("error", f"scripted {status}"))
                    return
                if body.get("stream") and not reply.get("empty_choices"):
                    self._stream(body, reply)
                    return
                if reply.get("chunk_delay"):  # generating takes as long as streaming would
                    time.sleep(reply["chunk_delay"] * len(stream_chunks(body, reply)))
                data = json.dumps(completion(body, reply)).encode()
                if reply.get("cut") == "body":
                    self._send(200, data, cut=True)
                    return
                self._send(200, data)

            def _error(self, status: int, message: str) -> None:
                payload = {"error": {"message": message, "type": "scripted", "code": status}}
                self._send(status, json.dumps(payload).encode())

            def _send(self, status: int, data: bytes, kind: str = "application/json",
                      cut: bool = False) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                    self.send_response(status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(data)))
                    if status == 429:
                        self.send_header("retry-after-ms", "50")
                    if cut:
                        self.send_header("connection", "close")
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2] if cut else data)
                    self.wfile.flush()
                if cut:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)

            def _stream(self, body: dict, reply: Reply) -> None:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    self.end_headers()
                    self.close_connection = True
                    for index, chunk in enumerate(stream_chunks(body, reply)):
                        if reply.get("cut") == "stream" and index >= 2:
                            break
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                        self.wfile.flush()
                        if reply.get("chunk_delay"):
                            time.sleep(reply["chunk_delay"])
                    else:
                        self.wfile.write(b"data: [DONE]\n\n")
                        self.wfile.flush()
                with contextlib.suppress(OSError):
                    self.connection.shutdown(2)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.get("content")}
    if reply.get("tool_calls"):
        message["tool_calls"] = [
            {"id": f"call_{uuid.uuid4().hex[:8]}", "type": "function",
             "function": {"name": call["name"], "arguments": call["arguments"] if isinstance(
                 call["arguments"], str) else json.dumps(call["arguments"])}}
            for call in reply["tool_calls"]]
    return message


def _finish(reply: Reply) -> str:
    return reply.get("finish_reason") or ("tool_calls" if reply.get("tool_calls") else "stop")


def _usage(body: dict, reply: Reply) -> dict[str, int]:
    if reply.get("usage"):
        return reply["usage"]
    prompt_tokens = len(json.dumps(body.get("messages", [])).split())
    completion_tokens = max(1, len(str(reply.get("content") or "")) // 4) if reply.get("content") else 7
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def completion(body: dict, reply: Reply) -> dict:
    choices = [] if reply.get("empty_choices") else [
        {"index": 0, "message": _message(reply), "finish_reason": _finish(reply)}]
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:10]}", "object": "chat.completion",
        "created": int(time.time()), "model": body.get("model", "scripted"),
        "choices": choices, "usage": _usage(body, reply),
    }


def stream_chunks(body: dict, reply: Reply) -> list[dict]:
    """The chunks of a streamed reply (content pieces, tool-call deltas, finish, usage)."""
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:10]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body.get("model", "scripted")}

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    content = str(reply.get("content") or "")
    size = int(reply["chunk"]) if "chunk" in reply else max(8, -(-len(content) // 1000))
    chunks += [chunk({"content": content[i:i + size]}) for i in range(0, len(content), size)]
    for index, call in enumerate(_message(reply).get("tool_calls", [])):
        chunks.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                             "function": {"name": call["function"]["name"],
                                                          "arguments": ""}}]}))
        chunks.append(chunk({"tool_calls": [{"index": index, "function": {
            "arguments": call["function"]["arguments"]}}]}))
    chunks.append(chunk({}, _finish(reply)))
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": _usage(body, reply)})
    return chunks


# -- helpers for scripts ------------------------------------------------------


def tool_names(body: dict) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


def schema_name(body: dict) -> str | None:
    """The structured output asked for: the ``response_format`` schema's name, or the
    one tool of a structured-output request (``ClassificationOutput``, ``PlanDraft``)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt.get("json_schema", {}).get("name")
    names = tool_names(body)
    return names[0] if len(names) == 1 and names[0][:1].isupper() else None


def structured(body: dict, value: dict) -> Reply:
    """Answer a structured-output request with ``value`` the way the request asked for it:
    as the JSON content (``response_format``) or as a call of the schema's tool."""
    name = schema_name(body)
    if (body.get("response_format") or {}).get("type") == "json_schema":
        return {"content": json.dumps(value)}
    return {"tool_calls": [{"name": name, "arguments": value}]}


def last_user(body: dict) -> str:
    users = [m for m in body["messages"] if m["role"] == "user"]
    return str(users[-1]["content"]) if users else ""


def tool_results(body: dict) -> list[str]:
    return [str(m["content"]) for m in body["messages"] if m["role"] == "tool"]
