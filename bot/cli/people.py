"""`champbot people`: champions, coordinators and partners."""

from __future__ import annotations

import typer

from bot.cli.common import fail, group, with_app

people_cli = group("people", "Champions, coordinators and partners: list, approve, erase.")


@people_cli.command("list")
def people_list() -> None:
    """List people: id, role, status, name, language, area and channels."""
    from bot.services import directory

    for line in with_app(directory.listing):
        typer.echo(line)


@people_cli.command("approve")
def people_approve(person_id: int = typer.Argument(
        ..., metavar="PERSON_ID", help="Their id, from `champbot people list`.")) -> None:
    """Approve someone who registered openly (OPEN_REGISTRATION=true)."""
    from bot.services import directory

    try:
        message = with_app(lambda app: directory.approve(app, person_id))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(message)


@people_cli.command("forget")
def people_forget(person_id: int = typer.Argument(
        ..., metavar="PERSON_ID", help="Their id, from `champbot people list`.")) -> None:
    """Erase someone who asked you (not the bot) to forget them. Recorded in the audit log."""
    from bot.services import directory

    try:
        message = with_app(lambda app: directory.forget(app, person_id))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(message)
