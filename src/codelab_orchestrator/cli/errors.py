"""One clear line for errors the user can fix, anywhere in any command.

Commands raise the library's own exceptions (a bad setting, an unreachable
database, an unknown agent); the root command group turns those into
``error: ...`` and exit code 2. Anything else is a bug and keeps its traceback.
The classes are looked up only in modules already imported: an exception of a
class whose module was never loaded cannot be raised, and importing those
modules here would slow every start.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

EXIT_USAGE = 2

_USER_ERRORS: dict[str, tuple[str, ...]] = {
    "codelab_orchestrator.config.layers": ("SettingsError",),
    "codelab_orchestrator.persistence.settings": ("DataDirError",),
    "codelab_orchestrator.persistence.errors": ("DatabaseUnavailableError",),
    "codelab_orchestrator.persistence.schemas": ("ConfigValidationError",),
    "codelab_orchestrator.persistence.repository": ("AgentExistsError", "AgentNotFoundError"),
    "codelab_orchestrator.models.registry": ("ModelConfigurationError",),
}


def user_error_types() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name, names in _USER_ERRORS.items():
        module = sys.modules.get(module_name)
        if module is not None:
            found.extend(getattr(module, name) for name in names)
    return tuple(found)


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (a KeyError's quotes removed, nothing else cut)."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return " ".join(text.split())


def print_error(message: str) -> None:
    from .common import err_console  # noqa: PLC0415

    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True, soft_wrap=True)


class CodelabGroup(TyperGroup):
    """The root group: known user errors from any subcommand become one line and exit 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, user_error_types()):
                print_error(_escape(one_line(exc)))
                raise typer.Exit(EXIT_USAGE) from None
            raise


def _escape(text: str) -> str:
    from rich.markup import escape  # noqa: PLC0415

    return escape(text)
