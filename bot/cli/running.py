"""Running the bot, and the simulator in this terminal."""

from __future__ import annotations

import contextlib
import logging

import typer

from bot import logs
from bot.cli.common import cli, with_app


@cli.command()
def run() -> None:
    """Run the bot: webhooks, Telegram polling, the dispatcher and the scheduler."""
    from bot.server import serve

    logs.configure(logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        with_app(serve)


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
        with_app(lambda app: run_chat(app, name.strip().lower(), hint=language))
