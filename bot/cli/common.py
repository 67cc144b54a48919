"""What every champbot command shares: the root command, settings and the app."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from bot.app import App, open_app
from bot.services.problems import Problem
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import SchemaOutOfDate

T = TypeVar("T")


class Listing(TyperGroup):
    """Plain help whose list of commands gives each one's whole first sentence.

    Plain, not typer's rich panels: from typer 0.25 (which carries its own click) the
    panels print a value type beside every flag, `--help <bool>`, as if a flag took a
    value. The plain formatter leaves flags bare and still lists an option's choices
    (`--role <champion|coordinator|partner>`); it only cuts command summaries to fit 80
    columns, which this undoes.
    """

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _typer(help: str, **options: Any) -> typer.Typer:
    return typer.Typer(help=help, cls=Listing, rich_markup_mode=None, add_completion=False,
                       **{"no_args_is_help": True, **options})


cli = _typer("champbot: a Telegram and WhatsApp chatbot for community health champions.")


def group(name: str, help: str, **options: Any) -> typer.Typer:
    """A subcommand group, such as `champbot people ...`."""
    sub = _typer(help, **options)
    cli.add_typer(sub, name=name)
    return sub


def fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


# What the command line adds to a service's problem, by what the problem is about.
HINTS = {"area": "see `champbot areas list`", "person": "see `champbot people list`",
         "broadcast": "see `champbot broadcast list`", "library": "see the health library",
         "texts": "give texts, a map of language to text, or a library_message",
         "at": "give it as at", "repeat": "repeat: weekly or monthly",
         "category": "--category", "digest_time": "--digest-time", "start": "--start",
         "end": "--end", "language": "--language", "days": "--days", "email": "--email",
         "name": "NAME; --name with partners edit", "hours": "--start and --end",
         "one_area": "give one --area",
         "partner_area": "set the service's areas with `champbot partners edit ID --area`; "
                         "its id is in `champbot partners list`",
         "uses": "--uses",
         "audience": "nothing was queued; see `champbot people list` for who is where"}


def refuse(problem: Problem) -> typer.Exit:
    """A service's problem, in English, with where to look (HINTS); exit 2."""
    hint = HINTS.get(problem.about)
    return fail(f"champbot: {problem}" + (f" ({hint})" if hint else ""))


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error)) from None


def unreachable(url: str, error: BaseException) -> str:
    """One line for a database that cannot be opened (no such database, no server), with
    the URL as DATABASE_URL gives it but never its password."""
    reason = error.orig if isinstance(error, DBAPIError) and error.orig else error
    first = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
    shown = make_url(url).render_as_string(hide_password=True)
    return f"champbot: cannot open the database {shown} (DATABASE_URL): {first}"


def with_app(work: Callable[[App], Awaitable[T]]) -> T:
    """Open the database (migrating a new one), run ``work``, close it."""
    current = settings()

    async def main() -> T:
        try:
            app = await open_app(current)
        except SchemaOutOfDate as error:
            raise fail(str(error)) from None
        except (OSError, DBAPIError) as error:
            raise fail(unreachable(current.database_url, error)) from None
        try:
            return await work(app)
        finally:
            await app.database.close()

    return asyncio.run(main())


def main() -> None:
    try:
        cli()
    except SettingsError as error:
        typer.echo(str(error), err=True)
        sys.exit(2)
