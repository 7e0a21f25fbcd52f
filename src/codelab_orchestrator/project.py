"""One read of the agents table per node: the project's agents and its
orchestration settings, seeding the starter pack on first use."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from . import config
from .context import Context
from .persistence import AgentRecord, AgentRepository, OrchestratorConfig, pick_orchestrator
from .persistence.settings import database_url
from .roles import SPECIALIST_ROLES

_repositories: dict[str, AgentRepository] = {}
_lock = threading.Lock()


def repository() -> AgentRepository:
    url = database_url()
    with _lock:
        repo = _repositories.get(url)
        if repo is None:
            repo = _repositories[url] = AgentRepository()
    return repo


@dataclass(frozen=True)
class Project:
    agents: list[AgentRecord]
    orchestrator: AgentRecord
    test_command: str | None = None  # the project's test command, from the settings layers

    @property
    def settings(self) -> OrchestratorConfig:
        assert isinstance(self.orchestrator.config, OrchestratorConfig)
        return self.orchestrator.config

    @property
    def enabled_roles(self) -> list[str]:
        """Specialist roles with at least one enabled agent (the orchestrator is not one)."""
        return sorted({a.role.value for a in self.agents
                       if a.enabled and a.role.value in SPECIALIST_ROLES})

    @property
    def single_agent(self) -> bool:
        """Only the universal agent is enabled: everything goes to it."""
        return self.enabled_roles == ["universal"]

    def agent_for(self, role: str) -> AgentRecord | None:
        """The agent that runs ``role``: an enabled one, ``ready`` first."""
        candidates = [a for a in self.agents if a.role.value == role and a.enabled]
        return min(candidates, key=lambda a: (a.status.value != "ready", a.id), default=None)

    def resolve_role(self, role: str) -> str:
        """``role`` if enabled, else the closest enabled stand-in."""
        for candidate in (role, "universal", "coder", "ask", *self.enabled_roles):
            if candidate in self.enabled_roles:
                return candidate
        raise LookupError("the project has no enabled specialist agent")

    def doer_for(self, role: str) -> str:
        """``role`` resolved, or, when its agent cannot change files, the first enabled role
        whose agent can (coder, universal, debug): work given to one agent without a plan
        must not go to a read-only role that can only describe it."""
        from .tools.registry import WRITING_TOOLS  # noqa: PLC0415 - tools load LangChain

        def writes(candidate: str) -> bool:
            agent = self.agent_for(candidate)
            return agent is not None and bool(WRITING_TOOLS.intersection(agent.config.tools))

        resolved = self.resolve_role(role)
        if writes(resolved):
            return resolved
        return next((r for r in ("coder", "universal", "debug", *self.enabled_roles) if writes(r)),
                    resolved)

    def cost_of(self, role: str) -> float:
        agent = self.agent_for(role)
        return agent.config.metadata.cost_per_call if agent else 0.0


def load_project(context: Context) -> Project:
    """The project's agent rows with the settings layers applied (flags, ``.codelab.toml``,
    the user's config file, environment: :mod:`codelab_orchestrator.config`)."""
    rows = repository().project_agents(context.user_id, context.project_id)
    effective = config.resolve(context, rows)
    return Project(agents=effective.agents, test_command=effective.test_command,
                   orchestrator=pick_orchestrator(effective.agents, effective.orchestrator))
