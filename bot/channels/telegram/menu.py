"""The command menu Telegram shows beside the text box, in each person's language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand
from telegram.error import TelegramError

from flows.i18n import N_, language, translate
from flows.languages import CODES

log = logging.getLogger(__name__)

# (command, description) in the order shown. Each command must be one the engine
# understands as a slash command (flows.commands: global words and SHORTCUTS).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("menu", N_("Main menu")),
    ("log", N_("Log an activity")),
    ("concern", N_("Share a community concern")),
    ("info", N_("Health information")),
    ("concerns", N_("My concerns")),
    ("impact", N_("My impact")),
    ("settings", N_("Settings")),
    ("language", N_("Language")),
    ("help", N_("Help")),
    ("stop", N_("Pause all messages")),
)


def commands_in(code: str) -> list[BotCommand]:
    with language(code):
        return [BotCommand(name, translate(description)) for name, description in COMMANDS]


async def publish(bot: Bot, default_language: str) -> bool:
    """Set the menu for every language, and the programme's default for everyone else."""
    try:
        for code in CODES:
            await bot.set_my_commands(commands_in(code), language_code=code)
        await bot.set_my_commands(commands_in(default_language))
    except TelegramError as error:  # the bot still works without a menu
        log.warning("could not set the Telegram command menu: %s", error)
        return False
    return True
