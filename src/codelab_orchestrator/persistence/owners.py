"""Who holds a session's run lease, and whether that holder is certainly dead.

An owner id is ``host|machine key|pid|start time|nonce``. The machine key
hashes the boot id (machines whose host names collide still differ) and the
PID namespace (containers on one kernel differ); the start time (from
``/proc/<pid>/stat``) tells a reused pid from the original process. Only an
owner of this machine and namespace is ever judged dead, and only when its
process is gone, a zombie, or its pid belongs to a newer process: anything
else keeps its lease until the lease expires.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from pathlib import Path


def _machine_key() -> str:
    """This machine and PID namespace: the boot id tells machines apart even when their
    host names collide; the PID namespace tells containers on one kernel apart."""
    parts = []
    for path in ("/proc/sys/kernel/random/boot_id", "/proc/self/ns/pid"):
        try:
            parts.append(os.readlink(path) if path.endswith("/pid") else Path(path).read_text())
        except OSError:
            parts.append("")
    return hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()


def process_start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (None: no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return "?"
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie has finished running: it holds nothing
        return None
    return fields[19]


_HOST = socket.gethostname()
_MACHINE = _machine_key()


def new_owner_id() -> str:
    """A unique lease owner: ``host|machine key|pid|start time|nonce``."""
    pid = os.getpid()
    return f"{_HOST}|{_MACHINE}|{pid}|{process_start_time(pid) or '?'}|{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True only when ``owner`` was a process on this machine that is gone (or whose pid
    now belongs to another process). Owners elsewhere are never judged: they expire."""
    try:
        _host, machine, pid_text, start, _nonce = owner.split("|")
        pid = int(pid_text)
    except ValueError:
        return False
    if machine != _MACHINE or not Path("/proc").is_dir():
        return False
    current = process_start_time(pid)
    return current is None or (start != "?" and current not in ("?", start))


def describe_owner(owner: str | None) -> str | None:
    if not owner:
        return None
    parts = owner.split("|")
    return f"pid {parts[2]} on {parts[0]}" if len(parts) == 5 else owner
