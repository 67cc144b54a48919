"""Running the bot, and the simulator in this terminal."""

from __future__ import annotations

import contextlib
import logging
import os
import sys

import typer

from bot import logs
from bot.cli.common import cli, fail, settings, with_app
from flows import languages


@cli.command()
def run(
    role: str = typer.Option(
        "all", "--role", help="What this process does: all (everything, the only shape on "
        "SQLite), web (webhooks), dispatcher (sends the outbox) or scheduler (periodic jobs "
        "and Telegram polling; one active, others stand by). Needs PostgreSQL unless all."),
) -> None:
    """Run the bot: webhooks, Telegram polling, the dispatcher and the scheduler."""
    from bot.leadership import LeadershipLost
    from bot.server import ROLES, PortInUse, RoleNotSupported, serve
    from bot.storage.running import InUse, held

    logs.configure(logging.INFO, settings().log_format)
    if role not in ROLES:
        raise fail(f"champbot: unknown role {role!r} (choose from {', '.join(ROLES)})")
    try:
        # On SQLite, one process: a second run (or a restore) is refused while this runs.
        with held(settings().database_url, "starting another"), \
                contextlib.suppress(KeyboardInterrupt):
            with_app(lambda app: serve(app, role))
    except (RoleNotSupported, LeadershipLost, PortInUse, InUse) as error:
        raise fail(str(error)) from None


@cli.command()
def chat(
    name: str = typer.Option(..., "--as", help="Who you are in the simulator, e.g. amina."),
    language: str | None = typer.Option(
        None, "--language", help="A language hint, as a phone would give: ar, bn, en, gu, "
        "pa, pl, pt, ro, so or ur (another is, as on a phone, no hint)."),
) -> None:
    """Talk to the bot in this terminal: one message per line, until end of input."""
    from bot.services import cleaning
    from bot.simulator import chat as run_chat

    # The address as the inbound path keeps it (cleaned, at most 64 characters): the
    # simulator shows the replies sent to that address, so a longer name would see none.
    address = cleaning.text(name.strip().lower(), limit=len(name) + 1)
    if not address:
        raise fail("champbot: give a name to chat as, e.g. --as amina")
    if len(address) > cleaning.MAX_ADDRESS:
        raise fail(f"champbot: the --as name is {len(address)} characters long; the simulator "
                   f"takes at most {cleaning.MAX_ADDRESS}")
    if language and languages.from_tag(language) is None:
        typer.echo(f"champbot: {language!r} is not a language champbot speaks "
                   f"({', '.join(languages.CODES)}); chatting as a phone with that setting "
                   "would: the first message asks for a language", err=True)
    logs.configure(logging.WARNING, settings().log_format)
    # Its only retries are replies a closed terminal did not show: kept for next time, quietly.
    logging.getLogger("bot.dispatch").setLevel(logging.ERROR)
    with contextlib.suppress(KeyboardInterrupt):
        shown = with_app(lambda app: run_chat(app, address, hint=language))
        if not shown:
            # The reader went away (`| head`): nothing more to say, and nothing for Python to
            # complain about when it flushes the closed output on the way out.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
