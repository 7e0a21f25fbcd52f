"""Classifier prompt: which specialist, and one step or a plan.

Short, with one example: a 0.5B model copies the shape of an example far more
reliably than it follows a paragraph of rules. Only the enabled roles are
listed (the schema's ``agent`` enum has the same ones).
"""

from __future__ import annotations

from collections.abc import Sequence

ROLE_LINES: dict[str, str] = {
    "coder": "coder: writes or changes code (features, refactors, tests)",
    "debug": "debug: finds and fixes a bug, an error or a failing test",
    "ask": "ask: answers a question or explains; changes nothing",
    "architect": "architect: designs or plans larger work",
    "universal": "universal: does anything",
}

CLASSIFY_SYSTEM = """Route a coding assistant user's request to one specialist.
Specialists:
{roles}
is_atomic: true when the specialist can finish it in one go; false when it needs several
steps (a new app, a feature across modules).{plan_view}
Answer with one JSON object: agent, is_atomic, confidence (high, medium or low), reasoning
(one short sentence). Example, for "fix the typo in README.md":
{{"agent": "{example}", "is_atomic": true, "confidence": "high", "reasoning": "one small edit"}}"""

PLAN_VIEW = """
A plan is already active; the request may refer to it:
{summary}"""

HISTORY_TEMPLATE = "Recent conversation:\n{history}\n\nNew request:\n{request}"


def classify_prompt(agents: Sequence[str], plan_summary: str | None = None) -> str:
    """The system prompt for ``agents`` (the enabled routable roles)."""
    example = next((r for r in ("coder", "universal") if r in agents), agents[0] if agents else "coder")
    return CLASSIFY_SYSTEM.format(
        roles="\n".join(f"- {ROLE_LINES.get(r, r)}" for r in agents),
        plan_view=PLAN_VIEW.format(summary=plan_summary) if plan_summary else "",
        example=example)
