"""Root Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from . import agents, db

app = typer.Typer(
    name="codelab",
    help="codelab-orchestrator: plan, run and recover multi-agent coding work.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(agents.app, name="agents")
app.add_typer(db.app, name="db")
