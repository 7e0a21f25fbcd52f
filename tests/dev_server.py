"""Start a real `langgraph dev` on a free port for tests (slow: start one per module)."""

from __future__ import annotations

import contextlib
import json
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


def _absolute(value: str) -> str:
    return str((ROOT / value).resolve()) if value.startswith(".") else value


def isolated_config(directory: Path, config: str = "langgraph.json") -> Path:
    """The repository's config with absolute paths, written to ``directory``.

    The server then runs with ``directory`` as its working directory, so the
    in-memory runtime's files (``.langgraph_api/``: threads, store) stay there
    instead of piling up in the repository and leaking between test runs.
    """
    settings = json.loads((ROOT / config).read_text())
    settings["graphs"] = {name: _absolute(path) for name, path in settings["graphs"].items()}
    settings["dependencies"] = [_absolute(dep) for dep in settings.get("dependencies", [])]
    if isinstance(settings.get("env"), str):
        settings["env"] = _absolute(settings["env"])
    for section, key in (("auth", "path"), ("http", "app")):
        if settings.get(section, {}).get(key):
            settings[section][key] = _absolute(settings[section][key])
    path = directory / "langgraph.json"
    path.write_text(json.dumps(settings, indent=2))
    return path


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
    config_path = isolated_config(log_dir, config)
    pythonpath = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    log_path = log_dir / f"server-{port}.log"
    langgraph = str(Path(sys.executable).with_name("langgraph"))
    with open(log_path, "w") as log:
        proc = subprocess.Popen([langgraph, "dev", "--no-browser", "--no-reload", "--port", str(port),
                                 "--config", str(config_path)],
                                cwd=log_dir, env={**env, **QUIET, "PYTHONPATH": pythonpath}, stdout=log, stderr=subprocess.STDOUT)
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
