"""Drive a command in a real pseudo-terminal, as a person at the keyboard would:
wait for a prompt, type an answer. Rich sees a terminal (live table, prompts)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


class Terminal:
    def __init__(self, args: list[str], env: dict[str, str], cwd: str | None = None,
                 columns: int = 250):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                     env={**env, "TERM": "xterm", "COLUMNS": str(columns)},
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = ""  # everything seen, ANSI codes removed
        self._pos = 0  # where the next expect() starts looking

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not data:
            return False
        self.output += ANSI.sub("", data.decode("utf-8", "replace"))
        return True

    def expect(self, text: str, timeout: float = 90) -> str:
        """Wait until ``text`` appears after the previous match; returns what came before it."""
        deadline = time.monotonic() + timeout
        while text not in self.output[self._pos:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not seen; output so far:\n{self.output[-3000:]}")
            if not self._read(0.2) and self.proc.poll() is not None and not self._read(0):
                raise AssertionError(f"exited {self.proc.returncode} before {text!r}:\n{self.output[-3000:]}")
        start = self.output.index(text, self._pos)
        before = self.output[self._pos:start]
        self._pos = start + len(text)
        return before

    def send(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def wait(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            self._read(0.2)
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"still running after {timeout}s:\n{self.output[-3000:]}")
        while self._read(0.05):
            pass
        os.close(self.master)
        return self.proc.returncode
