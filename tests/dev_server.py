"""Start a real `langgraph dev` on a free port for tests (slow: start one per module)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUIET = {"LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "true",
         "LANGSMITH_TRACING": "false"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def langgraph_dev(log_dir: Path, env: dict[str, str], *, config: str = "langgraph.json") -> Iterator[str]:
    """The server's URL once ``GET /ok`` answers; stopped (by pid) on exit.

    ``env`` is the server's whole environment (callers start from ``os.environ``); the
    repository is put on its PYTHONPATH so scripted models in ``tests`` can be imported.
    """
    port = free_port()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    log_path = log_dir / f"server-{port}.log"
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port),
                                 "--config", config],
                                cwd=ROOT, env={**env, **QUIET, "PYTHONPATH": pythonpath}, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, log_path.read_text()[-3000:]
                try:
                    if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "langgraph dev did not start"
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
