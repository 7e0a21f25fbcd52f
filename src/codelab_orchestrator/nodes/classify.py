"""``classify``: what kind of work is this, and for which specialist.

Order of decisions: an explicit cancel of the active plan; single-agent mode;
then the orchestrator row's ``routing_strategy`` -- ``local`` (router only),
``hybrid`` (router alone when confident enough, else the LLM), ``llm``. Any LLM
failure or unusable reply falls back to the local router (method ``fallback``).
"""

from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from ..context import Context
from ..events import emit
from ..models import ModelConfigurationError, get_chat_model
from ..parsing import structured_call
from ..persistence.sessions import SessionStore
from ..planning import ClassificationOutput
from ..project import Project, load_project
from ..prompts.classify import CLASSIFY_SYSTEM, HISTORY_TEMPLATE, PLAN_VIEW
from ..roles import ROUTABLE_ROLES
from ..router import default_router
from ..state import Classification, Plan, State, Task, now
from .common import last_request, message_text, plan_summary, session_context, session_info

log = logging.getLogger(__name__)

CANCEL = re.compile(
    r"^\s*(cancel|stop|abort|halt|отмена|отмени(ть)?|стоп|хватит|cancelar|detener|abbrechen|"
    r"stopp|取消|停止)\b[\s.!]*$", re.IGNORECASE)
HISTORY_MESSAGES = 6


def classify(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict:
    context = session_context(state, runtime)
    text = last_request(state.messages)
    plan = state.plan
    update: dict = {"final": None, "pending_replan": None}
    if state.session is None:
        update["session"] = session_info(context)
    register_session(config, context, text)

    if plan is not None and plan.active and CANCEL.match(text):
        reason = "cancelled by the user"
        cancelled = plan.with_tasks(stop_running(plan, reason), status="cancelled",
                                    notes=[*plan.notes, reason])
        emit("plan_completed", plan_id=plan.id, status="cancelled", reason=reason)
        return {**update, "plan": cancelled}

    project = load_project(context)
    plan_view = plan_summary(plan) if plan is not None and plan.active else None
    classification = decide(text, state, project, plan_view)
    classification = classification.model_copy(
        update={"agent": project.resolve_role(classification.agent)})
    emit("classified", agent=classification.agent, is_atomic=classification.is_atomic,
         confidence=classification.confidence, method=classification.method)
    if plan is not None:
        # A finished plan is history; an active one is superseded by the new request.
        if plan.active:
            reason = "superseded by a new request"
            stop_running(plan, reason)
            emit("plan_completed", plan_id=plan.id, status="cancelled", reason=reason)
        update["plan"] = None
    return {**update, "classification": classification}


def register_session(config: RunnableConfig, context: Context, request: str) -> None:
    """The session's row in the sessions table (what ``codelab sessions list`` shows), for
    sessions started over HTTP as for those started by the CLI."""
    thread_id = config.get("configurable", {}).get("thread_id")
    if thread_id:
        SessionStore().register(str(thread_id), user_id=context.user_id,
                                project_id=context.project_id, workspace=context.workspace,
                                orchestrator=context.orchestrator, last_request=request)


def stop_running(plan: Plan, reason: str) -> list[Task]:
    """Tasks of ``plan`` under way (running, or stopped and resumable) recorded as cancelled for
    good with ``reason``. Their attempts belonged to an earlier run, which has ended: nothing of
    them runs any more."""
    stopped = [t.model_copy(update={"status": "cancelled", "error": reason, "finished_at": now()})
               for t in plan.tasks if t.status in ("running", "cancelled")]
    for task in stopped:
        emit("task_cancelled", plan_id=plan.id, task_id=task.id, agent=task.agent,
             attempt=task.attempts, reason=reason)
    return stopped


def decide(text: str, state: State, project: Project, plan_view: str | None) -> Classification:
    if project.single_agent:
        return Classification(agent="universal", is_atomic=True, confidence="high",
                              method="single_agent", reasoning="only the universal agent is enabled")
    settings = project.settings
    router = default_router()
    if settings.routing_strategy == "local":
        return router.classify(text)
    if settings.routing_strategy == "hybrid":
        local = router.classify(text)
        if (local.score or 0.0) >= settings.routing_confidence_threshold:
            return local
    try:
        model = orchestrator_model(project)
    except ModelConfigurationError:
        return router.classify(text)  # no model configured: the router decides alone
    try:
        return classify_with_llm(model, text, state, project, plan_view)
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the router
        log.warning("LLM classification failed, using the local router: %s", exc)
        fallback = router.classify(text)
        return fallback.model_copy(update={
            "method": "fallback", "reasoning": f"LLM failed ({type(exc).__name__}: {str(exc)[:200]}); "
                                               f"{fallback.reasoning}"})


def orchestrator_model(project: Project) -> BaseChatModel:
    config = project.orchestrator.config
    return get_chat_model(config.model, temperature=min(config.temperature, 0.2),
                          max_tokens=config.max_tokens)


def classify_with_llm(model: BaseChatModel, text: str, state: State, project: Project,
                      plan_view: str | None) -> Classification:
    agents = [r for r in ROUTABLE_ROLES if r in project.enabled_roles]
    system = CLASSIFY_SYSTEM.format(
        agents=", ".join(agents),
        plan_view=PLAN_VIEW.format(summary=plan_view) if plan_view else "")
    history = "\n".join(f"{m.type}: {message_text(m)[:500]}"
                        for m in state.messages[-HISTORY_MESSAGES - 1:-1])
    prompt = HISTORY_TEMPLATE.format(history=history or "(none)", request=text) if history else text
    output = structured_call(model, ClassificationOutput,
                             [SystemMessage(system), HumanMessage(prompt)])
    return Classification(**output.model_dump(), method="llm")


