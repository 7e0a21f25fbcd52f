"""``architect_plan``: a plan for complex work, approval, and targeted re-plans.

Three entries, decided by the state:
- ``pending_replan`` set: re-plan only the failed task and its dependents.
- a ``draft`` plan: it waits for approval -> ``interrupt()`` with the plan.
  (The node routes to itself after drafting, so the model is not called
  again when the run resumes: a resumed node restarts from its top.)
- otherwise: ask the Architect for a new plan.
A plan that breaks the rules is re-asked once with the problems (a reply that
cannot be read at all was already re-asked once by ``structured_output``); if
it is still wrong, a one-task plan for the classified agent runs instead and
the reason is recorded in ``plan.notes``. The plan schema is built per project:
``agent`` is an enum of the enabled roles.
"""

from __future__ import annotations

import logging
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from ..budget.plan import charged
from ..budget.usage import counting_usage
from ..context import Context
from ..events import emit
from ..models import model_for
from ..parsing import StructuredOutputError, structured_output
from ..persistence import AgentRecord
from ..planning import PlanDraft, TaskDraft, dependents_of, plan_problems, plan_schema, to_tasks
from ..project import Project, load_project
from ..prompts.plan import PLAN_RETRY, PLAN_SYSTEM, REPLAN_REQUEST, REPLAN_SYSTEM
from ..state import FINISHED_PLAN, Plan, State
from .common import last_request, session_context

log = logging.getLogger(__name__)
APPROVE = {"approve", "approved", "yes", "y", "ok", "go", "да"}
REJECT = {"reject", "rejected", "no", "n", "cancel", "нет"}


def architect_plan(state: State, runtime: Runtime[Context]) -> dict:
    project = load_project(session_context(state, runtime))
    if state.pending_replan and state.plan is not None:
        return replan(state.plan, state.pending_replan, project)
    if state.plan is not None and state.plan.status == "draft":
        return await_approval(state.plan, project)
    return new_plan(state, project)


# -- a new plan -----------------------------------------------------------------


def new_plan(state: State, project: Project) -> dict:
    request = last_request(state.messages)
    settings = project.settings
    messages: list[BaseMessage] = [
        SystemMessage(PLAN_SYSTEM.format(agents=_agents_line(project), max_tasks=settings.max_plan_tasks)),
        HumanMessage(request),
    ]
    with counting_usage() as counter:
        draft, problems = ask_architect(project, messages, lambda d: plan_problems(
            d.tasks, project.enabled_roles, settings.max_plan_tasks))
    spent = charged(counter, _architect(project).config)
    notes: list[str] = []
    if draft is None:
        agent = project.doer_for(state.classification.agent if state.classification else "coder")
        draft = PlanDraft(goal=request, tasks=[TaskDraft(id="t1", description=request, agent=agent)])
        notes.append("the Architect's plan could not be used (" + "; ".join(problems)[:1000]
                     + f"); running the request as one task for {agent}")
    tasks = to_tasks(draft.tasks)
    if notes:  # the whole request as one task: it gets an atomic request's default checks
        tasks = [t.model_copy(update={"atomic": True}) for t in tasks]
    plan = Plan(goal=draft.goal or request, tasks=tasks, notes=notes,
                estimated_cost=round(sum(project.cost_of(t.agent) for t in tasks), 6))
    reasons = approval_reasons(plan, project)
    emit("plan_created", plan_id=plan.id, tasks=len(tasks), estimated_cost=plan.estimated_cost,
         needs_approval=bool(reasons), plan=_public(plan))
    if reasons:
        emit("approval_required", plan_id=plan.id, reasons=reasons,
             estimated_cost=plan.estimated_cost)
        return {"plan": plan.model_copy(update={"notes": [*notes, *reasons]}), **spent}
    return {"plan": plan.model_copy(update={"status": "running"}), **spent}


def approval_reasons(plan: Plan, project: Project) -> list[str]:
    settings = project.settings
    reasons = ["approval required by the settings (require_approval)"] if settings.require_approval else []
    if len(plan.tasks) > settings.approval_threshold_tasks:
        reasons.append(f"{len(plan.tasks)} tasks > approval threshold of {settings.approval_threshold_tasks}")
    if plan.estimated_cost > settings.approval_threshold_cost:
        reasons.append(f"estimated cost {plan.estimated_cost:.4f} > approval threshold of "
                       f"{settings.approval_threshold_cost}")
    return reasons


def ask_architect(project: Project, messages: list[BaseMessage], check: Any) -> tuple[PlanDraft | None, list[str]]:
    """The Architect's plan, re-asked once with its problems; (None, problems) if unusable."""
    agent = _architect(project)
    roles = tuple(project.enabled_roles)
    if not roles:
        return None, ["no enabled specialist to plan for"]
    schema = plan_schema(roles, project.settings.max_plan_tasks)
    problems: list[str] = []
    for _ in range(2):
        try:
            model = model_for(agent.config, "architect")
            draft = structured_output(model, schema, messages).value
        except StructuredOutputError as exc:
            return None, [str(exc)]  # unreadable even after structured_output's re-ask
        except Exception as exc:  # noqa: BLE001 - a dead model: no point in re-asking
            log.warning("Architect model failed: %s", exc)
            return None, [f"model error: {type(exc).__name__}: {str(exc)[:300]}"]
        else:
            problems = check(draft)
            if not problems:
                return draft, []
        messages = [*messages, HumanMessage(PLAN_RETRY.format(problems="\n".join(f"- {p}" for p in problems)))]
    return None, problems


# -- approval -------------------------------------------------------------------


def await_approval(plan: Plan, project: Project) -> dict:
    answer = interrupt({
        "type": "approval_required", "plan_id": plan.id, "goal": plan.goal,
        "estimated_cost": plan.estimated_cost, "tasks": _public(plan)["tasks"],
        "notes": plan.notes,
        "how_to_answer": "resume with 'approve', 'reject', or {'action': 'edit', 'plan': {...}}",
    })
    action, edited = _parse_answer(answer)
    if action == "approve":
        return {"plan": plan.with_tasks([], status="running", notes=[*plan.notes, "approved by the user"])}
    if action == "reject":
        return {"plan": plan.with_tasks([], status="cancelled", notes=[*plan.notes, "rejected by the user"])}
    if action == "edit" and edited is not None:
        try:
            draft = PlanDraft.model_validate(edited)
            problems = plan_problems(draft.tasks, project.enabled_roles, project.settings.max_plan_tasks)
        except ValidationError as exc:
            problems = [str(exc).splitlines()[0]]
        if not problems:
            tasks = to_tasks(draft.tasks)
            # A new id: the reducer then replaces the draft instead of merging into it.
            edited_plan = Plan(goal=draft.goal or plan.goal, tasks=tasks, status="running",
                               estimated_cost=round(sum(project.cost_of(t.agent) for t in tasks), 6),
                               notes=[*plan.notes, "edited and approved by the user"])
            emit("plan_created", plan_id=edited_plan.id, tasks=len(tasks), edited=True,
                 replaces=plan.id, plan=_public(edited_plan))
            return {"plan": edited_plan}
        note = "edited plan rejected: " + "; ".join(problems)
    else:
        note = f"unrecognised answer {answer!r}: resume with 'approve', 'reject' or an edited plan"
    return {"plan": plan.with_tasks([], notes=[*plan.notes, note])}  # still a draft: ask again


def _parse_answer(answer: Any) -> tuple[str, Any]:
    if isinstance(answer, str):
        word = answer.strip().lower()
        return ("approve" if word in APPROVE else "reject" if word in REJECT else "unknown"), None
    if isinstance(answer, dict):
        action = str(answer.get("action", "")).lower()
        if action in ("approve", "reject"):
            return action, None
        if action == "edit" or "tasks" in answer:
            return "edit", answer.get("plan", answer)
    return "unknown", None


# -- targeted re-plan -------------------------------------------------------------


def replan(plan: Plan, failed_id: str, project: Project) -> dict:
    settings = project.settings
    failed = plan.task(failed_id)
    affected = [failed_id, *dependents_of(plan.tasks, failed_id)]
    done = [t for t in plan.tasks if t.status == "done"]
    number = plan.replans + 1
    messages: list[BaseMessage] = [
        SystemMessage(REPLAN_SYSTEM.format(agents=_agents_line(project), max_tasks=settings.max_plan_tasks)),
        HumanMessage(REPLAN_REQUEST.format(
            goal=plan.goal,
            done="\n".join(f"- {t.id} [{t.agent}] {t.description}: {(t.result or '')[:300]}"
                           for t in done) or "(none)",
            failed_id=failed.id, failed_agent=failed.agent, failed_description=failed.description,
            attempts=failed.attempts, error=failed.error,
            affected="\n".join(f"- {plan.task(i).id} [{plan.task(i).agent}] {plan.task(i).description}"
                               for i in affected[1:]) or "(none)",
        )),
    ]
    done_ids = [t.id for t in done]
    with counting_usage() as counter:
        draft, problems = ask_architect(project, messages, lambda d: plan_problems(
            d.tasks, project.enabled_roles, settings.max_plan_tasks, external_ids=done_ids))
    note = f"re-plan {number}: replaced {', '.join(affected)} after {failed.id} failed ({failed.error})"
    if draft is None:
        agent = "debug" if "debug" in project.enabled_roles else project.resolve_role(failed.agent)
        description = "; then ".join(plan.task(i).description for i in affected)
        draft = PlanDraft(tasks=[TaskDraft(
            id="fix", agent=agent, description=f"Earlier attempt failed ({failed.error}). {description}",
            dependencies=[d for d in failed.dependencies if d in done_ids])])
        note += "; the Architect's re-plan was unusable (" + "; ".join(problems)[:500] + "), one task instead"
    new_tasks = [t.model_copy(update={"origin": f"replan:{number}"})
                 for t in to_tasks(draft.tasks, prefix=f"r{number}.")]
    replaced = [plan.task(i).model_copy(update={
        "status": "failed" if i == failed_id else "skipped", "recovery": f"replan:{number}",
        "error": plan.task(i).error if i == failed_id else f"replaced by re-plan {number}"})
        for i in affected]
    emit("replanned", plan_id=plan.id, task_id=failed_id, agent="architect", replan=number,
         replaced=affected, new_tasks=[t.id for t in new_tasks])
    return {"pending_replan": None,
            "plan": plan.with_tasks([*replaced, *new_tasks], replans=number, notes=[*plan.notes, note]),
            **charged(counter, _architect(project).config)}


def _architect(project: Project) -> AgentRecord:
    """The row whose model plans: the architect, else the orchestrator."""
    return project.agent_for("architect") or project.orchestrator


def _agents_line(project: Project) -> str:
    parts = []
    for role in project.enabled_roles:
        agent = project.agent_for(role)
        caps = ", ".join(agent.config.metadata.capabilities) if agent else ""
        parts.append(f"{role} ({caps})" if caps else role)
    return "; ".join(parts)


def _public(plan: Plan) -> dict[str, Any]:
    return {"id": plan.id, "goal": plan.goal, "status": plan.status,
            "tasks": [{"id": t.id, "description": t.description, "agent": t.agent,
                       "dependencies": t.dependencies, "expected": t.expected, "check": t.check}
                      for t in plan.tasks]}


def next_step(state: State) -> str:
    """The edge after ``architect_plan``."""
    plan = state.plan
    if plan is None or plan.status in FINISHED_PLAN:
        return "finalize"
    if plan.status == "draft":
        return "architect_plan"
    return "route"
