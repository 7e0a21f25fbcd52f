"""Agent writes under concurrency, on SQLite and PostgreSQL: no lost update, no silent
overwrite of a newer config, exactly one default orchestrator."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from codelab_orchestrator.cli import app
from codelab_orchestrator.persistence import AgentRepository, AgentVersionConflictError

# Twenty different fields of one orchestrator row: nineteen config fields and the status.
CHANGES: list[tuple[str, object]] = [
    ("temperature", 0.7), ("system_prompt", "probe"), ("max_tokens", 1234),
    ("model", "openai:probe-model"), ("tools", ["read_file"]), ("allowed_commands", ["ls"]),
    ("metadata.capabilities", ["probe"]), ("metadata.risk_level", "high"),
    ("metadata.cost_per_call", 0.5), ("metadata.estimated_duration", 99.0),
    ("max_parallel_agents", 7), ("approval_threshold_cost", 3.5),
    ("approval_threshold_tasks", 13), ("error_handling", "fail_fast"), ("max_replans", 5),
    ("max_task_attempts", 4), ("max_plan_tasks", 33), ("routing_strategy", "llm"),
    ("routing_confidence_threshold", 0.5),
]


def _patch(dotted: str, value: object) -> dict:
    patch: object = value
    for part in reversed(dotted.split(".")):
        patch = {part: patch}
    assert isinstance(patch, dict)
    return patch


def _value(config: dict, dotted: str) -> object:
    for part in dotted.split("."):
        config = config[part]
    return config


def _all_at_once(jobs: list, fn) -> list:
    """Run ``fn(job)`` for every job on its own thread, released together."""
    barrier = threading.Barrier(len(jobs))

    def go(job):
        barrier.wait()
        try:
            return fn(job)
        except Exception as exc:  # noqa: BLE001 - the test counts them
            return exc

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(go, jobs))


def test_twenty_concurrent_partial_updates_keep_all_twenty(repo):
    repo.project_agents("u", "p")
    orch = repo.get_orchestrator("u", "p")
    jobs = [("config", f, v) for f, v in CHANGES] + [("status", "status", "busy")]

    def update(job):
        kind, field, value = job
        if kind == "status":
            return AgentRepository(repo.engine).update("u", "p", orch.id, status=value)
        return AgentRepository(repo.engine).update("u", "p", orch.id, config=_patch(field, value))

    results = _all_at_once(jobs, update)
    assert [r for r in results if isinstance(r, Exception)] == []
    after = repo.get("u", "p", orch.id)
    config = after.config.model_dump(mode="json")
    lost = [f for f, v in CHANGES if _value(config, f) != v]
    assert lost == [] and after.status.value == "busy"
    assert after.version == orch.version + 20  # every write counted, none overwritten
    assert config["is_default"] is True


def test_if_version_refuses_a_stale_whole_config(repo):
    repo.project_agents("u", "p")
    coder = repo.get("u", "p", "coder")
    whole = coder.config.model_dump(mode="json") | {"temperature": 0.9}
    updated = repo.update("u", "p", "coder", config=whole, replace_config=True,
                          if_version=coder.version)
    assert updated.version == coder.version + 1
    with pytest.raises(AgentVersionConflictError, match=f"version {updated.version}, not "
                                                        f"{coder.version}; nothing was written"):
        repo.update("u", "p", "coder", config=whole | {"temperature": 0.1}, replace_config=True,
                    if_version=coder.version)
    assert repo.get("u", "p", "coder").config.temperature == 0.9
    with pytest.raises(AgentVersionConflictError):
        repo.delete("u", "p", "coder", if_version=coder.version)
    assert repo.get("u", "p", "coder").version == updated.version


def test_concurrent_whole_config_writers_exactly_one_wins(repo):
    repo.project_agents("u", "p")
    base = repo.get("u", "p", "coder")
    whole = base.config.model_dump(mode="json")

    def write(i: int):
        return AgentRepository(repo.engine).update(
            "u", "p", "coder", config=whole | {"max_tokens": 100 + i}, replace_config=True,
            if_version=base.version)

    results = _all_at_once(list(range(10)), write)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert all(isinstance(r, AgentVersionConflictError) for r in results if r not in winners)
    assert repo.get("u", "p", "coder").config.max_tokens == winners[0].config.max_tokens


def test_one_default_orchestrator_under_concurrent_writes(repo):
    repo.project_agents("u", "p")

    def write(i: int):
        other = AgentRepository(repo.engine)
        if i % 2:
            return other.create("u", "p", name=f"orch{i}", role="orchestrator",
                                config={"is_default": True})
        return other.update("u", "p", "orchestrator", config={"is_default": True,
                                                              "max_replans": i % 5})

    results = _all_at_once(list(range(12)), write)
    assert [r for r in results if isinstance(r, Exception)] == []
    orchestrators = repo.list("u", "p", "orchestrator")
    assert len(orchestrators) == 7
    assert sum(o.config.is_default for o in orchestrators) == 1


def test_cli_if_version(database_url):
    runner = CliRunner()
    shown = json.loads(runner.invoke(app, ["agents", "show", "coder"]).output)
    version = shown["version"]
    ok = runner.invoke(app, ["agents", "update", "coder", "-c", '{"temperature": 0.4}',
                             "--if-version", str(version)])
    assert ok.exit_code == 0 and f"version {version + 1}" in ok.output
    stale = runner.invoke(app, ["agents", "update", "coder", "-c", '{"temperature": 0.5}',
                                "--if-version", str(version)])
    assert stale.exit_code == 2
    assert "changed meanwhile" in stale.output and "Traceback" not in stale.output
    assert json.loads(runner.invoke(app, ["agents", "show", "coder"]).output)["config"][
        "temperature"] == 0.4
