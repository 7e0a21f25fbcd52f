"""run_command's sandbox, its policy, the async runner, the file policy and redaction."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from langchain.tools import ToolRuntime

from codelab_orchestrator.context import TaskContext
from codelab_orchestrator.persistence.defaults import DEV_COMMANDS
from codelab_orchestrator.persistence.schemas import ConfigValidationError, validate_config
from codelab_orchestrator.tools import TOOLS, Workspace, WorkspaceError, commands, files, sandbox
from codelab_orchestrator.tools.commands import (
    CommandNeedsApproval,
    Decision,
    decide_command,
    run_command,
    run_command_async,
)
from codelab_orchestrator.tools.redaction import redact, redact_value, secret_values
from codelab_orchestrator.tools.sandbox import SandboxStatus

AVAILABLE = SandboxStatus(True, "bubblewrap test")
MISSING = SandboxStatus(False, "bubblewrap (bwrap) is not installed")
SECRET = "sk-test-0123456789abcdef"


@pytest.fixture
def needs_sandbox():
    status = sandbox.sandbox_status()
    if not status.available:
        if os.environ.get("CODELAB_REQUIRE_SANDBOX") or os.environ.get("CI"):
            pytest.fail(f"the sandbox is required here: {status.detail}")
        pytest.skip(status.detail)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw-db-secret@127.0.0.1:5432/app")
    return Workspace(root)


def call_tool(name, context, **args):
    runtime = ToolRuntime(state={}, context=context, config={}, stream_writer=lambda _: None,
                          tool_call_id="call-1", store=None)
    return asyncio.run(TOOLS[name].ainvoke({**args, "runtime": runtime}))


def py(code: str) -> str:
    return "python3 -c " + shlex.quote(code)


def git(cwd, *args):
    return subprocess.run(["git", "-c", "user.email=t@e", "-c", "user.name=t", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


# --- the policy decision ------------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "status", "action", "sandboxed"), [
    ("sandbox", AVAILABLE, Decision.RUN, True),
    ("sandbox", MISSING, Decision.NEEDS_APPROVAL, False),
    ("approve", AVAILABLE, Decision.NEEDS_APPROVAL, True),
    ("approve", MISSING, Decision.NEEDS_APPROVAL, False),
    ("refuse", AVAILABLE, Decision.RUN, True),
    ("refuse", MISSING, Decision.REFUSE, False),
])
def test_decide_command(policy, status, action, sandboxed):
    decision = decide_command(policy, status)
    assert (decision.action, decision.sandboxed) == (action, sandboxed)
    assert decision.reason


def test_unknown_policy_is_an_error():
    with pytest.raises(ValueError, match="unknown command_policy"):
        decide_command("yolo", AVAILABLE)


def test_without_a_sandbox_nothing_runs_silently(ws, monkeypatch):
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: MISSING)
    marker = ws.root / "ran"
    command = f"python3 -c \"open('{marker.name}', 'w')\""
    with pytest.raises(CommandNeedsApproval, match="needs a person's approval") as caught:
        run_command(ws, command, ["python3"])
    assert caught.value.decision.action is Decision.NEEDS_APPROVAL and not marker.exists()
    with pytest.raises(WorkspaceError, match="command_policy is 'refuse'"):
        run_command(ws, command, ["python3"], policy="refuse")
    assert not marker.exists()
    # Approved: runs unconfined, but still with the scrubbed environment.
    out = run_command(ws, "python3 -c 'import os; print(sorted(os.environ))'", ["python3"],
                      approved=True)
    assert "OPENAI_API_KEY" not in out and "DATABASE_URL" not in out and "PATH" in out


def test_the_tool_reports_that_approval_is_needed(ws, monkeypatch):
    monkeypatch.setattr(sandbox, "sandbox_status", lambda: MISSING)
    context = TaskContext(workspace=str(ws.root), allowed_commands=("python3",))
    out = call_tool("run_command", context, command="python3 -c 'print(1)'")
    assert out.startswith("ERROR:") and "approval" in out and "not installed" in out
    refused = TaskContext(workspace=str(ws.root), allowed_commands=("python3",),
                          command_policy="refuse")
    assert "command_policy is 'refuse'" in call_tool("run_command", refused,
                                                     command="python3 -c 'print(1)'")


def test_the_tools_read_network_and_deny_list_from_the_context(ws, needs_sandbox):
    (ws.root / "dump.sql").write_text("secret rows\n")
    plain = TaskContext(workspace=str(ws.root), allowed_commands=("python3", "cat"))
    denying = TaskContext(workspace=str(ws.root), allowed_commands=("python3", "cat"),
                          deny_files=("*.sql",))
    assert "secret rows" in call_tool("read_file", plain, path="dump.sql")
    assert "protected" in call_tool("read_file", denying, path="dump.sql")
    assert "secret rows" not in call_tool("run_command", denying, command="cat dump.sql")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    code = py(f"import socket; socket.create_connection(('127.0.0.1', {listener.getsockname()[1]})); "
              "print('OK')")
    try:
        networked = TaskContext(workspace=str(ws.root), allowed_commands=("python3",),
                                allow_network=True)
        assert "OK" in call_tool("run_command", networked, command=code)
        assert "OK" not in call_tool("run_command", plain, command=code)
    finally:
        listener.close()


def test_cancelling_the_tool_kills_the_command(ws, needs_sandbox):
    context = TaskContext(workspace=str(ws.root), allowed_commands=("python3",))
    code = py("import time; open('started', 'w').close(); time.sleep(1.0); open('finished', 'w')")

    async def scenario():
        runtime = ToolRuntime(state={}, context=context, config={}, stream_writer=lambda _: None,
                              tool_call_id="call-1", store=None)
        task = asyncio.ensure_future(TOOLS["run_command"].ainvoke({"command": code,
                                                                   "runtime": runtime}))
        for _ in range(100):
            if (ws.root / "started").exists():
                break
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    time.sleep(1.3)
    assert (ws.root / "started").exists() and not (ws.root / "finished").exists()


def test_config_fields():
    assert validate_config("coder", {}).allow_network is False
    assert validate_config("coder", {"deny_files": [" *.sqlite "]}).deny_files == ["*.sqlite"]
    assert validate_config("orchestrator", {}).command_policy == "sandbox"
    with pytest.raises(ConfigValidationError, match="command_policy"):
        validate_config("orchestrator", {"command_policy": "always"})
    with pytest.raises(ConfigValidationError, match="deny_files"):
        validate_config("coder", {"deny_files": [""]})


# --- inside the sandbox ---------------------------------------------------------------------------

def test_env_in_a_command_shows_no_secret(ws, needs_sandbox):
    out = run_command(ws, "python3 -c 'import os; print(dict(os.environ))'", ["python3"])
    assert out.startswith("exit code 0")
    assert SECRET not in out and "pw-db-secret" not in out and "REDACTED" not in out
    assert "'HOME': '/tmp/home'" in out and "DATABASE_URL" not in out


def test_a_secret_echoed_by_a_command_is_redacted(ws, needs_sandbox):
    (ws.root / "config.py").write_text(f"KEY = '{SECRET}'\n")
    out = run_command(ws, "cat config.py", ["cat"])
    assert SECRET not in out and "[REDACTED:OPENAI_API_KEY]" in out
    out = run_command(ws, "python3 -c 'print(\"postgresql://app:pw-db-secret@h/db\")'", ["python3"])
    assert "pw-db-secret" not in out


def test_writes_only_in_the_workspace(ws, needs_sandbox, tmp_path):
    # Under /tmp the workspace's parent exists in the sandbox's private, discarded /tmp, so
    # the write "succeeds" there; the host directory stays untouched.
    code = (f"open('inside.txt', 'w').write('ok'); open('{tmp_path}/outside.txt', 'w'); "
            "open('/usr/outside.txt', 'w')")
    out = run_command(ws, py(code), ["python3"])
    assert "exit code 1" in out and "Read-only file system" in out
    assert (ws.root / "inside.txt").read_text() == "ok"
    assert not (tmp_path / "outside.txt").exists() and not os.path.exists("/usr/outside.txt")


def test_network_only_when_allowed(ws, needs_sandbox):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('OK')"
    try:
        denied = run_command(ws, py(code), ["python3"])
        allowed = run_command(ws, py(code), ["python3"], allow_network=True)
    finally:
        listener.close()
    assert "OK" not in denied and "exit code 1" in denied
    assert allowed.startswith("exit code 0") and "OK" in allowed


def test_the_time_limit_kills_the_whole_tree(ws, needs_sandbox):
    code = ("import subprocess, sys, time; subprocess.Popen(['setsid', sys.executable, '-c', "
            "\"import time; time.sleep(0.5); open('late', 'w')\"]); time.sleep(30)")
    started = time.monotonic()
    with pytest.raises(WorkspaceError, match="timed out after 0.3s"):
        run_command(ws, py(code), ["python3"], timeout=0.3)
    assert time.monotonic() - started < 5
    time.sleep(0.8)
    assert not (ws.root / "late").exists()


def test_output_is_capped_while_reading(ws, needs_sandbox):
    out = run_command(ws, "python3 -c \"import sys\nfor _ in range(300): sys.stdout.write('x' * 10000)\"",
                      ["python3"])
    assert out.startswith("exit code 0") and "output cut at" in out
    assert len(out) < commands.MAX_OUTPUT_CHARS + 200


def test_async_runner_and_cancellation(ws, needs_sandbox):
    async def scenario():
        out = await run_command_async(ws, "python3 -c 'print(6 * 7)'", ["python3"])
        assert out == "exit code 0\n42"
        code = ("import subprocess, sys, time; subprocess.Popen(['setsid', sys.executable, '-c', "
                "\"import time; time.sleep(0.6); open('after_cancel', 'w')\"]); "
                "open('started', 'w'); time.sleep(30)")
        task = asyncio.ensure_future(run_command_async(ws, py(code), ["python3"]))
        for _ in range(100):
            if (ws.root / "started").exists():
                break
            await asyncio.sleep(0.05)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 3
        with pytest.raises(WorkspaceError, match="timed out"):
            await run_command_async(ws, "python3 -c 'import time; time.sleep(10)'", ["python3"],
                                    timeout=0.3)

    asyncio.run(scenario())
    assert (ws.root / "started").exists()
    time.sleep(0.9)
    assert not (ws.root / "after_cancel").exists()


def test_async_runner_does_not_block_the_loop(ws, needs_sandbox):
    async def scenario():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        tick = asyncio.ensure_future(ticker())
        await run_command_async(ws, "python3 -c 'import time; time.sleep(0.5)'", ["python3"])
        tick.cancel()
        return ticks

    assert asyncio.run(scenario()) >= 10


def test_git_in_a_worktree_reads_but_cannot_write_metadata(tmp_path, needs_sandbox):
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    (main / "a.txt").write_text("one\n")
    git(main, "add", "a.txt")
    git(main, "commit", "-qm", "first")
    git(main, "worktree", "add", "-q", str(tmp_path / "task"), "-b", "task")
    ws = Workspace(tmp_path / "task")
    (ws.root / "a.txt").write_text("two\n")
    allowed = ["git", "python3"]
    assert " M a.txt" in run_command(ws, "git status --short", allowed)
    assert "+two" in run_command(ws, "git diff", allowed)
    assert "first" in run_command(ws, "git log --oneline", allowed)
    head = git(main, "rev-parse", "task")
    out = run_command(ws, "git commit -qam sneaky", allowed)
    assert "exit code 0" not in out and "Read-only file system" in out
    assert git(main, "rev-parse", "task") == head
    gitfile = (ws.root / ".git").read_text()
    out = run_command(ws, "python3 -c \"open('.git', 'w').write('gitdir: evil')\"", allowed)
    assert "exit code 1" in out and (ws.root / ".git").read_text() == gitfile
    assert "protected" in call_tool("write_file", TaskContext(workspace=str(ws.root)),
                                    path=".git", content="gitdir: evil")


def _project_with_venv_and_worktree(tmp_path):
    """A git project with an (ignored) virtualenv, and a task worktree of it (no .venv)."""
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    (main / ".gitignore").write_text(".venv/\n")
    (main / "secret.txt").write_text("only in the project\n")
    git(main, "add", ".gitignore")
    git(main, "commit", "-qm", "first")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(main / ".venv")],
                   check=True, capture_output=True)
    git(main, "worktree", "add", "-q", str(tmp_path / "task"), "-b", "task")
    assert not (tmp_path / "task" / ".venv").exists()
    return main, tmp_path / "task"


def test_a_worktree_runs_commands_with_the_projects_virtualenv_read_only(tmp_path, needs_sandbox):
    main, task = _project_with_venv_and_worktree(tmp_path)
    venv = (main / ".venv").resolve()
    prefix = "import sys; print('PREFIX=' + sys.prefix)"
    # without the origin, the worktree has no virtualenv: another Python runs
    assert f"PREFIX={venv}\n" not in run_command(Workspace(task), py(prefix).replace(
        "python3", "python", 1), ["python"]) + "\n"
    ws = Workspace(task, origin=main)
    assert sandbox.tool_dirs(ws.root, ws.origin)[0] == str(venv / "bin")
    out = run_command(ws, "python -c " + shlex.quote(prefix), ["python"])
    assert "exit code 0" in out and f"PREFIX={venv}" in out
    # the same through the tool, with the project root in the task's context
    context = TaskContext(workspace=str(task), project_root=str(main), allowed_commands=("python",))
    assert f"PREFIX={venv}" in call_tool("run_command", context,
                                         command="python -c " + shlex.quote(prefix))
    # read-only: nothing can be planted in the user's virtualenv from a task
    plant = "import sys; open(sys.prefix + '/bin/planted', 'w').write('x')"
    out = run_command(ws, "python -c " + shlex.quote(plant), ["python"])
    assert "Read-only file system" in out and not (venv / "bin" / "planted").exists()
    # only the virtualenv of the project is visible, not the project itself
    peek = f"print(open({str(main / 'secret.txt')!r}).read())"
    out = run_command(ws, "python -c " + shlex.quote(peek), ["python"])
    assert "only in the project" not in out and "No such file" in out


def test_only_a_real_virtualenv_of_the_origin_is_used(tmp_path):
    main, task = tmp_path / "main", tmp_path / "task"
    (tmp_path / "home" / "bin").mkdir(parents=True)
    main.mkdir()
    task.mkdir()
    (main / ".venv").symlink_to(tmp_path / "home")  # a committed symlink: not a virtualenv
    assert sandbox.project_venvs(task, main) == []
    assert Workspace(task, origin=main).origin == main.resolve()
    assert Workspace(task, origin=task).origin is None  # the project itself: no second place
    (tmp_path / "home" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert sandbox.project_venvs(task, main) == [(tmp_path / "home").resolve()]


def test_an_attempt_keeps_the_users_workspace_as_its_project_root():
    from dataclasses import replace

    from codelab_orchestrator.agents.attempt import Attempt
    from codelab_orchestrator.state import Task

    attempt = Attempt(session_thread=None, plan_id="p", task=Task(id="t1", description="d",
                                                                   agent="coder"),
                      agent=None, settings=None, goal="g", dependencies=(), workspace="/proj")
    moved = replace(attempt, workspace="/home/x/.codelab/gitspace/worktrees/p/t1.1")
    assert moved.project_root == "/proj" and moved.workspace.endswith("t1.1")


def test_workspace_secrets_are_masked_for_commands(ws, needs_sandbox):
    (ws.root / ".env").write_text("TOKEN=workspace-secret-value\n")
    (ws.root / "keys").mkdir()
    (ws.root / "keys" / "server.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (ws.root / ".codelabignore").write_text("private/\n")
    (ws.root / "private").mkdir()
    (ws.root / "private" / "notes.txt").write_text("keep out\n")
    out = run_command(ws, "cat .env keys/server.pem private/notes.txt app.py", ["cat"])
    assert "workspace-secret-value" not in out and "PRIVATE KEY" not in out
    assert "keep out" not in out and "print('hi')" in out


def test_the_orchestrators_own_data_is_out_of_reach(tmp_path, monkeypatch, needs_sandbox):
    root = tmp_path / "p"
    (root / ".codelab").mkdir(parents=True)
    (root / ".codelab" / "codelab.sqlite").write_text("every user's agents\n")
    (root / "state.db").write_text("checkpoints\n")
    monkeypatch.setenv("CODELAB_HOME", str(root / ".codelab"))
    monkeypatch.setenv("CODELAB_CHECKPOINT_URL", f"sqlite:///{root / 'state.db'}")
    ws = Workspace(root)
    for path in (".codelab/codelab.sqlite", "state.db"):
        with pytest.raises(WorkspaceError, match="orchestrator's own data"):
            files.read_file(ws, path)
    with pytest.raises(WorkspaceError, match="orchestrator's own data"):
        files.write_file(ws, ".codelab/x", "x")
    out = run_command(ws, "cat .codelab/codelab.sqlite state.db", ["cat"])
    assert "every user" not in out and "checkpoints" not in out


def test_forbidden_workspace_roots():
    with pytest.raises(WorkspaceError, match="system directory"):
        sandbox.bwrap_argv(Workspace("/usr"), ["true"], allow_network=False, userns_flags=())


def test_sandbox_probe_reports_a_missing_bwrap(monkeypatch):
    sandbox.sandbox_status.cache_clear()
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    try:
        status = sandbox.sandbox_status()
        assert not status.available and "not installed" in status.detail
    finally:
        sandbox.sandbox_status.cache_clear()


# --- file tools: policy, links, races ---------------------------------------------------------------

def test_file_tools_refuse_secret_files_and_honour_ignore_files(tmp_path):
    root = tmp_path / "p"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.py").write_text("token = 1\n")
    (root / ".env").write_text("TOKEN=abc\n")
    (root / ".env.local").write_text("TOKEN=abc\n")
    (root / "deploy.pem").write_text("key\n")
    (root / "id_ed25519").write_text("key\n")
    (root / "data.sqlite").write_text("TOKEN rows\n")
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text("TOKEN built\n")
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "debug.log").write_text("TOKEN log\n")
    (root / "src" / ".codelabignore").write_text("generated_*.py\n")
    (root / "src" / "generated_api.py").write_text("TOKEN generated\n")
    ws = Workspace(root, deny=["*.sqlite"])
    for path in (".env", ".env.local", "deploy.pem", "id_ed25519", "data.sqlite", "build/out.txt",
                 "debug.log", "src/generated_api.py", ".git/config"):
        with pytest.raises(WorkspaceError, match="protected|excluded by"):
            files.read_file(ws, path)
    with pytest.raises(WorkspaceError, match="protected"):
        files.write_file(ws, ".env", "x")
    with pytest.raises(WorkspaceError, match="excluded by src/.codelabignore"):
        files.write_file(ws, "src/generated_new.py", "x")
    listing = files.list_files(ws, ".", recursive=True)
    assert listing.splitlines() == [".gitignore", "src/.codelabignore", "src/main.py"]
    assert files.search_in_code(ws, "TOKEN") == "no matches for 'TOKEN'"
    assert "src/main.py:1" in files.search_in_code(ws, "token")
    # Without the row's extra pattern the sqlite file is an ordinary file; "!" re-allows one.
    assert "TOKEN rows" in files.read_file(Workspace(root), "data.sqlite")
    (root / ".env.example").write_text("TOKEN=\n")
    assert "TOKEN=" in files.read_file(Workspace(root, deny=["!.env.example"]), ".env.example")
    with pytest.raises(WorkspaceError, match="protected"):
        files.read_file(Workspace(root, deny=["!.env.example"]), ".env")


def test_hard_links_fifos_and_symlinked_names(tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("outside secret\n")
    os.link(tmp_path / "secret.txt", root / "hard.txt")
    os.mkfifo(root / "pipe")
    os.symlink(root / ".env.real", root / "innocent")
    (root / ".env.real").write_text("API=1\n")
    os.symlink("app.txt", root / ".env")
    (root / "app.txt").write_text("hello\n")
    ws = Workspace(root)
    with pytest.raises(WorkspaceError, match="hard links"):
        files.read_file(ws, "hard.txt")
    with pytest.raises(WorkspaceError, match="not a file"):
        files.read_file(ws, "pipe")  # a FIFO must not hang the tool
    with pytest.raises(WorkspaceError, match="protected"):
        files.read_file(ws, "innocent")  # a harmless name leading to a protected file
    with pytest.raises(WorkspaceError, match="protected"):
        files.read_file(ws, ".env")  # a protected name leading to a harmless file
    assert "outside secret" not in files.search_in_code(ws, "secret")
    assert "hello" in files.read_file(ws, "app.txt")


def test_write_file_never_follows_a_symlink_swapped_in(tmp_path):
    """Between the check and the write a thread flips the parent directory to a symlink
    pointing outside; nothing may land outside."""
    root = tmp_path / "p"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "d").mkdir()
    os.symlink(outside, root / "d.alt")
    ws = Workspace(root)
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    stop = threading.Event()

    def flip():
        a, b = str(root / "d").encode(), str(root / "d.alt").encode()
        while not stop.is_set():
            libc.renameat2(-100, a, -100, b, 2)

    thread = threading.Thread(target=flip, daemon=True)
    thread.start()
    deadline = time.monotonic() + 0.5
    calls = 0
    try:
        while time.monotonic() < deadline:
            with contextlib.suppress(WorkspaceError):
                files.write_file(ws, f"d/f{calls}.txt", "x")
            calls += 1
    finally:
        stop.set()
        thread.join(2)
    assert calls > 50 and list(outside.iterdir()) == []


def test_writes_into_this_process_python_are_refused(tmp_path, monkeypatch):
    root = tmp_path / "p"
    (root / ".venv" / "lib").mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(root / ".venv"))
    ws = Workspace(root, deny=[])
    with pytest.raises(WorkspaceError, match="Python installation"):
        files.write_file(ws, ".venv/lib/sitecustomize.py", "import os")


# --- redaction ----------------------------------------------------------------------------------------

def test_redact(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abcdefghijkl")
    monkeypatch.setenv("MY_SERVICE_PASSWORD", "hunter2hunter2")
    monkeypatch.setenv("REDIS_URL", "redis://user:s3cr3t-pass@cache:6379/0")
    monkeypatch.setenv("SSH_KEY_PATH", "/home/me/.ssh/id_ed25519")
    monkeypatch.setenv("API_KEY", "short")
    values = secret_values()
    assert values["ghp_abcdefghijkl"] == "GITHUB_TOKEN" and "s3cr3t-pass" in values
    assert "/home/me/.ssh/id_ed25519" not in values and "short" not in values
    text = "token ghp_abcdefghijkl and hunter2hunter2 at redis://user:s3cr3t-pass@cache"
    out = redact(text)
    assert "ghp_" not in out and "hunter2" not in out and "s3cr3t" not in out
    assert "[REDACTED:GITHUB_TOKEN]" in out and "[REDACTED:MY_SERVICE_PASSWORD]" in out
    nested = redact_value({"a": ["x ghp_abcdefghijkl", ("hunter2hunter2",)], "n": 3})
    assert nested == {"a": ["x [REDACTED:GITHUB_TOKEN]", ("[REDACTED:MY_SERVICE_PASSWORD]",)], "n": 3}
    monkeypatch.delenv("GITHUB_TOKEN")
    assert "ghp_abcdefghijkl" in redact("ghp_abcdefghijkl")  # follows the environment


def test_file_tools_redact_secrets_found_in_files(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    root = tmp_path / "p"
    root.mkdir()
    (root / "settings.py").write_text(f"KEY = '{SECRET}'\n")
    ws = Workspace(root)
    assert SECRET not in files.read_file(ws, "settings.py")
    assert SECRET not in files.search_in_code(ws, "KEY")


def test_starter_pack_commands_are_the_documented_ones():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert ", ".join(f"`{c}`" for c in DEV_COMMANDS) in readme
