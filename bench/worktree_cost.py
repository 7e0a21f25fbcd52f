"""Benchmark: the added cost per task of isolating writers in git worktrees.

Generates a repository of 5,000 text files / 50 MB (deterministic, packed as
a real clone would be), opens a plan on it and runs N tasks one after the
other through the git layer: ``task_worktree`` (a worktree at the task's start
commit), an edit (not timed: that is the agent's work), ``commit_task`` and
``integrate`` (three-way merge, then the worktree goes back to the pool).
Each task depends on the one before half of the time, so start commits vary.

Side by side, the same tasks with the pool turned off (``pool_size=0``: a
fresh ``git worktree add`` and full checkout per task, then removal), which
is what isolation costs without reuse. Also reported once per plan: the
base snapshot (``open``) and ``finish`` (apply to the workspace).

Usage: python bench/worktree_cost.py [--files 5000] [--mb 50] [--tasks 40] [--cold-tasks 5]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from codelab_orchestrator.gitspace import PlanSpace


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
                   cwd=cwd, check=True, capture_output=True)


def generate(root: Path, files: int, megabytes: int, seed: int = 1) -> None:
    """Python-looking text files spread over 50 packages x 10 modules."""
    rnd = random.Random(seed)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz_") for _ in range(rnd.randint(2, 10)))
             for _ in range(4000)]
    per_file = megabytes * 1_000_000 // files
    for i in range(files):
        folder = root / f"pkg{i % 50:02d}" / f"mod{(i // 50) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        lines, size = [], 0
        while size < per_file:
            line = f"    {' = '.join(rnd.choice(words) for _ in range(4))}  # {rnd.random():.6f}\n"
            lines.append(line)
            size += len(line)
        (folder / f"f{i}.py").write_text("".join(lines))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "generated")
    git(root, "gc", "-q")
    # A clone checked out a while ago: index newer than every file, so git trusts the
    # files' stat data instead of re-reading "racily clean" ones written in the same second.
    time.sleep(1.1)
    git(root, "update-index", "--really-refresh", "-q")
    git(root, "status", "--porcelain")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_ms() -> float:
    """CPU time of this process and its finished children (the git processes), in ms.

    Unlike wall time it barely moves when other work shares the machine.
    """
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.process_time() + children.ru_utime + children.ru_stime) * 1000


def floor(ws: Path) -> tuple[float, float]:
    """Wall ms of one trivial git process and of one `git status` (a full walk of the tree)."""
    def timed(*args: str) -> float:
        s = time.perf_counter()
        subprocess.run(["git", "--no-optional-locks", *args], cwd=ws, check=True, capture_output=True)
        return (time.perf_counter() - s) * 1000
    return timed("rev-parse", "HEAD"), timed("status", "--porcelain")


def run_tasks(ws: Path, data: Path, plan: str, tasks: int, pool_size: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"worktree": [], "commit": [], "integrate": [], "total": [],
                                     "cpu": [], "spawn": [], "status": []}
    t0 = time.perf_counter()
    space = PlanSpace.open(ws, data, plan, pool_size=pool_size)
    times["open"] = [(time.perf_counter() - t0) * 1000]
    rnd = random.Random(7)
    previous: str | None = None
    for n in range(tasks):
        task = f"t{n}"
        deps = [previous] if previous and rnd.random() < 0.5 else []
        spawn, status = floor(ws)
        times["spawn"].append(spawn)
        times["status"].append(status)
        cpu0 = cpu_ms()
        s = time.perf_counter()
        path = space.task_worktree(task, 1, deps)
        a, cpu_a = time.perf_counter(), cpu_ms()
        target = path / f"pkg{n % 50:02d}" / "mod0" / f"f{n % 50}.py"
        target.write_text(target.read_text() + f"# task {n}\n")
        new_file = path / "generated" / plan / f"{task}.py"
        new_file.parent.mkdir(parents=True, exist_ok=True)
        new_file.write_text(f"VALUE = {n}\n")
        b, cpu_b = time.perf_counter(), cpu_ms()
        space.commit_task(task, 1, "coder", f"edit {n}")
        c = time.perf_counter()
        merged = space.integrate(task)
        d = time.perf_counter()
        times["cpu"].append((cpu_a - cpu0) + (cpu_ms() - cpu_b))  # the edit is the agent's, not ours
        assert merged.clean, merged.describe()
        for key, value in (("worktree", a - s), ("commit", c - b), ("integrate", d - c),
                           ("total", (a - s) + (d - b))):
            times[key].append(value * 1000)
        previous = task
    t0 = time.perf_counter()
    outcome = space.finish()
    times["finish"] = [(time.perf_counter() - t0) * 1000]
    assert outcome.status == "applied", outcome
    assert len(outcome.changes) == tasks + min(tasks, 50)  # one edited, one new file per task
    return times


def report(label: str, times: dict[str, list[float]], skip_first: int = 0) -> None:
    print(f"\n{label}")
    print(f"{'ms per task':<22}{'median':>9}{'p90':>9}{'max':>9}")
    for key in ("worktree", "commit", "integrate", "total", "cpu"):
        values = times[key][skip_first:]
        label = "total cpu (git+python)" if key == "cpu" else key
        print(f"{label:<22}{statistics.median(values):>9.1f}{pct(values, 0.9):>9.1f}{max(values):>9.1f}")
    print(f"reference, measured between tasks: one trivial git process "
          f"{statistics.median(times['spawn']):.1f} ms, one `git status` "
          f"{statistics.median(times['status']):.1f} ms (median)")
    print(f"once per plan: open (base snapshot) {times['open'][0]:.0f} ms, "
          f"finish (apply) {times['finish'][0]:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--cold-tasks", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="codelab-bench-"))
    try:
        ws = tmp / "repo"
        ws.mkdir()
        s = time.perf_counter()
        generate(ws, args.files, args.mb)
        size = sum(p.stat().st_size for p in ws.rglob("*.py")) / 1e6
        print(f"repository: {args.files} files, {size:.1f} MB "
              f"(generated and packed in {time.perf_counter() - s:.1f} s)")
        pooled = run_tasks(ws, tmp / "data", "pooled", args.tasks, pool_size=4)
        cold = run_tasks(ws, tmp / "data-cold", "cold", args.cold_tasks, pool_size=0)
        report(f"pooled worktrees (default), {args.tasks} tasks; first task (empty pool) "
               f"{pooled['total'][0]:.0f} ms", pooled)
        report(f"no pool: fresh worktree + full checkout per task, {args.cold_tasks} tasks", cold)
        ratio = statistics.median(cold["total"]) / statistics.median(pooled["total"])
        status = statistics.median(pooled["status"])
        print(f"\nmedian per task: pooled {statistics.median(pooled['total']):.1f} ms "
              f"(= {statistics.median(pooled['total']) / status:.1f} x `git status`), "
              f"fresh {statistics.median(cold['total']):.1f} ms ({ratio:.1f}x); target <= 150 ms")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
