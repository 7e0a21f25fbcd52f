"""Evaluate the local routers on a labelled JSONL file (text, lang, agent, is_atomic).

Prints, per language, for the embedding router and the keyword fallback:
agent / atomic / route accuracy; the fast path (the router deciding alone in
``hybrid`` mode: score >= the threshold, the orchestrator default unless
--threshold) with its precision on the route and on complex-vs-atomic, its
coverage, and its complex->atomic error rate (fast-path decisions that send a
complex request down the one-task path, over all fast-path decisions); and
latency p50/p99 per request (wall clock, which a busy machine inflates) and
the CPU time per request (all of the process's threads, load-independent). Then the route confusion matrix and a threshold
sweep. The route is the agent for atomic requests and "plan" for complex ones.

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


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def evaluate(name: str, router, rows: list[dict], threshold: float) -> dict:
    router.classify("warm up")
    outcomes = []
    for row in rows:
        start, cpu = time.perf_counter(), time.process_time()
        out = router.classify(row["text"])
        ms = (time.perf_counter() - start) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        outcomes.append((row, out, ms, cpu_ms))
    groups: dict[str, list] = defaultdict(list)
    for item in outcomes:
        groups[item[0]["lang"]].append(item)
        groups["all"].append(item)

    print(f"\n== {name} ==  (fast path: score >= {threshold})")
    print(f"{'lang':6s} {'n':>4s} {'agent':>6s} {'atomic':>6s} {'route':>6s} | {'fast prec':>9s} "
          f"{'cx/at prec':>10s} {'coverage':>8s} {'cx->at':>6s} | {'p50 ms':>6s} {'p99 ms':>6s} "
          f"{'cpu p50':>7s}")
    summary = {}
    for lang in sorted(groups, key=lambda k: (k == "all", k)):
        items = groups[lang]
        n = len(items)
        agent = sum(o.agent == r["agent"] for r, o, *_ in items) / n
        atomic = sum(o.is_atomic == r["is_atomic"] for r, o, *_ in items) / n
        route = sum(route_of(o.agent, o.is_atomic) == route_of(r["agent"], r["is_atomic"])
                    for r, o, *_ in items) / n
        fast = [(r, o) for r, o, *_ in items if (o.score or 0.0) >= threshold]
        f = len(fast)
        prec = sum(route_of(o.agent, o.is_atomic) == route_of(r["agent"], r["is_atomic"])
                   for r, o in fast) / f if f else float("nan")
        kind_prec = sum(o.is_atomic == r["is_atomic"] for r, o in fast) / f if f else float("nan")
        c2a = sum(o.is_atomic and not r["is_atomic"] for r, o in fast)
        latencies = [ms for _, _, ms, _ in items]
        cpu = [c for *_, c in items]
        print(f"{lang:6s} {n:4d} {agent:6.3f} {atomic:6.3f} {route:6.3f} | {prec:9.3f} {kind_prec:10.3f} "
              f"{f / n:8.3f} {c2a / f if f else 0.0:6.3f} | {statistics.median(latencies):6.1f} "
              f"{percentile(latencies, 99):6.1f} {statistics.median(cpu):7.1f}")
        summary[lang] = {"route": route, "precision": prec, "coverage": f / n, "c2a": c2a}

    confusion = Counter((route_of(r["agent"], r["is_atomic"]), route_of(o.agent, o.is_atomic))
                        for r, o, *_ in outcomes)
    print("route confusion (rows gold, columns predicted):")
    print(" " * 10 + "".join(f"{r:>10s}" for r in ROUTES))
    for gold in ROUTES:
        print(f"{gold:10s}" + "".join(f"{confusion[(gold, got)]:10d}" for got in ROUTES))
    complex_total = sum(not r["is_atomic"] for r, *_ in outcomes)
    complex_fast_atomic = sum(not r["is_atomic"] and o.is_atomic and (o.score or 0) >= threshold
                              for r, o, *_ in outcomes)
    print(f"complex requests sent down the one-task path by the fast path: "
          f"{complex_fast_atomic} of {complex_total}")
    print("threshold sweep (all languages): threshold, route precision, complex/atomic "
          "precision, coverage, complex->atomic")
    for t in (0.5, 0.7, 0.8, 0.85, 0.9, 0.95):
        fast = [(r, o) for r, o, *_ in outcomes if (o.score or 0.0) >= t]
        if fast:
            p = sum(route_of(o.agent, o.is_atomic) == route_of(r["agent"], r["is_atomic"])
                    for r, o in fast) / len(fast)
            k = sum(o.is_atomic == r["is_atomic"] for r, o in fast) / len(fast)
            c = sum(o.is_atomic and not r["is_atomic"] for r, o in fast) / len(fast)
            print(f"  {t:4.2f}  {p:6.3f}  {k:6.3f}  {len(fast) / len(outcomes):6.3f}  {c:6.3f}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--threshold", type=float,
                        default=OrchestratorConfig().routing_confidence_threshold)
    parser.add_argument("--no-keywords", action="store_true", help="skip the keyword fallback")
    args = parser.parse_args()
    with open(args.file) as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    evaluate("embedding router (e5 ‖ USE ‖ lexical counts, trained heads)", EmbeddingRouter(), rows,
             args.threshold)
    if not args.no_keywords:
        evaluate("keyword router (fallback; English and Russian stems)", KeywordRouter(), rows,
                 args.threshold)


if __name__ == "__main__":
    main()
