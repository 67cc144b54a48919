"""Telegram in `champbot run`: python-telegram-bot as the transport, polling or webhook.

We poll with our own loop rather than python-telegram-bot's Updater: the
Updater confirms updates to Telegram as soon as they are queued, so a crash
loses whatever was queued and not yet handled. Our loop confirms an update
(the next getUpdates offset) only after it was handled, and the inbound dedupe
makes a repeat after a crash harmless: nothing lost, nothing twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.routing import BaseRoute
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import ApplicationBuilder, TypeHandler

from bot.app import App
from bot.channels.base import ChannelParts, Limits, TooLarge
from bot.channels.parts import Parts
from bot.channels.telegram import menu, webhook
from bot.channels.telegram.screens import Screens
from bot.channels.telegram.sender import LIMITS, TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.channels.telegram.updates import ALLOWED_UPDATES, Updates
from bot.pacing import Pacer
from bot.services import media_links

log = logging.getLogger(__name__)

POLL_TIMEOUT = 25  # seconds a getUpdates call waits for something to arrive
MAX_PAUSE = 60.0  # seconds between attempts while Telegram cannot be reached


def file_url(base_url: str) -> str:
    """Where files are fetched: Telegram's layout puts /file before /bot<token>."""
    head, found, _ = base_url.rpartition("/bot")
    return f"{head}/file/bot" if found else base_url


def pause(failures: int) -> float:
    return min(2.0 ** failures, MAX_PAUSE)


class TelegramChannel:
    def __init__(self, app: App, poll_timeout: int = POLL_TIMEOUT,
                 limits: Limits = LIMITS) -> None:
        settings = app.settings
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.app = app
        self.poll_timeout = poll_timeout
        self.application = (
            ApplicationBuilder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_base_url)
            .base_file_url(file_url(settings.telegram_api_base_url))
            # aiohttp carries the calls (see transport.py); polling has its own connection.
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(connections=1))
            .updater(None)  # we poll ourselves (see above)
            .job_queue(None)  # schedules are ours too
            .build()
        )
        self.screens = Screens(app.database, app.clock)
        self.updates = Updates(app, self.screens)
        self.application.add_handler(TypeHandler(Update, self.updates.on_update))
        self.application.add_error_handler(self.updates.on_error)
        self.sender = TelegramSender(self.application.bot, self.screens,
                                     Parts(app.database), Pacer(limits),
                                     stored=functools.partial(media_links.load, app.database,
                                                              app.settings))
        self.connected = asyncio.Event()

    @property
    def bot(self) -> Bot:
        return self.application.bot

    def parts(self) -> ChannelParts:
        settings = self.app.settings
        routes: list[BaseRoute] = []
        if settings.telegram_mode == "webhook" and settings.telegram_webhook_secret:
            routes.append(webhook.route(
                settings.telegram_webhook_secret.get_secret_value(),
                lambda: self.bot if self.connected.is_set() else None,
                self.application.process_update))
        return ChannelParts(sender=self.sender, routes=routes, background=[self.connect],
                            leader=[self.lead, self.chat_menus], shutdown=[self.close],
                            fetch=self.fetch_file)

    async def fetch_file(self, file_id: str, max_bytes: int) -> bytes:
        """An attachment by its file_id, through the Bot API's getFile and download."""
        if not self.connected.is_set():
            raise ConnectionError("not connected to Telegram yet")
        found = await self.bot.get_file(file_id)
        if found.file_size is not None and found.file_size > max_bytes:
            raise TooLarge(str(found.file_size))
        data = bytes(await found.download_as_bytearray())
        if len(data) > max_bytes:
            raise TooLarge(str(len(data)))
        return data

    async def run(self) -> None:
        """Both parts in one process (as `champbot run --role all` does)."""
        await asyncio.gather(self.connect(), self.lead(), self.chat_menus())

    async def connect(self) -> None:
        """Every process that sends or takes webhooks: the bot, ready for calls."""
        await self._retrying("connect", self.application.initialize)
        self.connected.set()

    async def lead(self) -> None:
        """One process only: publish the command menu, then poll, or register the webhook."""
        await self.connected.wait()
        await menu.publish(self.bot, self.app.settings.default_language)
        if self.app.settings.telegram_mode == "webhook":
            await self._retrying("register the webhook", self._register_webhook)
            log.info("telegram: receiving updates by webhook")
        else:
            await self._retrying("remove any webhook", self.bot.delete_webhook)
            log.info("telegram: polling for updates")
            await self.poll()

    async def chat_menus(self) -> None:
        """One process only: coordinators' and partner contacts' own command menus."""
        await self.connected.wait()
        await menu.ChatMenus(self.bot, self.app.database).run()

    async def poll(self) -> None:
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES)
            except TelegramError as error:
                failures += 1
                self._log_failure("poll", error, failures)
                await asyncio.sleep(pause(failures))
                continue
            failures = 0
            for update in updates:
                await self.application.process_update(update)
                offset = update.update_id + 1  # confirmed by the next call, once handled

    async def close(self) -> None:
        if self.connected.is_set():
            await self.application.shutdown()

    async def _register_webhook(self) -> None:
        settings = self.app.settings
        secret = settings.telegram_webhook_secret
        base = (settings.public_base_url or "").rstrip("/")
        await self.bot.set_webhook(
            f"{base}{webhook.PATH}", allowed_updates=ALLOWED_UPDATES,
            secret_token=secret.get_secret_value() if secret else None)

    async def _retrying(self, what: str, step: Callable[[], Awaitable[object]]) -> None:
        failures = 0
        while True:
            try:
                await step()
                return
            except TelegramError as error:
                failures += 1
                self._log_failure(what, error, failures)
                await asyncio.sleep(pause(failures))

    @staticmethod
    def _log_failure(what: str, error: TelegramError, failures: int) -> None:
        if isinstance(error, InvalidToken):
            log.error("telegram: could not %s: Telegram refused TELEGRAM_BOT_TOKEN", what)
        elif isinstance(error, Conflict):
            log.error("telegram: could not %s: another copy of the bot is polling, or a "
                      "webhook is set (%s)", what, error.message)
        else:
            log.warning("telegram: could not %s (attempt %s): %s", what, failures,
                        error.message)


def parts(app: App) -> ChannelParts:
    limits = Limits(per_second=app.settings.telegram_messages_per_second,
                    per_address_interval=LIMITS.per_address_interval,
                    per_address_burst=LIMITS.per_address_burst)
    return TelegramChannel(app, limits=limits).parts()
