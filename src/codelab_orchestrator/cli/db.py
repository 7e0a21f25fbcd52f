"""``codelab db``: schema migrations (Alembic)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from ..persistence.settings import database_url
from .common import EXIT_FAILED, console, fail

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@contextmanager
def _alembic_errors() -> Iterator[None]:
    from alembic.util.exc import CommandError  # noqa: PLC0415

    try:
        yield
    except CommandError as exc:
        fail(f"{exc} (revisions: head, base, or an id from the migrations)")


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from ..persistence import migrate  # noqa: PLC0415 - Alembic: only when used
    from ..persistence.engine import get_engine  # noqa: PLC0415

    engine = get_engine(migrate=False)
    with _alembic_errors():
        migrate.upgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}: {safe_url(database_url())}")


@app.command()
def downgrade(
    revision: str = typer.Argument("base"),
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Revert migrations down to REVISION (default: base: drops the agents table, every
    project's agents with it). Asks first unless --yes."""
    from sqlalchemy import inspect, text  # noqa: PLC0415

    from ..persistence import migrate  # noqa: PLC0415
    from ..persistence.engine import get_engine  # noqa: PLC0415

    engine = get_engine(migrate=False)
    if not yes:
        agents = 0
        if inspect(engine).has_table("user_agents"):
            with engine.connect() as conn:
                agents = conn.execute(text("SELECT count(*) FROM user_agents")).scalar_one()
        warning = (f"db downgrade {revision} on {safe_url(database_url())} reverts the schema and can "
                   f"delete data (to base: the agents table with its {agents} agent(s), all users "
                   "and projects)")
        if not sys.stdin.isatty():
            fail(f"{warning}: pass --yes to confirm")
        if not typer.confirm(f"{warning}. Continue?", default=False):
            console.print("nothing changed")
            raise typer.Exit(EXIT_FAILED)
    with _alembic_errors():
        migrate.downgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}")


def safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)
