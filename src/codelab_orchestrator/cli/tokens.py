"""``codelab tokens create|list|revoke``: bearer tokens for ``codelab serve``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from .common import JsonOption, console, err_console, fail, print_json

app = typer.Typer(help="Bearer tokens for the HTTP server (stored hashed in the database).",
                  no_args_is_help=True)


def _repository():  # type: ignore[no-untyped-def]
    from ..persistence.tokens import TokenRepository  # noqa: PLC0415

    return TokenRepository()


@app.command()
def create(
    user: Annotated[str, typer.Option("--user", "-u", help="User the token speaks for (required).")],
    project: Annotated[str | None, typer.Option("--project", "-p",
                                                help="Limit the token to this project.")] = None,
    name: Annotated[str | None, typer.Option(help="A note to recognise the token by.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token and print its secret (shown only this once)."""
    try:
        record, secret = _repository().create(user, project, name)
    except ValueError as exc:
        fail(str(exc))
    if as_json:
        print_json({**record.as_json(), "token": secret})
        return
    scope = f"user {record.user_id}" + (f", project {record.project_id}" if record.project_id else "")
    # The note goes to stderr, the secret alone to stdout: TOKEN=$(codelab tokens create ...) works.
    err_console.print(f"token {record.id} for {scope}. Copy it now; it is not stored and cannot be "
                      "shown again:", soft_wrap=True, highlight=False)
    typer.echo(secret)


@app.command("list")
def list_tokens(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's tokens.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Tokens (never their secrets): id, user, project, prefix, created, revoked."""
    records = _repository().list(user)
    if as_json:
        print_json([r.as_json() for r in records])
        return
    if not records:
        console.print("no tokens" + (f" for user {user}" if user else "")
                      + ": create one with `codelab tokens create --user USER`")
        return
    table = Table("id", "user", "project", "prefix", "name", "created", "status")
    for r in records:
        table.add_row(str(r.id), r.user_id, r.project_id or "(any)", r.prefix + "…", r.name,
                      r.created_at.strftime("%Y-%m-%d %H:%M"),
                      "active" if r.active else f"revoked {r.revoked_at:%Y-%m-%d %H:%M}")
    console.print(table)


@app.command()
def revoke(
    token: Annotated[str, typer.Argument(help="Token id, its prefix (as listed), or the token itself.")],
) -> None:
    """Revoke a token: requests with it fail from now on."""
    from ..persistence.tokens import TokenNotFoundError  # noqa: PLC0415

    try:
        record = _repository().revoke(token)
    except (TokenNotFoundError, ValueError) as exc:
        fail(str(exc).strip("'\""))
    console.print(f"token {record.id} ({record.prefix}…, user {record.user_id}) revoked")
