"""The sandbox escape table, printed as Markdown (for the closing note of issue 11).

Runs every attempt of ``tests/escapes.py`` one at a time (so each row's
detection is its own), then the control rows unconfined (a plain child
process with this process's environment, as ``run_command`` ran before the
sandbox) to show the detectors fire, then a side-by-side race: the old
check-then-open read (``Path.resolve`` + ``read_text``) against
``read_file`` while a thread flips a path between a file and a symlink to the
secret, for the same number of seconds.

Usage: python bench/sandbox_escapes.py [--race-seconds 2]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import escapes  # noqa: E402

from codelab_orchestrator.tools import files  # noqa: E402
from codelab_orchestrator.tools.sandbox import sandbox_status  # noqa: E402
from codelab_orchestrator.tools.workspace import WorkspaceError  # noqa: E402


def _race_side_by_side(box: escapes.Arena, seconds: float) -> tuple[tuple[int, int], tuple[int, int]]:
    """(calls, secret reads) for the old check-then-open and for read_file."""
    def old_read(name: str) -> str:
        target = box.workspace.resolve(name)  # the check ...
        return target.read_text()  # ... then an open that follows whatever is there now

    results = []
    for reader in (old_read, lambda name: files.read_file(box.workspace, name)):
        stop = threading.Event()
        swapper = threading.Thread(target=escapes._swap_file("racy", "{base}/secret.txt"),
                                   args=(box, stop), daemon=True)
        swapper.start()
        calls = leaks = 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                text = reader("racy")
            except (WorkspaceError, OSError):
                text = ""
            calls += 1
            leaks += any(s in text for s in box.secrets)
        stop.set()
        swapper.join(2)
        results.append((calls, leaks))
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--race-seconds", type=float, default=2.0)
    args = parser.parse_args()
    status = sandbox_status()
    if not status.available:
        sys.exit(f"no sandbox: {status.detail}")
    started = time.perf_counter()
    with escapes.arena() as box:
        outcomes = escapes.run_table(box, workers=1)
    elapsed = time.perf_counter() - started
    with escapes.arena() as box:
        controls = []
        for name in escapes.CONTROLS:
            index, attempt = escapes.by_name(name)
            controls.append(escapes.run_attempt(box, attempt, index, confined=False))
        old, new = _race_side_by_side(box, args.race_seconds)

    print(f"Sandbox: {status.detail}; {len(outcomes)} attempts in {elapsed:.1f} s\n")
    print(escapes.format_table(outcomes))
    print("\n(\"exit 0\" on a write attempt: the write landed in the sandbox's private, discarded"
          " /tmp or in the parent directories bwrap creates for the workspace mount; the host"
          " path was checked and does not exist. \"arg check\": whether run_command's early"
          " argument check would have refused the command; the table runs it regardless.)")
    commands = [o for o in outcomes if o.arg_check_refuses is not None]
    print(f"\nattempts: {len(outcomes)} | writes outside: {sum(bool(o.wrote_outside) for o in outcomes)}"
          f" | secret reads: {sum(bool(o.read_secret) for o in outcomes)}"
          f" | network / survivors / git metadata: {sum(bool(o.other) for o in outcomes)}")
    print(f"command rows: {len(commands)}, of which the argument check alone would refuse "
          f"{sum(bool(o.arg_check_refuses) for o in commands)} (the table runs them anyway, "
          "so the sandbox holds on its own)")
    print(f"\ncontrols without the sandbox (must be caught): "
          f"{sum(o.escaped for o in controls)}/{len(controls)} caught")
    for o in controls:
        what = o.wrote_outside and "wrote outside" or o.read_secret and "read the secret" \
            or "; ".join(o.other)
        print(f"  - {o.attempt.name}: {what or 'NOT CAUGHT'}")
    print(f"\nrace, {args.race_seconds:g} s each, path flipping file <-> symlink to the secret:")
    print(f"  old check-then-open: {old[1]} secret reads in {old[0]} calls")
    print(f"  read_file (O_NOFOLLOW per component): {new[1]} secret reads in {new[0]} calls")


if __name__ == "__main__":
    main()
