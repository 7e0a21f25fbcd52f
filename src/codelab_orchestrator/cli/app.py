"""Root Typer app; each command group lives in its own module.

Start-up matters (``codelab --help`` in well under half a second): modules
under ``cli/`` import only Typer, Rich and the standard library at the top;
LangGraph, LangChain, SQLAlchemy and numpy are imported inside the commands
that use them. ``tests/test_cli_startup.py`` keeps it that way.
"""

from __future__ import annotations

from typing import Annotated

import typer

from . import agents, config, db, sessions, tokens
from .changes import diff, undo
from .demo import demo
from .errors import CodelabGroup
from .run import resume, run
from .serve import graph, serve

app = typer.Typer(
    name="codelab",
    cls=CodelabGroup,
    help="codelab-orchestrator: plan, run and recover multi-agent coding work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__  # noqa: PLC0415

        typer.echo(f"codelab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """codelab-orchestrator: plan, run and recover multi-agent coding work."""


app.add_typer(agents.app, name="agents")
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(sessions.app, name="sessions")
app.add_typer(tokens.app, name="tokens")
app.command()(run)
app.command()(resume)
app.command()(demo)
app.command()(serve)
app.command()(graph)
app.command()(diff)
app.command()(undo)
