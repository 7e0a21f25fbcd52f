"""A small keyword router (English and Russian stems): the fallback when no
better local model is installed. Transparent, fast, and never raises."""

from __future__ import annotations

import re

from ..state import Classification
from .base import MAX_ROUTER_CHARS, confidence_label

KEYWORDS: dict[str, tuple[str, ...]] = {
    "debug": ("bug", "error", "crash", "traceback", "exception", "fail", "broken", "fix",
              "doesn't work", "not working", "ошибк", "падает", "упал", "баг", "исправ", "почин",
              "не работает", "сломал"),
    "ask": ("what is", "what does", "explain", "why", "how does", "how do", "question",
            "difference between", "что такое", "объясни", "почему", "как работает", "зачем",
            "расскажи", "?"),
    "architect": ("design", "architecture", "plan ", "structure", "migrate", "scal",
                  "архитектур", "спроектир", "продумай", "структур", "план"),
    "coder": ("add", "implement", "write", "create", "refactor", "rename", "function", "class",
              "test", "endpoint", "добав", "реализ", "напиши", "создай", "сделай", "функци",
              "класс", "тест", "рефактор"),
}
COMPLEX_MARKERS = ("project", "application", "app ", "system", "from scratch", "end to end",
                   "whole", "entire", "service", "and then", "study", "проект", "приложени",
                   "систем", "с нуля", "целиком", "весь", "всё", "изучи", "сервис")


class KeywordRouter:
    def classify(self, text: str) -> Classification:
        lowered = (text or "")[:MAX_ROUTER_CHARS].lower()
        if not re.search(r"\w", lowered):
            return Classification(agent="ask", is_atomic=True, confidence="low", score=0.0,
                                  method="local", reasoning="no words to route on")
        hits = {agent: sum(lowered.count(k) for k in words) for agent, words in KEYWORDS.items()}
        total = sum(hits.values())
        complex_hits = sum(marker in lowered for marker in COMPLEX_MARKERS)
        is_atomic = complex_hits == 0 and len(lowered) < 600
        if total == 0:
            agent, score = ("architect" if not is_atomic else "coder"), 0.3
        else:
            agent = max(hits, key=lambda a: (hits[a], a == "coder"))
            score = min(0.95, 0.4 + 0.5 * hits[agent] / total * min(1.0, total / 3))
        if not is_atomic and agent in ("coder", "debug"):
            agent = "architect" if complex_hits >= 2 else agent
        return Classification(
            agent=agent, is_atomic=is_atomic, confidence=confidence_label(score), score=score,
            method="local", reasoning=f"keywords {hits}, complexity markers {complex_hits}",
        )
