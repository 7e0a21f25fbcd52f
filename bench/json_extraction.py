"""Benchmark: finding JSON in model replies, before and after the linear scanner.

"Before" is the extraction this project used until issue 13: ``raw_decode`` tried
at every ``{`` of the reply. Each failed try builds a ``JSONDecodeError`` whose
message counts the lines up to its position, so a reply full of ``{`` costs
O(n²). "After" is :func:`codelab_orchestrator.jsontext.find_json` (one
tokenising pass, balanced spans parsed outermost first, parse work capped at a
multiple of the size). Both run side by side on the same inputs; the ratio is
what to read, not the absolute times.

Usage: python bench/json_extraction.py [--sizes 10000,50000,200000]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator

from codelab_orchestrator.jsontext import find_json


def before(text: str) -> Iterator[dict]:
    """The old extraction: ``raw_decode`` at every ``{``."""
    decoder = json.JSONDecoder()
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            yield value
        position = text.find("{", end)


def timed(fn: Callable[[str], object], text: str) -> str:
    """Seconds, or the exception it ended with (the old extraction let RecursionError out)."""
    started = time.perf_counter()
    try:
        list(fn(text))  # type: ignore[call-overload]
    except RecursionError:
        return "RecursionError"
    return f"{time.perf_counter() - started:.4f}"


INPUTS: dict[str, Callable[[int], str]] = {
    "all {": lambda n: "{" * n,
    "{ per line": lambda n: "{\n" * (n // 2),
    'nested {"a": ': lambda n: '{"a": ' * (n // 6),
    "prose + 1 object": lambda n: "word " * (n // 5) + '{"agent": "coder", "is_atomic": true}',
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'input':<18} {'size':>8} {'before s':>14} {'after s':>9} {'ratio':>8}")
    for name, make in INPUTS.items():
        for size in sizes:
            text = make(size)
            old = timed(before, text)
            new = timed(lambda t: find_json(t), text)
            ratio = (f"{float(old) / max(float(new), 1e-6):.2f}x"
                     if old[0].isdigit() and new[0].isdigit() else "-")
            print(f"{name:<18} {len(text):>8} {old:>14} {new:>9} {ratio:>8}")


if __name__ == "__main__":
    main()
