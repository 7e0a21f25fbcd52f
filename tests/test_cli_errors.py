"""Every error a user can fix is one line naming what to fix, with exit code 2; the
approval prompt asks again, showing the problems, until the answer is usable."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL
from tests.terminal import Terminal

ROOT = Path(__file__).resolve().parents[1]
CODELAB = str(Path(sys.executable).with_name("codelab"))
SCRIPTED = "scripted:tests.server_script:script"  # a 3-task plan a -> c, b -> c


def codelab(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([CODELAB, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "300", **(env or {})})


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout[-1000:], result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    return lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_up() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


# -- databases ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "hello"], ["agents", "list"], ["sessions", "list"],
                                     ["config", "show"], ["db", "upgrade"]])
def test_unreachable_postgres_fails_at_once_in_one_line(tmp_path, command):
    port = free_port()
    env = {"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/test", "CODELAB_MODEL": SCRIPTED}
    args = [*command, "-w", str(tmp_path)] if command[0] == "run" else command
    start = time.monotonic()
    line = one_line_error(codelab(*args, env=env))
    assert time.monotonic() - start < 20  # not the pool's 30 s wait, nor its retries
    assert f"postgresql://postgres@127.0.0.1:{port}/test" in line
    assert "Connection refused" in line and "check DATABASE_URL" in line


def test_unreachable_sessions_database_names_its_variable(tmp_path):
    env = {"CODELAB_CHECKPOINT_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x",
           "CODELAB_MODEL": SCRIPTED}
    line = one_line_error(codelab("run", "hello", "-w", str(tmp_path), env=env))
    assert "cannot open the sessions database" in line and "check CODELAB_CHECKPOINT_URL" in line


@pytest.mark.skipif(not pg_up(), reason="PostgreSQL not reachable")
@pytest.mark.parametrize(("path", "reason"), [
    ("postgres@127.0.0.1:5432/codelab_no_such_database", 'database "codelab_no_such_database" does not exist'),
    ("codelab_no_such_role@127.0.0.1:5432/test", 'role "codelab_no_such_role" does not exist'),
])
def test_missing_postgres_database_or_role(tmp_path, path, reason):
    line = one_line_error(codelab("run", "hello", "-w", str(tmp_path),
                                  env={"DATABASE_URL": f"postgresql://{path}"}))
    assert reason in line and "check DATABASE_URL" in line


def test_unusable_sqlite_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    line = one_line_error(codelab("agents", "list", env={"DATABASE_URL": f"sqlite:///{blocker}/agents.sqlite"}))
    assert "cannot open the agents database" in line and "check DATABASE_URL" in line


@pytest.mark.parametrize("command", [["agents", "list"], ["run", "x"], ["sessions", "list"]])
def test_bad_codelab_home(tmp_path, command):
    a_file = tmp_path / "home-is-a-file"
    a_file.write_text("")
    line = one_line_error(codelab(*command, env={"CODELAB_HOME": str(a_file)}))
    assert f"CODELAB_HOME={a_file} is a file, not a directory" in line
    line = one_line_error(codelab(*command, env={"CODELAB_HOME": str(a_file / "below")}))
    assert f"cannot create CODELAB_HOME={a_file / 'below'}" in line


# -- settings and answers ---------------------------------------------------------------


def test_bad_number_in_a_variable_names_it(tmp_path):
    line = one_line_error(codelab("run", "x", "-w", str(tmp_path),
                                  env={"CODELAB_MAX_PARALLEL_AGENTS": "lots"}))
    assert "CODELAB_MAX_PARALLEL_AGENTS='lots': must be a whole number" in line
    line = one_line_error(codelab("agents", "list", env={"CODELAB_DB_CONNECT_TIMEOUT": "soon",
                                                         "DATABASE_URL": "postgresql://h:1/x"}))
    assert "CODELAB_DB_CONNECT_TIMEOUT='soon' is not a number" in line


def test_messages_keep_their_closing_quote():
    assert one_line_error(codelab("agents", "show", "nope")) == "error: no agent 'nope' in local/local"
    assert one_line_error(codelab("agents", "update", "nope", "-c", "{}")).endswith("'nope' in local/local")


def test_unknown_revision_is_one_line():
    assert "Can't locate revision" in one_line_error(codelab("db", "upgrade", "nope"))


# -- db downgrade asks -------------------------------------------------------------------


def test_db_downgrade_asks_first(tmp_path):
    from codelab_orchestrator.project import repository

    repository().project_agents("local", "local")  # 6 agents (this test's CODELAB_HOME)
    refused = one_line_error(codelab("db", "downgrade"))
    assert "its 6 agent(s)" in refused and "pass --yes to confirm" in refused
    assert len(repository().list("local", "local")) == 6

    terminal = Terminal([CODELAB, "db", "downgrade"], env=dict(os.environ))
    terminal.expect("Continue? [y/N]")
    terminal.send("n")
    terminal.expect("nothing changed")
    assert terminal.wait() == 1
    assert len(repository().list("local", "local")) == 6

    done = codelab("db", "downgrade", "--yes")
    assert done.returncode == 0 and "database at revision None" in done.stdout


# -- the approval prompt ------------------------------------------------------------------


def test_approval_prompt_shows_problems_of_an_edited_plan_and_asks_again(tmp_path):
    home, ws = tmp_path / "home", tmp_path / "ws"
    ws.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CODELAB_HOME": str(home), "CODELAB_MODEL": SCRIPTED}
    assert codelab("agents", "update", "orchestrator", "-c",
                   '{"approval_threshold_tasks": 2, "routing_strategy": "llm"}', env=env).returncode == 0
    terminal = Terminal([CODELAB, "run", "build", "-w", str(ws), "--thread", "t-edit"], env=env)
    terminal.expect("estimated cost")
    terminal.expect("approve, reject or edit?")
    terminal.send("edit")
    terminal.expect("then press Enter")
    draft = next((home / "plans").glob("*.json"))
    assert [t["id"] for t in json.loads(draft.read_text())["tasks"]] == ["a", "b", "c"]

    draft.write_text('{"tasks": [')  # saved half-way
    terminal.send("")
    terminal.expect("not valid JSON")
    terminal.expect("then press Enter")
    draft.write_text(json.dumps({"tasks": [
        {"id": "x", "description": "one", "agent": "coder", "dependencies": ["y"]},
        {"id": "y", "description": "two", "agent": "wizard", "dependencies": ["x"]}]}))
    terminal.send("")
    terminal.expect("agent 'wizard' is not an enabled role")
    terminal.expect("dependency cycle: x -> y -> x")
    terminal.expect("then press Enter")
    draft.write_text(json.dumps({"goal": "edited", "tasks": [
        {"id": "x", "description": "one", "agent": "coder", "dependencies": []},
        {"id": "y", "description": "two", "agent": "ask", "dependencies": ["x"]}]}))
    terminal.send("")
    terminal.expect("completed")
    assert terminal.wait() == 0, terminal.output[-2000:]
    shown = json.loads(codelab("sessions", "show", "t-edit", "--json", env=env).stdout)
    assert [(t["id"], t["status"]) for t in shown["plan"]["tasks"]] == [("x", "done"), ("y", "done")]


# -- serve ---------------------------------------------------------------------------------


def test_serve_refuses_a_port_in_use():
    """`langgraph dev` would quietly move to another port; `codelab serve` says so and stops."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        line = one_line_error(codelab("serve", "--port", str(port), "--no-auth"))
    assert line == (f"error: port {port} on 127.0.0.1 is already in use: stop what holds it "
                    "or choose another with --port")
