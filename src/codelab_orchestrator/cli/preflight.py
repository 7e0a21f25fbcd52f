"""Checks before a run starts, so a project that cannot run says why at once:
the database answers, a specialist is enabled, every model can be created.

Nothing here imports LangGraph: ``codelab run`` calls it before loading the
graph, so a wrong ``DATABASE_URL`` or a missing key fails in a fraction of
the time the graph takes to import.
"""

from __future__ import annotations

from ..context import Context


class NoModelError(RuntimeError):
    def __init__(self, agent: str, model: str, cause: Exception):
        super().__init__(
            f"no usable model for agent {agent!r} ({model}).\n"
            "Configure one of:\n"
            "  OPENAI_API_KEY=sk-...                 for OpenAI\n"
            "  OPENAI_BASE_URL=http://host:port/v1   for a compatible server (vLLM, Ollama, LiteLLM)\n"
            "  --model provider:model                this run's model, for every agent\n"
            "  codelab agents set-model provider:model   the agents' model, kept\n"
            "  model = \"provider:model\" in .codelab.toml or ~/.config/codelab/config.toml\n"
            "  CODELAB_MODEL=provider:model          (see `codelab config show` for which one wins)\n"
            f"(cause: {str(cause).splitlines()[0][:200]})")


def check_models(context: Context) -> None:
    """Fail early, with what to set, when the project cannot run: no enabled specialist,
    or models that cannot be created."""
    from ..project import load_project  # noqa: PLC0415

    project = load_project(context)  # the database first: it fails before LangChain is imported
    from ..models import ModelConfigurationError, get_chat_model  # noqa: PLC0415

    if not project.enabled_roles:
        raise ValueError(f"no enabled specialist agent in {context.user_id}/{context.project_id}: "
                         "enable one with `codelab agents update NAME --status ready`")
    checked: set[str] = set()
    for agent in [project.orchestrator, *[a for a in project.agents if a.enabled]]:
        if agent.config.model in checked:  # one client per model string proves the set-up
            continue
        checked.add(agent.config.model)
        try:
            get_chat_model(agent.config.model, temperature=agent.config.temperature,
                           max_tokens=agent.config.max_tokens)
        except ModelConfigurationError as exc:
            raise NoModelError(agent.name, agent.config.model, exc) from None
