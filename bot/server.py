"""`champbot run`: the web app, the dispatcher, the scheduler and the configured channels,
all in one process or one role per process.

Roles: ``web`` takes webhooks; ``dispatcher`` sends the outbox; ``scheduler`` runs
the periodic jobs and Telegram polling, active in one process only (others stand
by, see bot.leadership); ``all`` is the three together. Every process serves
/healthz, /readyz and /metrics on HTTP_PORT.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Coroutine
from typing import Any

import uvicorn

from bot import crew, metrics, scheduler, web
from bot.app import App
from bot.channels.base import ChannelParts
from bot.dispatch import Dispatcher
from bot.leadership import Leadership
from bot.media_fetch import MediaFetcher
from bot.services import media

log = logging.getLogger(__name__)

ROLES = ("all", "web", "dispatcher", "scheduler")


class RoleNotSupported(Exception):
    pass


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


def check_role(app: App, role: str) -> None:
    if role not in ROLES:
        raise RoleNotSupported(f"champbot: unknown role {role!r} (choose from {', '.join(ROLES)})")
    if role != "all" and app.database.is_sqlite:
        raise RoleNotSupported(
            "champbot: on SQLite run one process with --role all; separate roles need PostgreSQL")


async def lead(app: App, channels: list[ChannelParts]) -> None:
    """The scheduler role: stand by until active, then run the jobs and the leader tasks."""
    leadership = Leadership(app.database)
    jobs = scheduler.build(app)
    tasks: list[asyncio.Task[None]] = []
    try:
        await leadership.become_active()
        jobs.start()
        tasks = [asyncio.create_task(task(), name="leader") for c in channels
                 for task in c.leader]
        await leadership.keep()
    finally:
        if jobs.running:
            jobs.shutdown(wait=False)
        await _cancel(tasks)
        await leadership.release()


async def serve(app: App, role: str = "all") -> None:
    check_role(app, role)
    channels = configured_channels(app)
    if not channels:
        log.warning("no channel is configured (set TELEGRAM_BOT_TOKEN or the TWILIO_ settings); "
                    "try the simulator: champbot chat --as NAME")
    routes = [route for c in channels for route in c.routes] if role in ("all", "web") else []
    sock = listening(app.settings.http_host, app.settings.http_port)  # before anything starts
    config = uvicorn.Config(web.build(app, routes), host=app.settings.http_host,
                            port=app.settings.http_port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    for channel in channels:
        for step in channel.startup:
            await step()
    work: list[Coroutine[Any, Any, None]] = [task() for c in channels for task in c.background]
    if role in ("all", "dispatcher"):
        dispatcher = Dispatcher(app.database, [c.sender for c in channels], app.clock)
        work.append(dispatcher.run_forever(app.outbox_ready))
        if app.database.is_postgres:  # other dispatchers may share the rates and the work
            work.append(crew.Crew(app.database, dispatcher.share, app.outbox_ready).run())
        fetcher = MediaFetcher(
            app.database, {c.sender.channel: c.fetch for c in channels if c.fetch is not None},
            media.store(app.settings), app.clock, app.settings.media_max_bytes)
        work.append(fetcher.run_forever())
    if role in ("all", "scheduler"):
        work.append(lead(app, channels))
    else:
        metrics.scheduler_state(None)  # /metrics says so, rather than nothing
    if role in ("web", "scheduler"):  # writes to the outbox, sends nothing: wake who does
        work.append(crew.announce(app.database, app.outbox_ready))
    tasks = [asyncio.create_task(job, name=role) for job in work]
    log.info("champbot (%s) is running on http://%s:%s", role, app.settings.http_host,
             app.settings.http_port)
    serving = asyncio.create_task(server.serve(sockets=[sock]), name="web")
    try:
        # Whichever ends first ends the process: the server stopping (a signal), or a
        # role failing (the scheduler losing its lead), which then reaches the caller.
        pending: set[asyncio.Task[None]] = {serving, *tasks}
        while serving in pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for finished in done:
                if finished is not serving:
                    finished.result()  # a role that failed ends the process
    finally:
        server.should_exit = True
        await _cancel(tasks)
        await asyncio.gather(serving, return_exceptions=True)
        sock.close()
        for channel in channels:
            for step in channel.shutdown:
                await step()


class PortInUse(Exception):
    """HTTP_PORT cannot be listened on (another process has it, or it is not ours to take)."""


def listening(host: str, port: int) -> socket.socket:
    """The web server's socket, bound now: a port already taken is one clear line, before
    any channel, dispatcher or scheduler has started (not a traceback from each of them)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        raise PortInUse(
            f"champbot: cannot listen on {host}:{port}: {error.strerror or error} (is another "
            "`champbot run` using it? Set HTTP_PORT to choose another port)") from None


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
