"""The champbot command: run the bot, try it in the simulator, and manage the programme."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import typer

from bot import logs
from bot.app import App, open_app
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import Database, SchemaOutOfDate
from bot.storage.models import Role

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="champbot: a Telegram and WhatsApp chatbot for community health champions.",
)
db_cli = typer.Typer(no_args_is_help=True, help="The database.")
areas_cli = typer.Typer(no_args_is_help=True, help="The programme's areas.")
people_cli = typer.Typer(no_args_is_help=True, help="Champions, coordinators and partners.")
messages_cli = typer.Typer(no_args_is_help=True, help="The health information library.")
outbox_cli = typer.Typer(help="Messages waiting, held back or given up on.",
                         invoke_without_command=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(areas_cli, name="areas")
cli.add_typer(people_cli, name="people")
cli.add_typer(outbox_cli, name="outbox")
cli.add_typer(messages_cli, name="messages")


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise _fail(str(error)) from None


def _with_app(work: Callable[[App], Awaitable[T]]) -> T:
    settings = _settings()

    async def main() -> T:
        try:
            app = await open_app(settings)
        except SchemaOutOfDate as error:
            raise _fail(str(error)) from None
        try:
            return await work(app)
        finally:
            await app.database.close()

    return asyncio.run(main())


@cli.command()
def run() -> None:
    """Run the bot: webhooks, Telegram polling, the dispatcher and the scheduler."""
    from bot.server import serve

    logs.configure(logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        _with_app(serve)


@cli.command()
def chat(
    name: str = typer.Option(..., "--as", help="Who you are in the simulator, e.g. amina."),
    language: str | None = typer.Option(
        None, "--language", help="A language hint, as a phone would give (e.g. ur, pl)."),
) -> None:
    """Talk to the bot in this terminal: one message per line, until end of input."""
    from bot.channels.console import chat as run_chat

    logs.configure(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        _with_app(lambda app: run_chat(app, name.strip().lower(), hint=language))


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    settings = _settings()

    async def main() -> str | None:
        database = Database(settings.database_url)
        try:
            await database.upgrade()
            return await database.revision()
        finally:
            await database.close()

    typer.echo(f"database is at revision {asyncio.run(main())}")


@cli.command()
def invite(
    role: Role = typer.Option(Role.CHAMPION, help="champion or coordinator"),
    uses: int = typer.Option(1, min=1, help="How many people may join with it."),
    days: int = typer.Option(30, min=1, help="How many days it stays valid."),
) -> None:
    """Make an invite code, with a Telegram link and a WhatsApp text to share."""
    from bot.services import invites

    async def work(app: App) -> invites.Made:
        async with app.database.transaction() as session:
            return await invites.create(session, role, app.clock(), uses=uses, days=days)

    made = _with_app(work)
    link, text = invites.links(made.code, _settings().telegram_bot_username)
    typer.echo(f"code:     {made.code}  ({made.role.value}, {made.max_uses} use(s), "
               f"valid until {made.expires_at:%Y-%m-%d})")
    typer.echo(f"Telegram: {link}")
    typer.echo(f"WhatsApp: send “{text}”")


@areas_cli.command("import")
def areas_import(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Import areas from a CSV with a 'name' column (and optionally 'code')."""
    from bot.services import areas

    try:
        rows = areas.read_csv(file.read_text(encoding="utf-8-sig"))
    except (areas.AreaFileError, UnicodeDecodeError) as error:
        raise _fail(f"champbot: {file}: {error}") from None

    async def work(app: App) -> tuple[int, int]:
        async with app.database.transaction() as session:
            return await areas.import_rows(session, rows, app.clock())

    added, updated = _with_app(work)
    typer.echo(f"{added} area(s) added, {updated} renamed, {len(rows)} in the file")


@areas_cli.command("list")
def areas_list() -> None:
    """List the programme's areas."""
    from bot.services import areas

    async def work(app: App) -> list[tuple[str, str]]:
        async with app.database.transaction() as session:
            return [(a.code, a.name) for a in await areas.all_areas(session)]

    for code, name in _with_app(work):
        typer.echo(f"{code:<24} {name}")


@cli.command()
def demo() -> None:
    """Load a demo programme (areas and invite codes) to try the bot with."""
    from bot.services import demo as demo_programme

    loaded = _with_app(lambda app: demo_programme.load(app.database, app.clock()))
    typer.echo(f"Demo programme ready ({loaded.areas_added} new areas, "
               f"{loaded.messages_added} new health messages).")
    typer.echo(f"  champions join with:    JOIN {loaded.champion_code}")
    typer.echo(f"  coordinators join with: JOIN {loaded.coordinator_code}")
    typer.echo("Try it: champbot chat --as amina")


@people_cli.command("list")
def people_list() -> None:
    """List people: id, role, status, name, language, area and channels."""
    from bot.services import directory

    for line in _with_app(directory.listing):
        typer.echo(line)


@people_cli.command("approve")
def people_approve(person_id: int) -> None:
    """Approve someone who registered openly (OPEN_REGISTRATION=true)."""
    from bot.services import directory

    try:
        message = _with_app(lambda app: directory.approve(app, person_id))
    except LookupError as error:
        raise _fail(f"champbot: {error}") from None
    typer.echo(message)


@people_cli.command("forget")
def people_forget(person_id: int) -> None:
    """Erase someone who asked you (not the bot) to forget them. Recorded in the audit log."""
    from bot.services import directory

    try:
        message = _with_app(lambda app: directory.forget(app, person_id))
    except LookupError as error:
        raise _fail(f"champbot: {error}") from None
    typer.echo(message)


@messages_cli.command("import")
def messages_import(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Import health messages from CSV files (id, topic, language, title, body, source_name,
    source_url; one row per message per language)."""
    from bot.services import library

    try:
        rows = [row for file in files
                for row in library.read_csv(file.read_text(encoding="utf-8-sig"), file.name)]
    except (library.LibraryFileError, UnicodeDecodeError) as error:
        raise _fail(f"champbot: {error}") from None

    async def work(app: App) -> tuple[int, int]:
        async with app.database.transaction() as session:
            return await library.import_rows(session, rows, app.clock())

    try:
        added, written = _with_app(work)
    except library.LibraryFileError as error:
        raise _fail(f"champbot: {error}") from None
    typer.echo(f"{added} new message(s), {written} text(s) written")


@outbox_cli.callback()
def outbox_status(ctx: typer.Context) -> None:
    """How many messages wait, are held back or failed, per channel and reason."""
    if ctx.invoked_subcommand:
        return
    from bot.services import failures

    rows = _with_app(lambda app: failures.summary(app.database)).by_state
    if not rows:
        typer.echo("nothing waiting or failed")
    for channel, status, reason, count in rows:
        typer.echo(f"{channel:<10}{status:<9}{count:>6}  {reason}")


def main() -> None:
    try:
        cli()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        sys.exit(2)
