"""The escape table (tests/escapes.py): every attempt to write outside the workspace, read a
planted secret, reach the network, outlive a command or plant git hooks must fail; the
control rows, run without the sandbox, must be caught by the same detectors."""

from __future__ import annotations

import os

import pytest

from codelab_orchestrator.tools.sandbox import sandbox_status

from . import escapes


def _require_sandbox() -> None:
    status = sandbox_status()
    if status.available:
        return
    if os.environ.get("CODELAB_REQUIRE_SANDBOX") or os.environ.get("CI"):
        pytest.fail(f"the sandbox is required here: {status.detail}")
    pytest.skip(status.detail)


@pytest.fixture(scope="module")
def table():
    _require_sandbox()
    with escapes.arena() as box:
        yield escapes.run_table(box)


def _offenders(outcomes, attribute):
    return [f"{o.attempt.name}: {getattr(o, attribute)} ({o.detail})"
            for o in outcomes if getattr(o, attribute)]


def test_the_table_covers_every_variant_of_the_issue(table):
    assert len(table) >= 57
    categories = {o.attempt.category for o in table}
    assert categories >= {"interpreter writes", "secret reads", "environment", "git", "dev tools",
                          "network", "processes", "file tools", "symlink races"}
    names = " ".join(o.attempt.name for o in table)
    for variant in ("git -C ..", "--output=../x", "--git-dir=../.git", "--basetemp=../x",
                    "ruff check --cache-dir=../x", "mypy --cache-dir=../x", "/proc/self/root",
                    "hard link", "--output=/abs", "setsid", "TCP", "symlinks ../secret.txt"):
        assert variant in names, variant


def test_no_write_outside_the_workspace(table):
    assert _offenders(table, "wrote_outside") == []


def test_no_read_of_a_planted_secret(table):
    assert _offenders(table, "read_secret") == []


def test_no_network_no_survivor_no_git_metadata_change(table):
    assert _offenders(table, "other") == []


def test_the_races_really_raced(table):
    races = [o for o in table if o.attempt.category == "symlink races"]
    assert races
    for outcome in races:
        calls = int(outcome.detail.split(" calls", 1)[0])
        assert calls > 50, outcome.detail  # the tool ran many times while the path flipped


def test_controls_without_the_sandbox_are_caught():
    """The detectors work: the same attempts run as a plain child process (how run_command
    ran before the sandbox) register as escapes."""
    _require_sandbox()
    with escapes.arena() as box:
        for name in escapes.CONTROLS:
            index, attempt = escapes.by_name(name)
            outcome = escapes.run_attempt(box, attempt, index, confined=False)
            assert outcome.escaped, name
