"""`champbot run`: the web app, the dispatcher, the scheduler and the configured channels."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from bot import scheduler, web
from bot.app import App
from bot.channels.base import ChannelParts
from bot.dispatch import Dispatcher
from bot.media_fetch import MediaFetcher
from bot.services import media

log = logging.getLogger(__name__)


def configured_channels(app: App) -> list[ChannelParts]:
    """Each channel whose settings are present, ready to plug in."""
    parts: list[ChannelParts] = []
    if app.settings.telegram_enabled:
        from bot.channels.telegram import channel as telegram

        parts.append(telegram.parts(app))
    if app.settings.whatsapp_enabled:
        from bot.channels import whatsapp

        parts.append(whatsapp.parts(app))
    if app.settings.email_enabled:
        from bot.channels import email

        parts.append(email.parts(app))
    return parts


async def serve(app: App) -> None:
    channels = configured_channels(app)
    if not channels:
        log.warning("no channel is configured (set TELEGRAM_BOT_TOKEN or the TWILIO_ settings); "
                    "try the simulator: champbot chat --as NAME")
    dispatcher = Dispatcher(app.database, [c.sender for c in channels], app.clock)
    fetcher = MediaFetcher(
        app.database, {c.sender.channel: c.fetch for c in channels if c.fetch is not None},
        media.store(app.settings), app.clock, app.settings.media_max_bytes)
    routes = [route for c in channels for route in c.routes]
    jobs = scheduler.build(app)
    config = uvicorn.Config(web.build(app, routes), host=app.settings.http_host,
                            port=app.settings.http_port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    for channel in channels:
        for step in channel.startup:
            await step()
    jobs.start()
    tasks = [asyncio.create_task(dispatcher.run_forever(app.outbox_ready), name="dispatcher"),
             asyncio.create_task(fetcher.run_forever(), name="media")]
    tasks += [asyncio.create_task(task(), name="channel") for c in channels
              for task in c.background]
    log.info("champbot is running on http://%s:%s", app.settings.http_host,
             app.settings.http_port)
    try:
        await server.serve()
    finally:
        jobs.shutdown(wait=False)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in channels:
            for step in channel.shutdown:
                await step()
