"""A real cluster for tests and benchmarks: `codelab serve --cluster` processes on a
throwaway PostgreSQL database and a throwaway Redis, each on a free port.

The servers run from the cluster's own virtual environment (``.venv-cluster``, the
``[cluster]`` extra: its langgraph-api cannot share a venv with ``[dev]``'s); this
process only talks to them over HTTP and SQL. ``CODELAB_CLUSTER_VENV`` points elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUIET = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
         "LANGSMITH_TRACING": "false"}
MODEL = "scripted:tests.cluster_script:script"


def cluster_venv() -> Path:
    return Path(os.environ.get("CODELAB_CLUSTER_VENV") or ROOT / ".venv-cluster")


def missing() -> str | None:
    """Why a cluster cannot be started here, or None."""
    if not (cluster_venv() / "bin" / "langhost").exists():
        return (f"no cluster environment at {cluster_venv()} (python3 -m venv .venv-cluster && "
                ".venv-cluster/bin/pip install -e '.[cluster]')")
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A private Redis (no persistence) on a free port; its URL."""
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(directory)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """A new PostgreSQL database (dropped afterwards); its ``postgresql://`` URL."""
    import psycopg

    name = f"codelab_cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        from codelab_orchestrator.persistence.engine import dispose_engines

        dispose_engines()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    """One `codelab serve --cluster` process (the process *is* the server: serve execs it)."""

    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.alive(), self.log.read_text()[-4000:]
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/ok", timeout=1).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"server on {self.port} did not start"
            time.sleep(0.2)

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far, with its finished children's
        (git, sandboxed commands), from /proc."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if not self.alive():
            return
        with contextlib.suppress(ProcessLookupError):
            self.signal(signal.SIGCONT)  # a paused server cannot handle SIGTERM
            self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@dataclass
class Cluster:
    """Servers sharing one database and one Redis."""

    database_url: str
    redis_url: str
    directory: Path
    env: dict[str, str]
    servers: list[Server] = field(default_factory=list)

    def start(self, count: int = 1, **options: str) -> list[Server]:
        started = [self._spawn(**options) for _ in range(count)]
        for server in started:
            server.wait_ready()
        self.servers += started
        return started

    def _spawn(self, **options: str) -> Server:
        port = free_port()
        log = self.directory / f"server-{port}.log"
        args = [str(cluster_venv() / "bin" / "codelab"), "serve", "--cluster", "--host",
                "127.0.0.1", "--port", str(port), "--config", str(ROOT / "langgraph.json")]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        with open(log, "w") as out:
            proc = subprocess.Popen(args, cwd=self.directory, env=self.env, stdout=out,
                                    stderr=subprocess.STDOUT)
        return Server(port, proc, log)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def logs(self) -> str:
        return "\n".join(s.log.read_text(errors="replace") for s in self.servers if s.log.exists())


def server_env(database_url: str, redis_url: str, workspace_root: Path, call_log: Path,
               **extra: str) -> dict[str, str]:
    """The servers' environment: this one's, plus the cluster's settings and the scripted model
    (importable from the repository, allowed by CODELAB_ALLOW_SCRIPTED_MODELS)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("VIRTUAL_ENV", "PYTEST_"))}
    env.update(QUIET)
    env.update({
        "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "CODELAB_WORKSPACE_ROOTS": str(workspace_root), "CODELAB_ALLOW_SCRIPTED_MODELS": "1",
        "CODELAB_MODEL": MODEL, "CLUSTER_CALL_LOG": str(call_log),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
        "PATH": f"{cluster_venv() / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    })
    env.update(extra)
    return env


def read_calls(call_log: Path) -> list[dict]:
    if not call_log.exists():
        return []
    return [json.loads(line) for line in call_log.read_text().splitlines() if line.strip()]
