"""The agents table through its repository, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from codelab_orchestrator.persistence import (
    AgentExistsError,
    AgentNotFoundError,
    AgentRole,
    AgentStatus,
    ConfigValidationError,
    OrchestratorConfig,
)
from codelab_orchestrator.persistence.defaults import DEFAULT_AGENTS


def test_starter_pack_seeded_on_first_use(repo, monkeypatch):
    monkeypatch.setenv("CODELAB_MODEL", "openai:gpt-4.1-nano")
    agents = repo.project_agents("alice", "web")
    assert [a.name for a in agents] == [spec.name for spec in DEFAULT_AGENTS]
    by_role = {a.role: a for a in agents}
    assert by_role[AgentRole.UNIVERSAL].status is AgentStatus.DISABLED
    assert all(a.config.model == "openai:gpt-4.1-nano" for a in agents)
    assert set(by_role[AgentRole.ASK].config.tools) == {"list_files", "read_file", "search_in_code"}
    assert set(by_role[AgentRole.ARCHITECT].config.tools) == set(by_role[AgentRole.ASK].config.tools)
    assert "write_file" in by_role[AgentRole.CODER].config.tools
    assert "write_file" not in by_role[AgentRole.ORCHESTRATOR].config.tools
    # idempotent: a second first-use adds nothing
    assert repo.seed_defaults("alice", "web") == 0
    assert len(repo.project_agents("alice", "web")) == len(DEFAULT_AGENTS)


def test_seeding_concurrently_from_threads_makes_no_duplicates(repo):
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def first_use() -> None:
        try:
            barrier.wait()
            repo.project_agents("bob", "api")
        except BaseException as exc:  # noqa: BLE001 - collected for the assert
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = [a.name for a in repo.list("bob", "api")]
    assert sorted(names) == sorted(spec.name for spec in DEFAULT_AGENTS)
    orchestrators = repo.get_agents_by_role("bob", "api", AgentRole.ORCHESTRATOR)
    assert sum(o.config.is_default for o in orchestrators) == 1


def test_validation_errors_name_field_and_reason(repo):
    with pytest.raises(ConfigValidationError) as info:
        repo.create("u", "p", name="bad", role="coder",
                    config={"temperature": 7, "tools": ["format_disk"], "metadata": {"risk_level": "x"}})
    message = str(info.value)
    assert "config.temperature" in message and "less than or equal to 2" in message
    assert "config.tools" in message and "format_disk" in message
    assert "config.metadata.risk_level" in message
    with pytest.raises(ConfigValidationError, match="config.max_parallel_agents"):
        repo.create("u", "p", name="o", role="orchestrator", config={"max_parallel_agents": 0})
    with pytest.raises(ConfigValidationError, match="config.error_handling"):
        repo.create("u", "p", name="o", role="orchestrator", config={"error_handling": "panic"})
    with pytest.raises(ConfigValidationError, match="config.typo_field: Extra inputs"):
        repo.create("u", "p", name="o", role="ask", config={"typo_field": 1})
    assert repo.list("u", "p") == []  # nothing written


def test_update_validates_and_merges(repo):
    coder = repo.create("u", "p", name="c", role="coder", config={"temperature": 0.1})
    updated = repo.update("u", "p", coder.id, config={"metadata": {"cost_per_call": 0.5}})
    assert updated.config.temperature == 0.1 and updated.config.metadata.cost_per_call == 0.5
    with pytest.raises(ConfigValidationError, match="config.temperature"):
        repo.update("u", "p", "c", config={"temperature": -1})
    assert repo.get("u", "p", "c").config.temperature == 0.1  # unchanged after the failed write
    assert repo.update("u", "p", "c", status="disabled").status is AgentStatus.DISABLED


def test_isolation_between_users_and_projects_even_by_id(repo):
    mine = repo.create("alice", "p1", name="helper", role="ask")
    repo.create("alice", "p2", name="helper", role="ask")  # same name, other project: fine
    repo.create("bob", "p1", name="helper", role="ask")
    for user, project in (("bob", "p1"), ("alice", "p2")):
        with pytest.raises(AgentNotFoundError):
            repo.get(user, project, mine.id)
        with pytest.raises(AgentNotFoundError):
            repo.update(user, project, mine.id, config={"temperature": 1.5})
        with pytest.raises(AgentNotFoundError):
            repo.delete(user, project, mine.id)
        assert all(a.id != mine.id for a in repo.list(user, project))
    assert repo.get("alice", "p1", mine.id).config.temperature == 0.2
    with pytest.raises(AgentExistsError, match="already exists"):
        repo.create("alice", "p1", name="helper", role="coder")


def test_default_and_named_orchestrators(repo):
    repo.project_agents("u", "p")
    default = repo.get_orchestrator("u", "p")
    assert default.name == "orchestrator" and default.config.is_default
    fast = repo.create("u", "p", name="fast", role="orchestrator",
                       config={"routing_strategy": "local", "max_parallel_agents": 8})
    assert repo.get_orchestrator("u", "p").name == "orchestrator"
    assert repo.get_orchestrator("u", "p", "fast").config.routing_strategy == "local"
    repo.update("u", "p", fast.id, config={"is_default": True})
    assert repo.get_orchestrator("u", "p").name == "fast"
    orchestrators = repo.get_agents_by_role("u", "p", "orchestrator")
    assert [o.name for o in orchestrators if o.config.is_default] == ["fast"]
    repo.delete("u", "p", "fast")  # deleting the default promotes another
    assert repo.get_orchestrator("u", "p").name == "orchestrator"
    with pytest.raises(AgentNotFoundError, match="ghost"):
        repo.get_orchestrator("u", "p", "ghost")
    assert isinstance(repo.get_orchestrator("u", "p").config, OrchestratorConfig)


def test_find_agent_by_role_skips_disabled_and_prefers_ready(repo):
    repo.create("u", "p", name="c1", role="coder", status="disabled")
    assert repo.find_agent_by_role("u", "p", "coder") is None
    repo.create("u", "p", name="c2", role="coder", status="busy")
    repo.create("u", "p", name="c3", role="coder", status="ready")
    assert repo.find_agent_by_role("u", "p", "coder").name == "c3"
    assert len(repo.get_agents_by_role("u", "p", "coder")) == 3
    assert len(repo.get_agents_by_role("u", "p", "coder", enabled_only=True)) == 2
