"""The multilingual local router: sentence embeddings ‖ lexical counts -> two linear heads.

No network, no torch, no LLM: the embedders ship inside PyPI packages
(:mod:`.embedders`), and the heads (``head.npz``, trained by
``scripts/train_router.py`` on ``data/router/``) are two linear layers over
[embedding(s) ‖ :func:`.features.lexical_features`]. Loaded on first use.

``score`` is the head's confidence in the chosen *route* (the agent for a
one-step request, "plan" otherwise), mapped through a logistic calibration
fitted on cross-validated predictions, so it reads as "how often a route with
this score was right". It is what ``hybrid`` routing compares with
``routing_confidence_threshold``.

The fast path is asymmetric: sending a complex request down the one-task path
costs a failed or shallow answer, the other mistake costs one planning call.
So when the router says "atomic" but the request's complexity signals (length,
list items, several verbs or files, "and then", whole-project scope) point to
a plan, the score is capped below any sensible threshold and the LLM decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..state import Classification
from . import embedders
from .base import MAX_ROUTER_CHARS, confidence_label
from .features import lexical_features, signals

HEAD = Path(__file__).with_name("head.npz")
_WORD = re.compile(r"\w", re.UNICODE)
VETO_CAP = 0.5  # score of a vetoed "atomic": below any threshold that makes sense


def feature_matrix(texts: Sequence[str], names: Sequence[str], lexical: bool,
                   cached: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Rows of [embedding for each name ‖ lexical counts]: the heads' input, unscaled.

    ``cached`` (training only) maps an embedder name to precomputed rows."""
    blocks = [cached[name] if cached and name in cached else embedders.embed(name, texts)
              for name in names]
    if lexical:
        blocks.append(np.stack([lexical_features(t) for t in texts]))
    return np.concatenate(blocks, axis=1).astype(np.float32)


class EmbeddingRouter:
    def __init__(self, head: Path = HEAD):
        data = np.load(head)
        self.embedders = [str(n) for n in data["embedders"]]
        self.lexical = bool(data["lexical"])
        self.mean, self.std = data["mean"], data["std"]
        self.w_agent, self.b_agent = data["w_agent"], data["b_agent"]
        self.w_atomic, self.b_atomic = data["w_atomic"], data["b_atomic"]
        self.agents = [str(a) for a in data["agents"]]
        self.atomic_threshold = float(data["atomic_threshold"])
        self.calibration = (float(data["calib_a"]), float(data["calib_b"]))
        self.veto_level = int(data["veto_level"])

    def classify(self, text: str) -> Classification:
        text = (text or "").strip()[:MAX_ROUTER_CHARS]
        if not _WORD.search(text):
            return Classification(agent="ask", is_atomic=True, confidence="low", score=0.0,
                                  method="local", reasoning="no words to route on")
        p_agent, p_atomic = self.probabilities(text)
        best = int(np.argmax(p_agent))
        is_atomic = p_atomic >= self.atomic_threshold
        raw = float(p_atomic * p_agent[best]) if is_atomic else float(1.0 - p_atomic)
        score = self.calibrate(raw)
        complexity = signals(text).complexity()
        vetoed = is_atomic and complexity >= self.veto_level
        if vetoed:
            score = min(score, VETO_CAP)
        shares = ", ".join(f"{a} {p:.2f}" for a, p in zip(self.agents, p_agent, strict=True))
        reasoning = f"embedding router: {shares}; atomic {p_atomic:.2f}; complexity {complexity}"
        if vetoed:
            reasoning += " (looks like several steps: not sure enough to skip planning)"
        return Classification(
            agent=self.agents[best], is_atomic=bool(is_atomic), confidence=confidence_label(score),
            score=score, method="local", reasoning=reasoning, looks_complex=vetoed)

    def probabilities(self, text: str) -> tuple[np.ndarray, float]:
        p_agent, p_atomic = self.heads(feature_matrix([text], self.embedders, self.lexical))
        return p_agent[0], float(p_atomic[0])

    def heads(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p(agent) rows and p(atomic) for unscaled feature rows."""
        x = (raw - self.mean) / self.std
        p_agent = softmax(x @ self.w_agent + self.b_agent)
        p_atomic = softmax(x @ self.w_atomic + self.b_atomic)[:, 1]
        return p_agent, p_atomic

    def calibrate(self, raw: float) -> float:
        a, b = self.calibration
        return float(calibrated(np.array([raw]), a, b)[0])


def calibrated(raw: np.ndarray, a: float, b: float) -> np.ndarray:
    """Platt scaling on the logit of the head's raw route probability."""
    clipped = np.clip(raw, 1e-6, 1 - 1e-6)
    return 1.0 / (1.0 + np.exp(-(a * np.log(clipped / (1 - clipped)) + b)))


def softmax(logits: np.ndarray) -> np.ndarray:
    logits = np.atleast_2d(logits)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
