"""`champbot run`: the web app, the dispatcher, the scheduler and the configured channels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn
from starlette.routing import BaseRoute

from bot import scheduler, web
from bot.app import App
from bot.channels.base import Sender
from bot.dispatch import Dispatcher

log = logging.getLogger(__name__)

# A channel plugs in with: a sender for the dispatcher, routes for the web app,
# and optionally a background task (Telegram polling) run alongside.
Background = Callable[[], Coroutine[Any, Any, None]]


async def serve(app: App) -> None:
    senders: list[Sender] = []
    routes: list[BaseRoute] = []
    background: list[Background] = []
    if not senders:
        log.warning("no channel is configured (set TELEGRAM_BOT_TOKEN or the TWILIO_ settings); "
                    "try the simulator: champbot chat --as NAME")
    dispatcher = Dispatcher(app.database, senders, app.clock)
    jobs = scheduler.build(app)
    config = uvicorn.Config(web.build(app, routes), host=app.settings.http_host,
                            port=app.settings.http_port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    jobs.start()
    tasks = [asyncio.create_task(dispatcher.run_forever(app.outbox_ready), name="dispatcher"),
             *(asyncio.create_task(task(), name="channel") for task in background)]
    log.info("champbot is running on http://%s:%s", app.settings.http_host,
             app.settings.http_port)
    try:
        await server.serve()
    finally:
        jobs.shutdown(wait=False)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
