"""``codelab serve`` (langgraph dev, offline-safe, authenticated) and ``codelab graph`` (Mermaid)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..persistence.settings import data_dir
from .common import err_console, fail

QUIET_ENV = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
             "LANGSMITH_TRACING": "false"}


def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 2024,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    config: Annotated[Path | None, typer.Option(help="langgraph.json (default: ./langgraph.json, "
                                                      "else one for the installed package).")] = None,
    workspace_root: Annotated[list[Path] | None, typer.Option(
        "--workspace-root", help="A directory runs may use as workspace (repeatable; "
                                 "default $CODELAB_WORKSPACE_ROOTS).")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Serve WITHOUT authentication: any local "
                                          "process may act as any user. Local development only.")] = False,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
) -> None:
    """Serve the graph over HTTP (and LangGraph Studio) with `langgraph dev`.

    Bearer-token auth; analytics, version check and tracing off. Stops if the port is taken."""
    from ..server.origins import OriginConfigError, allowed_origins  # noqa: PLC0415
    from ..server.roots import ROOTS_ENV  # noqa: PLC0415

    problem = port_problem(host, port)
    if problem:
        fail(problem)
    langgraph = shutil.which("langgraph") or str(Path(sys.executable).with_name("langgraph"))
    if not Path(langgraph).exists():
        fail("`langgraph` is not installed: pip install 'langgraph-cli[inmem]'")
    try:
        allowed_origins()
    except OriginConfigError as exc:
        fail(str(exc))
    env = {**os.environ, **QUIET_ENV}
    if workspace_root:
        env[ROOTS_ENV] = os.pathsep.join(str(p.expanduser().resolve()) for p in workspace_root)
    config_path = config or (Path("langgraph.json") if Path("langgraph.json").exists() else _package_config())
    try:
        settings = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"cannot read {config_path}: {exc}")
    if no_auth:
        err_console.print("[bold yellow]warning:[/bold yellow] serving WITHOUT authentication (--no-auth): "
                          "any process that can reach the port acts as any user, with their agents and "
                          "workspaces. Use it only for local development.", highlight=False)
        settings.pop("auth", None)
        config_path = _write_config(settings, "langgraph.noauth.json")
    elif not settings.get("auth"):
        fail(f"{config_path} has no \"auth\" section: add one (see README, Serving) or pass --no-auth")
    else:
        _hint_tokens()
    if not env.get(ROOTS_ENV, "").strip():
        err_console.print(f"[yellow]note:[/yellow] no workspace roots ({ROOTS_ENV} or --workspace-root): "
                          "every run will be refused until one is configured.", highlight=False)
    args = [langgraph, "dev", "--no-browser", "--host", host, "--port", str(port), "--config", str(config_path)]
    if not reload:
        args.append("--no-reload")
    os.execve(langgraph, args, env)


def _hint_tokens() -> None:
    try:
        from ..persistence.tokens import TokenRepository  # noqa: PLC0415

        active = TokenRepository().list(include_revoked=False)
    except Exception:  # noqa: BLE001 - only a hint; the server reports real database errors
        return
    if not active:
        err_console.print("[yellow]note:[/yellow] no tokens yet: create one with "
                          "`codelab tokens create --user USER` and send it as 'Authorization: Bearer ...'",
                          highlight=False)


def _write_config(settings: dict[str, Any], name: str) -> Path:
    path = data_dir() / name
    path.write_text(json.dumps(settings, indent=2))
    return path


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
    """A langgraph.json for the installed package (absolute paths), with auth and the origin guard."""
    from .. import graph as graph_module  # noqa: PLC0415

    server_dir = Path(graph_module.__file__).resolve().parent / "server"
    return _write_config({
        "dependencies": ["."],
        "graphs": {"orchestrator": f"{Path(graph_module.__file__).resolve()}:graph"},
        "auth": {"path": f"{server_dir / 'auth.py'}:auth", "disable_studio_auth": True},
        "http": {"app": f"{server_dir / 'http.py'}:app", "disable_mcp": True, "disable_a2a": True,
                 "cors": {"allow_origins": [], "allow_credentials": False}},
    }, "langgraph.json")


def graph() -> None:
    """Print the orchestration graph as Mermaid."""
    from ..graph import graph as compiled  # noqa: PLC0415

    typer.echo(compiled.get_graph().draw_mermaid())
