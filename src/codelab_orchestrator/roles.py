"""Role names as models write them, mapped to the roles that exist.

Models answer ``Code``, ``developer``, ``explain``, ``planner``...; every
place that reads a role from a model goes through :func:`normalize_role`.
"""

from __future__ import annotations

SPECIALIST_ROLES: tuple[str, ...] = ("coder", "architect", "debug", "ask", "universal", "custom")
ROUTABLE_ROLES: tuple[str, ...] = ("coder", "architect", "debug", "ask", "universal")

SYNONYMS: dict[str, str] = {
    "code": "coder", "coding": "coder", "developer": "coder", "dev": "coder",
    "programmer": "coder", "engineer": "coder", "implement": "coder", "implementer": "coder",
    "write": "coder", "writer": "coder", "builder": "coder",
    "plan": "architect", "planner": "architect", "planning": "architect", "design": "architect",
    "designer": "architect", "architecture": "architect",
    "debugger": "debug", "debugging": "debug", "fix": "debug", "fixer": "debug", "bug": "debug",
    "bugfix": "debug", "troubleshoot": "debug",
    "explain": "ask", "explainer": "ask", "question": "ask", "answer": "ask", "qa": "ask",
    "chat": "ask", "help": "ask", "assistant": "ask",
    "general": "universal", "generalist": "universal", "any": "universal", "all": "universal",
}


def normalize_role(value: object) -> str:
    """``' Code '`` -> ``'coder'``; an unknown word comes back lower-cased for the validator."""
    text = str(value or "").strip().strip("'\"`").lower().replace("agent", "").strip(" _-")
    if text in SPECIALIST_ROLES:
        return text
    return SYNONYMS.get(text, text)
