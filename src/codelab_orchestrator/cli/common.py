"""Options and error handling shared by the command groups.

User errors (bad config, unknown agent, bad JSON) print one red line and
exit 2; nothing is written. A stack trace is only for real bugs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from ..persistence.settings import default_project, default_user

console = Console()
err_console = Console(stderr=True)

# Exit codes of every command: done, plan failed, bad usage or configuration,
# waiting for approval, stopped with Ctrl-C.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_WAITING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

UserOption = Annotated[
    str | None,
    typer.Option("--user", "-u", help="User id (default: $CODELAB_USER, else 'local')."),
]
ProjectOption = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Project id (default: $CODELAB_PROJECT, else 'local')."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def scope(user: str | None, project: str | None) -> tuple[str, str]:
    return user or default_user(), project or default_project()


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``error: message`` on stderr (Rich markup allowed) and exit ``code``."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's user-facing errors into a message and exit code 2."""
    from ..persistence import AgentExistsError, AgentNotFoundError, ConfigValidationError

    try:
        yield
    except (ConfigValidationError, AgentExistsError, AgentNotFoundError, ValueError) as exc:
        from .errors import one_line  # noqa: PLC0415

        fail(escape(one_line(exc)))


def parse_json_arg(value: str | None, what: str = "--config") -> dict[str, Any] | None:
    """A JSON object given inline or as ``@path/to/file.json``."""
    if value is None:
        return None
    text = value
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            text = path.read_text()
        except OSError as exc:
            fail(f"{what}: cannot read {path}: {exc.strerror}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    if not isinstance(data, dict):
        fail(f"{what}: must be a JSON object, got {type(data).__name__}")
    return data


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
