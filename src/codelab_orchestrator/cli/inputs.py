"""Where a request comes from: the argument, a file (``-f FILE``) or stdin (``-``).

A command-line argument is limited by the OS (128 KiB on Linux), and a long
request with quotes and newlines is painful to escape; a file or a pipe has
neither problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .common import fail

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # beyond this, it is not a request but a data dump


def read_request(argument: str | None, file: Path | None) -> str:
    """The request text; exit 2 naming what to fix when it is missing, doubled or unreadable."""
    if argument is not None and file is not None:
        fail("give the request once: as an argument, or with --file/-f, not both")
    if file is not None:
        text = _read_path(file) if str(file) != "-" else _read_stdin()
    elif argument == "-":
        text = _read_stdin()
    elif argument is not None:
        text = argument
    else:
        fail('no request: codelab run "what you want done", codelab run -f request.md, '
             "or pipe it: ... | codelab run -")
    if not text.strip():
        fail("the request is empty")
    return text.strip()


def _read_path(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_REQUEST_BYTES:
            fail(f"--file {path}: {size} bytes is more than the {MAX_REQUEST_BYTES} bytes a request may have")
        return path.read_text(encoding="utf-8")
    except IsADirectoryError:
        fail(f"--file {path}: is a directory")
    except FileNotFoundError:
        fail(f"--file {path}: no such file")
    except UnicodeDecodeError:
        fail(f"--file {path}: not UTF-8 text")
    except OSError as exc:
        fail(f"--file {path}: cannot read ({exc.strerror})")


def _read_stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        fail("reading the request from stdin, but stdin is a terminal: pipe it in "
             "(cat request.md | codelab run -) or use -f FILE")
    data = sys.stdin.buffer.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        fail(f"stdin: more than the {MAX_REQUEST_BYTES} bytes a request may have")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        fail("stdin: not UTF-8 text")
