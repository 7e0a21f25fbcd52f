"""Run one program with a time limit and capped output, from threads or from asyncio.

The child starts in a new session (its own process group); a time-out or an
asyncio cancellation kills the whole group. Inside the sandbox that is
enough to end every descendant (bwrap's PID namespace dies with it); outside
it a ``setsid`` grandchild could survive, which is one more reason
unsandboxed commands need approval.

Output is read as it comes (a program printing forever cannot fill memory):
each stream keeps its first ``max_bytes`` bytes and drains the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
from dataclasses import dataclass
from typing import IO

CHUNK = 65536
# After the program exits, how long to wait for its pipes to close (a background
# descendant may hold them) before killing its process group.
PIPE_GRACE_S = 0.5


@dataclass(frozen=True)
class Finished:
    returncode: int | None  # None when killed at the time limit
    stdout: str
    stderr: str
    timed_out: bool
    truncated: bool


class _Capped:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.max_bytes - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        return self.data.decode(errors="replace")


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _finished(code: int | None, out: _Capped, err: _Capped, timed_out: bool) -> Finished:
    return Finished(code, out.text(), err.text(), timed_out, bool(out.dropped or err.dropped))


def run_capped(argv: list[str], *, cwd: str, env: dict[str, str], timeout: float,
               max_bytes: int) -> Finished:
    """Run ``argv`` to completion or ``timeout`` seconds; never raises for the program's
    own failure (``OSError`` if it cannot start)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, close_fds=True)
    out, err = _Capped(max_bytes), _Capped(max_bytes)

    def drain(stream: IO[bytes], sink: _Capped) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stream.read1(CHUNK):  # type: ignore[attr-defined]
                sink.add(chunk)

    readers = [threading.Thread(target=drain, args=(s, c), daemon=True)
               for s, c in ((proc.stdout, out), (proc.stderr, err))]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    except BaseException:
        _kill_group(proc.pid)
        proc.wait()
        raise
    finally:
        if timed_out:
            _kill_group(proc.pid)
            proc.wait()
    for reader in readers:
        reader.join(PIPE_GRACE_S)
    if any(r.is_alive() for r in readers):
        _kill_group(proc.pid)
        for reader in readers:
            reader.join(PIPE_GRACE_S)
    return _finished(None if timed_out else proc.returncode, out, err, timed_out)


async def run_capped_async(argv: list[str], *, cwd: str, env: dict[str, str], timeout: float,
                           max_bytes: int) -> Finished:
    """:func:`run_capped` for asyncio. Cancelling the awaiting task kills the process group
    before the cancellation propagates."""
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=True, close_fds=True)
    out, err = _Capped(max_bytes), _Capped(max_bytes)

    async def drain(stream: asyncio.StreamReader | None, sink: _Capped) -> None:
        if stream is None:
            return
        while chunk := await stream.read(CHUNK):
            sink.add(chunk)

    readers = [asyncio.ensure_future(drain(proc.stdout, out)),
               asyncio.ensure_future(drain(proc.stderr, err))]
    timed_out = False
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        timed_out = True
        _kill_group(proc.pid)
        await proc.wait()
    except BaseException:
        _kill_group(proc.pid)
        for reader in readers:
            reader.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.shield(proc.wait())
        raise
    done, pending = await asyncio.wait(readers, timeout=PIPE_GRACE_S)
    if pending:
        _kill_group(proc.pid)
        done, pending = await asyncio.wait(pending, timeout=PIPE_GRACE_S)
        for reader in pending:
            reader.cancel()
    return _finished(None if timed_out else proc.returncode, out, err, timed_out)
