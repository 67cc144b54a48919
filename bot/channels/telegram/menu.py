"""The command menu Telegram shows beside the text box, in each person's language, with
only the commands that work for them: a coordinator's or a partner contact's differs from
a champion's, as their main menus do."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.services import people
from bot.storage.database import Database
from flows.commands import GLOBAL, SHORTCUTS
from flows.definitions import menu
from flows.i18n import N_, language, translate
from flows.languages import CODES

log = logging.getLogger(__name__)

EVERY = 30.0  # seconds between looks at whose chat needs a menu of its own

# The words everyone has, around what a role's main menu offers.
FIRST: tuple[tuple[str, str], ...] = (("menu", N_("Main menu")),)
LAST: tuple[tuple[str, str], ...] = (
    ("language", N_("Language")),
    ("help", N_("Help")),
    ("stop", N_("Pause all messages")),
)


def commands_for(role: str) -> tuple[tuple[str, str], ...]:
    """(command, description) in the order shown: the main menu, each entry of the role's
    menu that a slash command opens (flows.commands.SHORTCUTS), described as the menu
    names it, and the words everyone has. Only what the engine lets this role open."""
    command_of = {flow: name for name, flow in SHORTCUTS.items() if name not in GLOBAL}
    offered = tuple((command_of[entry.id], entry.label) for entry in menu.entries(role)
                    if entry.id in command_of)
    return (*FIRST, *offered, *LAST)


COMMANDS = commands_for("champion")  # everyone's, unless their chat has its own


def commands_in(code: str, role: str = "champion") -> list[BotCommand]:
    with language(code):
        return [BotCommand(name, translate(description))
                for name, description in commands_for(role)]


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


class ChatMenus:
    """A menu of its own for each chat of a coordinator or a partner's contact (Telegram's
    chat scope, in the person's language); champions have the menu published for all.
    Looked at every ``EVERY`` seconds: a new coordinator, a language changed or a partner
    removed is set again there. What was set is remembered in this process only: a new
    leader sets every chat's menu once."""

    def __init__(self, bot: Bot, database: Database) -> None:
        self.bot = bot
        self.database = database
        self.shown: dict[str, tuple[str, str]] = {}  # address: (role, language)

    async def sync(self) -> None:
        async with self.database.reading() as session:
            wanted = await people.chat_menus(session, "telegram")
        for address, (role, code) in wanted.items():
            if self.shown.get(address) != (role, code) and address.lstrip("-").isdigit():
                await self.bot.set_my_commands(commands_in(code, role),
                                               scope=BotCommandScopeChat(int(address)))
                self.shown[address] = (role, code)
        for address in set(self.shown) - set(wanted):  # erased: the menu for all again
            await self.bot.delete_my_commands(scope=BotCommandScopeChat(int(address)))
            del self.shown[address]

    async def run(self, every: float | None = None) -> None:
        while True:
            try:
                await self.sync()
            except TelegramError as error:  # tried again next time
                log.warning("could not set a Telegram chat's command menu: %s", error)
            except Exception:
                log.warning("could not look at the Telegram chats' command menus",
                            exc_info=True)
            await asyncio.sleep(EVERY if every is None else every)
