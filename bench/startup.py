"""Benchmark: how fast `codelab` starts, measured side by side with `python -c pass`.

Interleaves N rounds of:
- ``python -c pass``                        the floor: the interpreter alone
- ``codelab --help``                        help text
- ``codelab run --no-such-flag``            a usage error
- ``codelab run "..."``                     time from spawn to the first model request, received
                                            by a local OpenAI-compatible server (a real HTTP
                                            call through ChatOpenAI), on a project whose agents
                                            are already seeded; routing ``llm`` (the first call
                                            is the classifier) and the default ``hybrid`` (the
                                            local router decides first, loading its model)

and, for reference, a process that only imports the libraries a run needs before its
first model call (LangChain, LangGraph, the OpenAI client, SQLAlchemy): the floor.

Prints median and min per command, and the ratio of medians to ``python -c pass``. On a
shared machine, min is the closer estimate of the uncontended time.

With ``--baseline SRC`` the codelab rows are measured a second time, interleaved, with
another source tree first on ``PYTHONPATH`` (e.g. an older commit: ``git archive COMMIT src |
tar -x -C /tmp/before``), so before and after share the same machine load.

Usage: python bench/startup.py [--rounds 10] [--baseline /tmp/before/src]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.openai_server import OpenAIServer  # noqa: E402

CODELAB = str(Path(sys.executable).with_name("codelab"))
# What any run must import before its first model call: the floor under "first model call".
FLOOR = ("import langchain_openai, langchain.chat_models, langgraph.graph, "
         "langgraph.checkpoint.sqlite, sqlalchemy.orm")


def timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


class FirstCall:
    """An OpenAI-compatible server that notes when the first request of each run arrives."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.event = threading.Event()
        self.server = OpenAIServer(self._reply)

    def _reply(self, body: dict) -> dict:
        if self.first is None:
            self.first = time.perf_counter()
            self.event.set()
        names = [t["function"]["name"] for t in body.get("tools", [])]
        if "ClassificationOutput" in names:
            return {"tool_calls": [{"name": "ClassificationOutput",
                                    "arguments": {"agent": "ask", "is_atomic": True}}]}
        return {"content": "done"}

    def time_to_first_call(self, args: list[str], env: dict[str, str]) -> float:
        self.first = None
        self.event.clear()
        start = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not self.event.wait(60):
            proc.kill()
            raise RuntimeError(f"no model call: {proc.communicate()[1][-2000:]!r}")
        elapsed = self.first - start  # type: ignore[operator]
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            raise RuntimeError(f"run failed ({proc.returncode}): {err[-2000:]!r}")
        return elapsed


def codelab_commands(label: str, env: dict[str, str], probe: FirstCall, workspace: Path) -> dict:
    llm_env = {**env, "CODELAB_PROJECT": "llm"}
    hybrid_env = {**env, "CODELAB_PROJECT": "hybrid"}
    # Seed both projects (first use migrates and seeds: not what is measured).
    subprocess.run([CODELAB, "agents", "update", "orchestrator", "-c", '{"routing_strategy": "llm"}'],
                   env=llm_env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([CODELAB, "agents", "list"], env=hybrid_env, check=True, stdout=subprocess.DEVNULL)
    run = [CODELAB, "run", "explain what main.py does", "-w", str(workspace), "--json"]
    return {
        f"{label}codelab --help": lambda: timed([CODELAB, "--help"], env),
        f"{label}codelab run --no-such-flag": lambda: timed([CODELAB, "run", "--no-such-flag"], env),
        f"{label}run: first model call (llm routing)": lambda: probe.time_to_first_call(run, llm_env),
        f"{label}run: first model call (hybrid routing)":
            lambda: probe.time_to_first_call(run, hybrid_env),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help="another tree's src/, measured alongside")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="codelab-bench-"))
    workspace = home / "ws"
    workspace.mkdir()
    probe = FirstCall()
    with probe.server:
        env = {**os.environ, "CODELAB_HOME": str(home), "OPENAI_BASE_URL": probe.server.url,
               "OPENAI_API_KEY": "bench", "CODELAB_MODEL": "openai:gpt-bench",
               "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGSMITH_TRACING": "false",
               "XDG_CONFIG_HOME": str(home / "xdg")}  # no user config file
        for var in [k for k in env if k.startswith("CODELAB_") and k not in ("CODELAB_HOME", "CODELAB_MODEL")]:
            env.pop(var, None)
        env.pop("DATABASE_URL", None)
        commands = {
            "python -c pass": lambda: timed([sys.executable, "-c", "pass"], env),
            "floor: import the libraries a run needs": lambda: timed([sys.executable, "-c", FLOOR], env),
        }
        trees = [("", env)]
        if args.baseline:
            baseline_env = {**env, "PYTHONPATH": str(args.baseline.resolve()),
                            "CODELAB_HOME": str(home / "baseline")}
            trees.append(("baseline: ", baseline_env))
        for label, tree_env in trees:
            commands.update(codelab_commands(label, tree_env, probe, workspace))
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, measure in commands.items():
                samples[name].append(measure())
    floor = statistics.median(samples["python -c pass"])
    print(f"{'command':52} {'median s':>9} {'min s':>7} {'x pass':>7}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:52} {median:9.3f} {min(values):7.3f} {median / floor:7.1f}")


if __name__ == "__main__":
    main()
