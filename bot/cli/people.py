"""`champbot people`: champions, coordinators and partners."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.app import App
from bot.cli.common import fail, group, refuse, with_app
from bot.cli.progress import progress

people_cli = group("people", "Champions, coordinators and partners: list, approve, erase.")


@people_cli.command("list")
def people_list() -> None:
    """List people: id, role, status, language, area (a coordinator's: the areas they
    cover, or all), channels and name."""
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


@people_cli.command("import")
def people_import(file: Path = typer.Argument(
        ..., exists=True, dir_okay=False,
        help="CSV with name, channel (telegram|whatsapp), address, language, area, topics "
             "(a;b), consent_version, consented_on (YYYY-MM-DD)")) -> None:
    """Import champions from a spreadsheet; bad rows are reported by line and skipped."""
    from bot.services import people_import as importer

    text = file.read_text(encoding="utf-8-sig")

    async def work(app: App) -> tuple[int, int, int, list[str]]:
        async with app.database.transaction() as session:
            areas = await importer.area_codes(session)
            rows, problems = importer.read_csv(
                text, areas, app.clock().astimezone(app.settings.zone).date())
            with progress("importing people", total=len(rows)) as bar:
                added, updated, left = await importer.import_rows(
                    session, rows, areas, app.clock(), bar.advance)
        return added, updated, left, problems

    try:
        added, updated, left, problems = with_app(work)
    except importer.ImportFileError as error:
        raise fail(f"champbot: {file}: {error}") from None
    for problem in problems:
        typer.echo(f"{file}: {problem} (not imported)", err=True)
    summary = f"{added} added, {updated} updated"
    if left:
        summary += f", {left} left alone (they left the programme)"
    typer.echo(f"{summary}, {len(problems)} bad row(s)")
    if problems:
        raise typer.Exit(1)


@people_cli.command("edit")
def people_edit(
    person_id: int = typer.Argument(..., help="The person's id (see `people list`)."),
    area: list[str] = typer.Option(..., "--area",
                                   help="An area by id, code or name (repeat); for a "
                                        "coordinator 'all' means every area."),
) -> None:
    """Give a coordinator the areas they look after (a champion: their one area; a partner
    service's contact has none: `partners edit` sets the service's)."""
    from bot.services import coordinators
    from bot.services.partners import Unknown

    async def work(app: App) -> list[str]:
        async with app.database.transaction() as session:
            return await coordinators.set_areas(session, person_id, area)

    try:
        names = with_app(work)
    except Unknown as error:
        raise refuse(error) from None
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(f"person {person_id}: " + (f"areas {', '.join(names)}" if names else
                                          "all areas"))
