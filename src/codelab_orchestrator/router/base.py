"""The ``Router`` interface: text in, :class:`Classification` out, never raising."""

from __future__ import annotations

from typing import Protocol

from ..state import Classification, Confidence

MAX_ROUTER_CHARS = 4000  # long pastes: the start says what is asked


class Router(Protocol):
    def classify(self, text: str) -> Classification:
        """Classify one request; empty, huge or unknown-language text gives a low-confidence result."""
        ...


def confidence_label(score: float) -> Confidence:
    return "high" if score >= 0.8 else "medium" if score >= 0.55 else "low"
