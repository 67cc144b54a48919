"""The programme: invites, areas, the demo and the health library."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.app import App
from bot.cli.common import cli, fail, group, refuse, settings, with_app
from bot.cli.progress import progress
from bot.services.invites import MAX_DAYS, MAX_USES
from bot.storage.models import Role

areas_cli = group("areas", "The programme's areas: import them from a spreadsheet, list them.")
messages_cli = group("messages", "The health information library: import messages from "
                     "spreadsheets.")


@cli.command()
def invite(
    role: Role = typer.Option(
        Role.CHAMPION, help="Who the code is for: champion, coordinator or partner."),
    partner: int | None = typer.Option(None, "--partner",
                                       help="The partner service (needed with --role partner)."),
    uses: int = typer.Option(1, help=f"How many people may join with it (1 to {MAX_USES})."),
    days: int = typer.Option(30, help=f"How many days it stays valid (1 to {MAX_DAYS})."),
) -> None:
    """Make an invite code, with a Telegram link and a WhatsApp text to share."""
    from bot.services import invites

    if (role is Role.PARTNER) != (partner is not None):
        raise fail("champbot: --partner ID goes with --role partner (and only with it)")
    try:
        invites.limits(uses, days)  # as the dashboard's form
    except invites.OutOfRange as error:
        raise refuse(error) from None

    async def work(app: App) -> invites.Made:
        async with app.database.transaction() as session:
            if partner is not None:
                from bot.services import partners

                await partners.get(session, partner)
            return await invites.create(session, role, app.clock(), uses=uses, days=days,
                                        partner_id=partner)

    try:
        made = with_app(work)
    except LookupError as error:
        raise fail(f"champbot: {error}") from None
    link, text = invites.links(made.code, settings().telegram_bot_username)
    typer.echo(f"code:     {made.code}  ({made.role.value}, {made.max_uses} use(s), "
               f"valid until {made.expires_at:%Y-%m-%d})")
    typer.echo(f"Telegram: {link}" if link else
               "Telegram: no link yet: set TELEGRAM_BOT_USERNAME to your bot's username (in the "
               "environment or .env) to get one; people can also send the bot the WhatsApp text")
    typer.echo(f"WhatsApp: send “{text}”")


@areas_cli.command("import")
def areas_import(file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, metavar="FILE", help="A CSV file of areas.")) -> None:
    """Import areas from a CSV with a 'name' column (and optionally 'code')."""
    from bot.services import areas

    try:
        rows = areas.read_csv(file.read_text(encoding="utf-8-sig"))
        with progress("importing areas", total=len(rows)) as bar:
            async def work(app: App) -> tuple[int, int]:
                async with app.database.transaction() as session:
                    return await areas.import_rows(session, rows, app.clock(), bar.advance)

            added, updated = with_app(work)
    except UnicodeDecodeError as error:
        raise fail(f"champbot: {file}: {error}") from None
    except areas.AreaFileError as error:
        raise fail("\n".join(f"champbot: {file}: {problem}" for problem in error.problems)
                   + f"\nchampbot: {file}: nothing was imported") from None
    typer.echo(f"{added} area(s) added, {updated} renamed, {len(rows)} in the file")


@areas_cli.command("list")
def areas_list() -> None:
    """List the programme's areas."""
    from bot.services import areas

    async def work(app: App) -> list[tuple[str, str]]:
        async with app.database.transaction() as session:
            return [(a.code, a.name) for a in await areas.all_areas(session)]

    for code, name in with_app(work):
        typer.echo(f"{code:<24} {name}")


@cli.command()
def demo() -> None:
    """Load a demo programme (areas and invite codes) to try the bot with."""
    from bot.services import demo as demo_programme

    loaded = with_app(lambda app: demo_programme.load(app.database, app.clock()))
    typer.echo(f"Demo programme ready ({loaded.areas_added} new areas, "
               f"{loaded.messages_added} new health messages).")
    typer.echo(f"  champions join with:    JOIN {loaded.champion_code}")
    typer.echo(f"  coordinators join with: JOIN {loaded.coordinator_code}")
    typer.echo("Try it: champbot chat --as amina")


@messages_cli.command("import")
def messages_import(
    files: list[Path] = typer.Argument(
        None, exists=True, dir_okay=False, metavar="FILE", show_default=False,
        help="CSV files of messages."),
    starter: bool = typer.Option(
        False, "--library", help="Also import the starter library that comes with champbot "
                                 "(14 NHS-sourced messages in every language)."),
) -> None:
    """Import health messages from CSV files (id, topic, language, title, body, source_name,
    source_url; one row per message per language), or the starter library (--library)."""
    from bot.services import library

    if not files and not starter:
        raise fail("champbot: give CSV files of messages, or --library for the starter "
                   "library that comes with champbot")
    try:
        rows = library.starter_rows() if starter else []
        rows += [row for file in files or ()
                 for row in library.read_csv(file.read_text(encoding="utf-8-sig"), file.name)]
    except (library.LibraryFileError, UnicodeDecodeError) as error:
        raise fail(f"champbot: {error}") from None

    try:
        with progress("importing health messages", total=len(rows)) as bar:
            async def work(app: App) -> tuple[int, int]:
                async with app.database.transaction() as session:
                    return await library.import_rows(session, rows, app.clock(), bar.advance)

            added, written = with_app(work)
    except library.LibraryFileError as error:
        raise fail(f"champbot: {error}") from None
    typer.echo(f"{added} new message(s), {written} text(s) written")


@messages_cli.command("feedback")
def messages_feedback() -> None:
    """"Useful / Not clear" answers to broadcasts, per message and language."""
    from bot.services import broadcast_reports, permissions

    found = with_app(lambda app: broadcast_reports.feedback_by_message(
        app.database, permissions.OPERATOR, app.clock()))
    if not found:
        typer.echo("no feedback yet")
        return
    typer.echo(f"{'message':<32} {'language':<9} {'useful':>7} {'not clear':>10}")
    for row in found:
        typer.echo(f"{row.message:<32} {row.language:<9} {row.useful:>7} {row.unclear:>10}")
