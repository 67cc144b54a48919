"""champbot's Telegram channel running in the test's loop, wired the way `champbot run`
wires it (channel parts, dispatcher, web app for the webhook), against a FakeTelegram."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from pydantic import SecretStr

from bot import web
from bot.app import App
from bot.channels.base import Limits
from bot.channels.telegram.channel import TelegramChannel
from bot.dispatch import Dispatcher
from tests.support.servers import bound_socket, serve
from tests.support.telegram_server import FakeTelegram

SECRET = "webhook-secret_42"
# Tests type a whole conversation at machine speed; Telegram's one-a-second gap per
# chat would make each turn wait a second. The pacing tests use the real LIMITS.
QUICK = Limits(per_second=25, per_address_interval=0.01)


class RunningBot:
    def __init__(self, app: App, telegram: FakeTelegram, mode: str,
                 limits: Limits = QUICK) -> None:
        self.app = app
        self.limits = limits
        self.telegram = telegram
        self.mode = mode
        self.url = ""
        self.channel: TelegramChannel | None = None
        self.dispatcher: Dispatcher | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/telegram/webhook"

    async def start(self) -> None:
        stack = contextlib.AsyncExitStack()
        sock = bound_socket()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        webhook = self.mode == "webhook"
        self.app.settings = self.app.settings.model_copy(update={
            "telegram_bot_token": SecretStr(self.telegram.token),
            "telegram_api_base_url": self.telegram.base_url,
            "telegram_mode": self.mode,
            "telegram_webhook_secret": SecretStr(SECRET) if webhook else None,
            "public_base_url": self.url if webhook else None,
        })
        self.channel = TelegramChannel(self.app, poll_timeout=5, limits=self.limits)
        parts = self.channel.parts()
        await stack.enter_async_context(serve(web.build(self.app, parts.routes), sock))
        self.dispatcher = Dispatcher(self.app.database, [parts.sender], self.app.clock)
        tasks = [asyncio.create_task(self.dispatcher.run_forever(self.app.outbox_ready, 0.2))]
        tasks += [asyncio.create_task(task()) for task in [*parts.background, *parts.leader]]

        async def stop_tasks() -> None:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for step in parts.shutdown:
                await step()

        stack.push_async_callback(stop_tasks)
        self._stack = stack

    async def stop(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def restart(self) -> None:
        """As if the process stopped and started again: nothing kept but the database."""
        await self.stop()
        await self.start()


@contextlib.asynccontextmanager
async def running_bot(app: App, telegram: FakeTelegram, mode: str = "polling",
                      limits: Limits = QUICK) -> AsyncIterator[RunningBot]:
    bot = RunningBot(app, telegram, mode, limits)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
