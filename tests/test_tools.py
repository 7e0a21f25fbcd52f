"""Workspace tools: the sandbox holds, and every awkward case gives the model a clear message."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from langchain.tools import ToolRuntime

from codelab_orchestrator.context import TaskContext
from codelab_orchestrator.persistence.schemas import KNOWN_TOOLS
from codelab_orchestrator.tools import TOOL_FUNCTIONS, TOOLS, Workspace


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("def main():\n    return 1\n\nmain()\n")
    (root / "README.md").write_text("hello\n")
    (tmp_path / "secret.txt").write_text("TOP SECRET\n")
    os.symlink(tmp_path / "secret.txt", root / "link_out")
    os.symlink(tmp_path, root / "dir_out")
    os.symlink(root / "README.md", root / "link_in")
    return root


@pytest.fixture
def tools(ws):
    """The tools' run context: the workspace, two allowed programs, a 1 s command limit."""
    return TaskContext(workspace=str(ws), command_timeout_s=1,
                       allowed_commands=("python3", sys.executable.rsplit("/", 1)[-1]))


def call(context, name, **args):
    runtime = ToolRuntime(state={}, context=context, config={}, stream_writer=lambda _: None,
                          tool_call_id="call-1", store=None)
    return asyncio.run(TOOLS[name].ainvoke({**args, "runtime": runtime}))


def test_registry_matches_the_config_schema():
    assert set(TOOL_FUNCTIONS) == set(KNOWN_TOOLS)


ESCAPES = [
    "../secret.txt", "../../etc/passwd", "src/../../secret.txt", "./../secret.txt",
    "/etc/passwd", "/tmp", "//etc/passwd", "~/.bashrc", "~root/.ssh/id_rsa",
    "..", "src/../..", "link_out", "dir_out/secret.txt", "dir_out",
    "%2e%2e/secret.txt", "%2E%2E%2Fsecret.txt", "..%2fsecret.txt", "%2fetc%2fpasswd",
    "..\\secret.txt", "C:\\Windows\\win.ini", "C:/Windows/win.ini", "\\\\server\\share",
    "src\\..\\..\\secret.txt", "src/\x00/../../secret.txt", " ../secret.txt",
]


@pytest.mark.parametrize("path", ESCAPES)
def test_path_escapes_are_rejected_for_every_tool(tools, ws, path):
    before = sorted(p.name for p in ws.parent.iterdir())
    for name, args in [("read_file", {"path": path}), ("list_files", {"path": path}),
                       ("write_file", {"path": path, "content": "x"}),
                       ("edit_file", {"path": path, "old": "TOP", "new": "x"}),
                       ("create_directory", {"path": path}),
                       ("search_in_code", {"pattern": "SECRET", "path": path})]:
        out = call(tools, name, **args)
        assert out.startswith("ERROR:"), (name, path, out)
        assert "TOP SECRET" not in out
    assert (ws.parent / "secret.txt").read_text() == "TOP SECRET\n"
    assert sorted(p.name for p in ws.parent.iterdir()) == before


def test_symlink_inside_workspace_is_fine(tools):
    assert "hello" in call(tools, "read_file", path="link_in")


def test_read_file_ranges_are_clamped(tools):
    out = call(tools, "read_file", path="src/main.py", start_line=3, end_line=999)
    assert out.startswith("src/main.py (lines 3-4 of 4)") and "main()" in out
    assert "has 4 lines; nothing at line 50" in call(tools, "read_file", path="src/main.py", start_line=50)
    assert "     1\tdef main():" in call(tools, "read_file", path="src/main.py")
    assert "does not exist" in call(tools, "read_file", path="nope.py")


def test_binary_and_large_files(tools, ws):
    (ws / "img.png").write_bytes(b"\x89PNG\x00\x01\x02" * 100)
    assert "binary file" in call(tools, "read_file", path="img.png")
    (ws / "big.txt").write_text("line\n" * 500_000)
    assert "read it in parts" in call(tools, "read_file", path="big.txt")
    out = call(tools, "read_file", path="big.txt", start_line=10, end_line=12)
    assert "lines 10-12 of 500000" in out


def test_create_directory_twice_is_success(tools, ws):
    assert call(tools, "create_directory", path="pkg/sub") == "directory pkg/sub created"
    assert call(tools, "create_directory", path="pkg/sub") == "directory pkg/sub already exists"
    assert "is a file" in call(tools, "create_directory", path="README.md")


def test_edit_file_missing_and_ambiguous(tools, ws):
    assert "was not found" in call(tools, "edit_file", path="src/main.py", old="nothing", new="x")
    assert "matches 2 places" in call(tools, "edit_file", path="src/main.py", old="main()", new="x")
    assert call(tools, "edit_file", path="src/main.py", old="return 1", new="return 2").startswith("edited")
    assert "return 2" in (ws / "src/main.py").read_text()


def test_write_file_is_atomic_and_creates_parents(tools, ws):
    assert call(tools, "write_file", path="a/b/c.txt", content="x\n").startswith("wrote a/b/c.txt")
    assert (ws / "a/b/c.txt").read_text() == "x\n"
    assert not [p for p in (ws / "a/b").iterdir() if p.name.endswith(".tmp")]


def test_list_and_search(tools, ws):
    (ws / "node_modules").mkdir()
    (ws / "node_modules" / "dep.js").write_text("def main")
    listing = call(tools, "list_files", recursive=True)
    assert "src/main.py" in listing and "node_modules" not in listing
    assert "src/main.py:1: def main():" in call(tools, "search_in_code", pattern="def main")
    assert "src/main.py:4" in call(tools, "search_in_code", pattern=r"^main\(\)$", regex=True)
    assert "invalid regular expression" in call(tools, "search_in_code", pattern="(", regex=True)


def test_run_command_allow_list_timeout_and_exit_code(tools, ws):
    out = call(tools, "run_command", command="python3 -c 'import sys; print(41 + 1); sys.exit(3)'")
    assert out.startswith("exit code 3") and "42" in out
    assert "not allowed" in call(tools, "run_command", command="rm -rf src")
    assert "not allowed" in call(tools, "run_command", command="/bin/sh -c ls")
    assert "outside the workspace" in call(tools, "run_command", command="python3 /etc/passwd")
    assert "timed out after 1s" in call(tools, "run_command", command="python3 -c 'import time; time.sleep(5)'")
    assert (ws / "src").exists()
    out = call(tools, "run_command", command="python3 -c 'print(\"x\" * 50000)'")
    assert "output cut" in out


def test_missing_workspace_is_a_clear_error(tmp_path):
    from codelab_orchestrator.tools import WorkspaceError

    with pytest.raises(WorkspaceError, match="not an existing directory"):
        Workspace(tmp_path / "nope")
