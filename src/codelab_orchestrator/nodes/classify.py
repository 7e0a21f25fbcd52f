"""``classify``: what kind of work is this, and for which specialist.

Order of decisions: an explicit cancel of the active plan; single-agent mode;
then the orchestrator row's ``routing_strategy`` -- ``local`` (router only),
``hybrid`` (router alone when confident enough, else the LLM), ``llm``. Any LLM
failure or unusable reply falls back to the local router (method ``fallback``).

In ``hybrid`` a weak model's answer loses to the router: on 120 labelled
requests Qwen2.5-Coder-0.5B was right 0.067 of the time and hybrid scored
below the router alone. The model is not asked when its id names fewer than
3B parameters, and its answer is set aside when it had to be dug out of text,
needed a re-ask, or came with low confidence; the ``classified`` event then
carries ``model_not_used`` with the reason.
"""

from __future__ import annotations

import logging
import re

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from ..budget.plan import charged
from ..budget.usage import counting_usage
from ..context import Context
from ..events import emit
from ..models import ModelConfigurationError, model_for
from ..models.capabilities import small_model
from ..parsing import Structured, structured_output
from ..persistence.sessions import SessionStore
from ..planning import ClassificationOutput, classification_schema
from ..project import Project, load_project
from ..prompts.classify import HISTORY_TEMPLATE, classify_prompt
from ..roles import ROUTABLE_ROLES
from ..router import default_router
from ..state import Classification, Plan, State, Task, now
from . import spaces
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
    with counting_usage() as counter:
        classification, not_used = decide(text, state, project, plan_view)
    update.update(charged(counter, project.orchestrator.config))
    classification = classification.model_copy(
        update={"agent": project.resolve_role(classification.agent)})
    extra = {"model_not_used": not_used} if not_used else {}
    emit("classified", agent=classification.agent, is_atomic=classification.is_atomic,
         confidence=classification.confidence, method=classification.method, **extra)
    if plan is not None:
        # A finished plan is history; an active one is superseded by the new request.
        if plan.active:
            reason = "superseded by a new request"
            stop_running(plan, reason)
            kept = spaces.close_superseded(plan)
            emit("plan_completed", plan_id=plan.id, status="cancelled", reason=reason,
                 branch=kept.branch if kept else None)
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


def decide(text: str, state: State, project: Project,
           plan_view: str | None) -> tuple[Classification, str | None]:
    """The classification, and why the model's answer was not used: not asked (a small
    model in ``hybrid``), failed, or set aside as weak. None when it was used, or when no
    model was meant to be involved (single agent, ``local``, a confident router)."""
    if project.single_agent:
        return Classification(agent="universal", is_atomic=True, confidence="high",
                              method="single_agent", reasoning="only the universal agent is enabled"), None
    settings = project.settings
    # The router's model loads on first use: with `llm` routing and a working model, never.
    if settings.routing_strategy == "local":
        return default_router().classify(text), None
    # Asymmetric fast path: the router's score is capped when it says "atomic" for a request
    # that looks like several steps, so those reach the LLM.
    local = default_router().classify(text) if settings.routing_strategy == "hybrid" else None
    if local is not None:
        if (local.score or 0.0) >= settings.routing_confidence_threshold:
            return local, None
        small = small_model(project.orchestrator.config.model)
        if small:
            note = f"{small}; not asked, the router decided"
            return _router_instead(local, note), note
    try:
        model = orchestrator_model(project)
    except ModelConfigurationError:
        return alone(default_router().classify(text)), None  # no model configured: the router decides
    try:
        answer = classify_with_llm(model, text, state, project, plan_view)
    except Exception as exc:  # noqa: BLE001 - any model failure falls back to the router
        log.warning("LLM classification failed, using the local router: %s", exc)
        fallback = alone(local or default_router().classify(text))
        failure = f"LLM failed ({type(exc).__name__}: {str(exc)[:200]})"
        return fallback.model_copy(update={
            "method": "fallback", "reasoning": f"{failure}; {fallback.reasoning}"}), (
            f"{failure}; the router decided")
    classification = Classification(**answer.value.model_dump(), method="llm")
    if local is not None:
        weak = weak_answer(answer)
        if weak:
            note = (f"the model answered {classification.agent}/"
                    f"{'atomic' if classification.is_atomic else 'plan'} but {weak}; "
                    "the router decided")
            return _router_instead(local, note), note
    return classification, None


def weak_answer(answer: Structured[ClassificationOutput]) -> str | None:
    """Why a model's classification is not to be trusted over the router, or None."""
    if answer.repair == "re-asked":
        return "its first reply was unusable and it had to be re-asked"
    if answer.repair == "text":
        return "its reply had to be dug out of text instead of the structured output asked for"
    if answer.value.confidence == "low":
        return "it said its confidence was low"
    return None


def _router_instead(local: Classification, note: str) -> Classification:
    return alone(local).model_copy(update={"reasoning": f"{note}; {local.reasoning}".strip("; ")})


def alone(local: Classification) -> Classification:
    """The router's verdict when it decides without a model: a request it called one step but
    whose complexity signals point to a plan gets a plan. The errors are not equal: a complex
    request run as one task gives a shallow answer; an atomic one planned costs one call."""
    if local.is_atomic and local.looks_complex:
        return local.model_copy(update={
            "is_atomic": False, "reasoning": f"planned: it looks like several steps; {local.reasoning}"})
    return local


def orchestrator_model(project: Project) -> BaseChatModel:
    config = project.orchestrator.config
    return model_for(config, "orchestrator", temperature=min(config.temperature, 0.2))


def classify_with_llm(model: BaseChatModel, text: str, state: State, project: Project,
                      plan_view: str | None) -> Structured[ClassificationOutput]:
    agents = tuple(r for r in ROUTABLE_ROLES if r in project.enabled_roles)
    system = classify_prompt(agents, plan_view)
    history = "\n".join(f"{m.type}: {message_text(m)[:500]}"
                        for m in state.messages[-HISTORY_MESSAGES - 1:-1])
    prompt = HISTORY_TEMPLATE.format(history=history or "(none)", request=text) if history else text
    return structured_output(model, classification_schema(agents),
                             [SystemMessage(system), HumanMessage(prompt)])


