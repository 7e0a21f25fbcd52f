"""What the classifier and the Architect must return, and the rules a plan must pass.

A plan from a model is a claim, not a fact: :func:`plan_problems` lists every
broken rule (empty, duplicate ids, unknown dependencies, cycles, agents that
are not enabled, too many tasks) so the Architect can be re-asked with them.

:func:`classification_schema` and :func:`plan_schema` build the schemas per
project: ``agent`` becomes an enum of the project's enabled roles, so a server
that enforces the JSON schema (llama.cpp, vLLM, Ollama) can only produce a
valid role, and free-text fields carry a ``maxLength`` so a small model cannot
ramble inside them until the token limit cuts the reply.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    Field,
    create_model,
    field_validator,
    model_validator,
)

from .roles import normalize_role
from .state import Task

# A role as a model wrote it ("Code", "developer", "explain"), normalised before validation.
Role = Annotated[str, BeforeValidator(normalize_role)]

REASONING_MAX = 200
DESCRIPTION_MAX = 400


def _clip(limit: int) -> BeforeValidator:
    """Accept an over-long text by cutting it (the schema's ``maxLength`` asks for less)."""
    return BeforeValidator(lambda v: v[:limit] if isinstance(v, str) else v)


class ClassificationOutput(BaseModel):
    """Classify the user's request: which specialist, and is it one step or a project."""

    agent: Role = Field(description="One of: coder, architect, debug, ask, universal.")
    is_atomic: bool = Field(
        description="True if one specialist can do it in one go; false if it needs a plan."
    )
    confidence: Literal["high", "medium", "low"] = "medium"
    reasoning: Annotated[str, _clip(REASONING_MAX)] = Field(
        default="", description="One short sentence: why.",
        json_schema_extra={"maxLength": REASONING_MAX})

    @field_validator("confidence", mode="before")
    @classmethod
    def _confidence(cls, value: Any) -> str:
        text = str(value or "medium").strip().lower()
        if isinstance(value, int | float) and not isinstance(value, bool):  # 0.9 -> high
            return "high" if value >= 0.8 else "medium" if value >= 0.5 else "low"
        return text if text in ("high", "medium", "low") else "medium"

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {str(k).lower(): v for k, v in data.items()}
            for alias in ("atomic", "isatomic", "simple"):
                if alias in data and "is_atomic" not in data:
                    data["is_atomic"] = data.pop(alias)
            if "is_atomic" not in data and "complex" in data:
                data["is_atomic"] = not _truthy(data.pop("complex"))
            for alias in ("role", "specialist", "route"):
                if alias in data and "agent" not in data:
                    data["agent"] = data.pop(alias)
        return data


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "y")


class TaskDraft(BaseModel):
    """One task of a plan: what to do, by which specialist, after which tasks, and how to
    tell it is done (the files it should touch, a command that passes)."""

    id: str = Field(json_schema_extra={"maxLength": 20})
    description: str = Field(min_length=1, json_schema_extra={"maxLength": DESCRIPTION_MAX})
    agent: Role = Field(description="Role that does it: coder, architect, debug, ask or universal.")
    dependencies: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("dependencies", "depends_on", "deps", "after"),
        description="Ids of tasks that must be done first.",
    )
    expected: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("expected", "files", "expected_files", "outputs"),
        description="Files the task should create or change.",
        json_schema_extra={"maxItems": 20})
    check: str | None = Field(
        default=None, validation_alias=AliasChoices("check", "check_command", "test", "verify"),
        description="Optional command that passes when the task is done, e.g. pytest -q tests/test_x.py.",
        json_schema_extra={"maxLength": 200})

    @field_validator("expected", mode="before")
    @classmethod
    def _expected(cls, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [value]
        return [str(v).strip() for v in value if str(v).strip()]

    @field_validator("check", mode="before")
    @classmethod
    def _check(cls, value: Any) -> str | None:
        text = str(value).strip() if value is not None else ""
        return text or None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> str:
        return str(value).strip()

    @field_validator("dependencies", mode="before")
    @classmethod
    def _deps(cls, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str | int):
            value = [value]
        return [str(v).strip() for v in value]


class PlanDraft(BaseModel):
    """A plan: the goal and a DAG of tasks, each done by one specialist."""

    goal: Annotated[str, _clip(DESCRIPTION_MAX)] = Field(
        default="", json_schema_extra={"maxLength": DESCRIPTION_MAX})
    # Required: any object would otherwise validate as an empty plan.
    tasks: list[TaskDraft] = Field(validation_alias=AliasChoices("tasks", "subtasks", "steps"))


@lru_cache(maxsize=64)
def classification_schema(roles: tuple[str, ...]) -> type[ClassificationOutput]:
    """:class:`ClassificationOutput` whose ``agent`` is one of ``roles`` (cached: building a
    pydantic model costs milliseconds)."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        "ClassificationOutput", __base__=ClassificationOutput, __module__=__name__,
        __doc__=ClassificationOutput.__doc__,
        agent=(_role_enum(roles), Field(description="The specialist: " + ", ".join(roles) + ".")))


@lru_cache(maxsize=64)
def plan_schema(roles: tuple[str, ...], max_tasks: int) -> type[PlanDraft]:
    """:class:`PlanDraft` whose tasks' ``agent`` is one of ``roles``, at most ``max_tasks`` tasks."""
    task = create_model(  # type: ignore[call-overload]
        "TaskDraft", __base__=TaskDraft, __module__=__name__, __doc__=TaskDraft.__doc__,
        agent=(_role_enum(roles), Field(description="Role that does it: " + ", ".join(roles) + ".")))
    return create_model(  # type: ignore[call-overload,no-any-return]
        "PlanDraft", __base__=PlanDraft, __module__=__name__, __doc__=PlanDraft.__doc__,
        tasks=(list[task], Field(validation_alias=AliasChoices("tasks", "subtasks", "steps"),
                                 json_schema_extra={"minItems": 1, "maxItems": max_tasks})))


def _role_enum(roles: tuple[str, ...]) -> Any:
    if not roles:
        raise ValueError("no enabled roles to choose from")
    return Annotated[Literal[roles], BeforeValidator(normalize_role)]  # type: ignore[valid-type]


def plan_problems(
    tasks: Sequence[TaskDraft | Task],
    enabled_roles: Iterable[str],
    max_tasks: int,
    external_ids: Iterable[str] = (),
) -> list[str]:
    """Every rule the plan breaks; empty when it may run.

    ``external_ids`` are finished tasks a re-plan may depend on.
    """
    problems: list[str] = []
    if not tasks:
        return ["the plan has no tasks"]
    if len(tasks) > max_tasks:
        problems.append(f"the plan has {len(tasks)} tasks; at most {max_tasks} are allowed")
    enabled = set(enabled_roles)
    external = set(external_ids)
    ids = [t.id for t in tasks]
    seen: set[str] = set()
    for task_id in ids:
        if not task_id:
            problems.append("a task has an empty id")
        elif task_id in seen or task_id in external:
            problems.append(f"task id {task_id!r} is used twice")
        seen.add(task_id)
    known = seen | external
    for t in tasks:
        if t.agent not in enabled:
            problems.append(
                f"task {t.id!r}: agent {t.agent!r} is not an enabled role (use one of {sorted(enabled)})"
            )
        for dep in t.dependencies:
            if dep not in known:
                problems.append(f"task {t.id!r} depends on unknown task {dep!r}")
            elif dep == t.id:
                problems.append(f"task {t.id!r} depends on itself")
    cycle = find_cycle({t.id: [d for d in t.dependencies if d in seen] for t in tasks})
    if cycle:
        problems.append("dependency cycle: " + " -> ".join(cycle))
    return problems


def find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle in ``graph`` (node -> dependencies) as a path, or None. Iterative DFS."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = finished
    for root in graph:
        if state.get(root):
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            deps = graph.get(node, [])
            if index < len(deps):
                stack.append((node, index + 1))
                dep = deps[index]
                if state.get(dep) == 1:
                    return path[path.index(dep):] + [dep]
                if not state.get(dep):
                    stack.append((dep, 0))
            else:
                state[node] = 2
                path.pop()
    return None


def dependents_of(tasks: Sequence[Task], task_id: str) -> list[str]:
    """Ids of every task that depends on ``task_id``, directly or not, in plan order."""
    affected = {task_id}
    changed = True
    while changed:
        changed = False
        for t in tasks:
            if t.id not in affected and affected.intersection(t.dependencies):
                affected.add(t.id)
                changed = True
    return [t.id for t in tasks if t.id in affected and t.id != task_id]


def to_tasks(drafts: Sequence[TaskDraft], prefix: str = "") -> list[Task]:
    """Drafts to pending tasks; with ``prefix`` ids (and references to them) are renamed."""
    own = {d.id for d in drafts}
    rename = {d.id: f"{prefix}{d.id}" for d in drafts}
    return [
        Task(id=rename[d.id], description=d.description, agent=d.agent,
             dependencies=[rename[x] if x in own else x for x in d.dependencies],
             expected=list(d.expected), check=d.check, origin=prefix.rstrip(".") or None)
        for d in drafts
    ]
