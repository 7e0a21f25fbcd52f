"""``codelab db``: schema migrations (Alembic)."""

from __future__ import annotations

import typer

from ..persistence.settings import database_url
from .common import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from ..persistence import migrate  # noqa: PLC0415 - Alembic: only when used
    from ..persistence.engine import get_engine  # noqa: PLC0415

    engine = get_engine(migrate=False)
    migrate.upgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}: {safe_url(database_url())}")


@app.command()
def downgrade(revision: str = typer.Argument("base")) -> None:
    """Revert migrations down to REVISION (default: base, an empty database)."""
    from ..persistence import migrate  # noqa: PLC0415
    from ..persistence.engine import get_engine  # noqa: PLC0415

    engine = get_engine(migrate=False)
    migrate.downgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}")


def safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)
