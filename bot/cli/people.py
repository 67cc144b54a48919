"""`champbot people`: champions, coordinators and partners."""

from __future__ import annotations

import typer

from bot.app import App
from bot.cli.common import fail, group, with_app

people_cli = group("people", "Champions, coordinators and partners.")


@people_cli.command("list")
def people_list() -> None:
    """List people: id, role, status, name, language, area and channels."""
    from bot.services import directory

    for line in with_app(directory.listing):
        typer.echo(line)


@people_cli.command("approve")
def people_approve(person_id: int) -> None:
    """Approve someone who registered openly (OPEN_REGISTRATION=true)."""
    from bot.services import directory

    try:
        message = with_app(lambda app: directory.approve(app, person_id))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(message)


@people_cli.command("forget")
def people_forget(person_id: int) -> None:
    """Erase someone who asked you (not the bot) to forget them. Recorded in the audit log."""
    from bot.services import directory

    try:
        message = with_app(lambda app: directory.forget(app, person_id))
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(message)


@people_cli.command("edit")
def people_edit(
    person_id: int = typer.Argument(..., help="The person's id (see `people list`)."),
    area: list[str] = typer.Option(..., "--area",
                                   help="An area by id, code or name (repeat); for a "
                                        "coordinator 'all' means every area."),
) -> None:
    """Give a coordinator the areas they look after (a champion: their one area)."""
    from bot.services import coordinators
    from bot.services.partners import Unknown

    async def work(app: App) -> list[int]:
        async with app.database.transaction() as session:
            return await coordinators.set_areas(session, person_id, area)

    try:
        ids = with_app(work)
    except (Unknown, LookupError) as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(f"person {person_id}: areas {', '.join(map(str, ids)) or 'all'}")
