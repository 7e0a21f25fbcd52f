"""Background task workers that outlive a single graph step.

``execute_task`` launches ready tasks here and returns as soon as any of them
finishes; the others keep running in this process while ``route`` decides
what became ready. A worker is keyed by ``plan/task/attempt``, so a node that
runs again (after ``route``, or after a failed step is retried) finds the
worker it launched instead of starting a second one. After a crash the
registry is empty: tasks the checkpoint records as running have no worker
and are launched again.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

WORKER_THREADS = int(os.environ.get("CODELAB_WORKER_THREADS", "256"))  # threads start lazily
COLLECT_WINDOW_S = 0.003  # results finishing this close together come back in one step

_pool = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="codelab-task")
_running: dict[str, Future[Any]] = {}
_lock = threading.Lock()


def task_key(plan_id: str, task_id: str, attempt: int) -> str:
    return f"{plan_id}/{task_id}/{attempt}"


def launch(key: str, work: Callable[[], Any]) -> bool:
    """Start ``work`` under ``key`` unless a worker for it exists; True if started now."""
    with _lock:
        if key in _running:
            return False
        _running[key] = _pool.submit(work)
        return True


def wait_first(keys: Iterable[str], timeout: float | None = None) -> dict[str, Future[Any]]:
    """Block until at least one of ``keys`` is done; return (and forget) all done by then.

    Workers finishing within :data:`COLLECT_WINDOW_S` of the first are
    collected too, so near-simultaneous completions cost one step, not several.
    """
    with _lock:
        futures = {key: _running[key] for key in keys if key in _running}
    if not futures:
        return {}
    done, pending = wait(futures.values(), timeout=timeout, return_when=FIRST_COMPLETED)
    if done and pending:
        wait(pending, timeout=COLLECT_WINDOW_S, return_when=FIRST_COMPLETED)
    finished = {key: f for key, f in futures.items() if f.done()}
    with _lock:
        for key in finished:
            _running.pop(key, None)
    return finished


def forget_plan(plan_id: str) -> int:
    """Drop the workers of a finished plan (their results are no longer wanted)."""
    prefix = f"{plan_id}/"
    with _lock:
        keys = [k for k in _running if k.startswith(prefix)]
        for key in keys:
            _running.pop(key).cancel()
    return len(keys)
