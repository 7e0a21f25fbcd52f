"""Root Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from . import agents, db, sessions, tokens
from .changes import diff, undo
from .demo import demo
from .run import resume, run
from .serve import graph, serve

app = typer.Typer(
    name="codelab",
    help="codelab-orchestrator: plan, run and recover multi-agent coding work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(agents.app, name="agents")
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
