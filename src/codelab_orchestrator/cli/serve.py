"""``codelab serve`` (langgraph dev, or with ``--cluster`` one server of a cluster on PostgreSQL +
Redis; offline-safe, authenticated) and ``codelab graph`` (Mermaid)."""

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
from . import cluster as cluster_mod
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
    cluster: Annotated[bool, typer.Option(
        "--cluster", help="Serve as one process of a cluster: threads, runs and checkpoints in "
                          "PostgreSQL (DATABASE_URL), queue and streams in Redis (REDIS_URL). "
                          "Needs the [cluster] extra in its own virtual environment.")] = False,
    jobs: Annotated[int, typer.Option(help="--cluster: runs this process executes at once.")
                    ] = cluster_mod.DEFAULT_JOBS,
    heartbeat: Annotated[float, typer.Option(
        help="--cluster: seconds between a run's heartbeats; a server silent for 2-4 "
             "heartbeats has its runs taken over.")] = cluster_mod.DEFAULT_HEARTBEAT_S,
    pg_pool_size: Annotated[int, typer.Option(
        help="--cluster: the runtime's PostgreSQL connections per process (and as many "
             "again when busy).")] = cluster_mod.DEFAULT_PG_POOL,
) -> None:
    """Serve over HTTP with `langgraph dev`, or as a cluster server (--cluster).

    The graph, for clients and LangGraph Studio; with --cluster one process of a cluster on
    PostgreSQL + Redis. Bearer-token auth; analytics, version check and tracing off. Stops
    if the port is taken."""
    from ..server.origins import OriginConfigError, allowed_origins  # noqa: PLC0415
    from ..server.roots import ROOTS_ENV  # noqa: PLC0415

    problem = port_problem(host, port)
    if problem:
        fail(problem)
    env = {**os.environ, **QUIET_ENV}
    if cluster:
        try:
            env.update(cluster_mod.cluster_env(os.environ, heartbeat_s=heartbeat, jobs=jobs,
                                               pg_pool=pg_pool_size))
        except cluster_mod.ClusterConfigError as exc:
            fail(str(exc))
        server = cluster_mod.find_langhost(sys.executable)
        if server is None:
            fail(f"`langhost` is not installed here: {cluster_mod.INSTALL_HINT}")
        if reload:
            fail("--reload cannot be used with --cluster")
    else:
        server = shutil.which("langgraph") or str(Path(sys.executable).with_name("langgraph"))
        if not Path(server).exists():
            fail("`langgraph` is not installed: pip install 'langgraph-cli[inmem]'")
    try:
        allowed_origins()
    except OriginConfigError as exc:
        fail(str(exc))
    if workspace_root:
        env[ROOTS_ENV] = os.pathsep.join(str(p.expanduser().resolve()) for p in workspace_root)
    config_path = config or (Path("langgraph.json") if Path("langgraph.json").exists() else _package_config())
    base = config_path.resolve().parent  # relative paths in the config are relative to it
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
    if cluster:
        config_path = _write_config(cluster_mod.absolute_config(settings, base),
                                    f"langgraph.cluster-{port}.json")
        args = cluster_mod.langhost_args(server, config_path, host=host, port=port)
        try:
            cluster_mod.migrate_runtime(env["DATABASE_URI"])
        except Exception as exc:  # noqa: BLE001 - one line, not a traceback
            fail(f"cannot prepare the cluster's database {_redacted_url(env['DATABASE_URI'])}: "
                 f"{str(exc).splitlines()[0][:300]}")
        err_console.print(f"cluster server on {host}:{port}: database "
                          f"{_redacted_url(env['DATABASE_URI'])}, redis {_redacted_url(env['REDIS_URI'])}, "
                          f"heartbeat {env['LG_BG_JOB_HEARTBEAT']} s, {jobs} runs at once",
                          highlight=False)
        os.execve(server, args, env)
    args = [server, "dev", "--no-browser", "--host", host, "--port", str(port), "--config", str(config_path)]
    if not reload:
        args.append("--no-reload")
    os.execve(server, args, env)


def _redacted_url(url: str) -> str:
    """``scheme://host:port/db`` without the user and password."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


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
