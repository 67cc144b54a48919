"""What every champbot command shares: the root command, settings and the app."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from bot.app import App, open_app
from bot.settings import Settings, SettingsError, load_settings
from bot.storage.database import SchemaOutOfDate

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="champbot: a Telegram and WhatsApp chatbot for community health champions.",
)


def group(name: str, help: str, **options: object) -> typer.Typer:
    """A subcommand group, such as `champbot people ...`."""
    sub = typer.Typer(help=help, **{"no_args_is_help": True, **options})  # type: ignore[arg-type]
    cli.add_typer(sub, name=name)
    return sub


def fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(2)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error)) from None


def with_app(work: Callable[[App], Awaitable[T]]) -> T:
    """Open the database (migrating a new one), run ``work``, close it."""
    current = settings()

    async def main() -> T:
        try:
            app = await open_app(current)
        except SchemaOutOfDate as error:
            raise fail(str(error)) from None
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
