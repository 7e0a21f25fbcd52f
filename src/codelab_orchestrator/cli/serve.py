"""``codelab serve`` (langgraph dev, offline-safe) and ``codelab graph`` (Mermaid)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..persistence.settings import data_dir
from .common import fail

QUIET_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
             "LANGSMITH_TRACING": "false"}


def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 2024,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    config: Annotated[Path | None, typer.Option(help="langgraph.json (default: ./langgraph.json, "
                                                      "else one for the installed package).")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
) -> None:
    """Serve the graph over HTTP and for LangGraph Studio with `langgraph dev`
    (analytics, version check and tracing off)."""
    problem = port_problem(host, port)
    if problem:
        fail(problem)
    langgraph = shutil.which("langgraph") or str(Path(sys.executable).with_name("langgraph"))
    if not Path(langgraph).exists():
        fail("`langgraph` is not installed: pip install 'langgraph-cli[inmem]'")
    config_path = config or (Path("langgraph.json") if Path("langgraph.json").exists() else _package_config())
    args = [langgraph, "dev", "--no-browser", "--host", host, "--port", str(port), "--config", str(config_path)]
    if not reload:
        args.append("--no-reload")
    os.execve(langgraph, args, {**os.environ, **QUIET_ENV})


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be served, or None. `langgraph dev` would quietly move to
    another port when this one is taken, and clients would talk to whatever holds it."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        return f"--host {host}: cannot resolve ({exc.strerror})"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server itself binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"port {port} on {host} is already in use: stop what holds it "
                        f"or choose another with --port")
            return f"cannot listen on {host}:{port} ({exc.strerror})"
    return None


def _package_config() -> Path:
    from .. import graph as graph_module  # noqa: PLC0415

    path = data_dir() / "langgraph.json"
    path.write_text(json.dumps({"dependencies": ["."], "graphs": {
        "orchestrator": f"{Path(graph_module.__file__).resolve()}:graph"}}, indent=2))
    return path


def graph() -> None:
    """Print the orchestration graph as Mermaid."""
    from ..graph import graph as compiled  # noqa: PLC0415

    typer.echo(compiled.get_graph().draw_mermaid())
