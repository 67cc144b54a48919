"""The one scheduler process: periodic housekeeping (domain schedules live in our tables)."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.services import digests, failures, followups, retention


def build(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep() -> None:
        await retention.sweep(app.database, app.clock(), app.settings.conversation_timeout)

    async def report_failures() -> None:
        if await failures.report(app.database, app.clock()):
            app.outbox_ready.set()

    async def follow_up() -> None:
        if await followups.tick(app.database, app.settings, app.clock()):
            app.outbox_ready.set()

    async def send_digests() -> None:
        if await digests.tick(app.database, app.settings.zone, app.clock()):
            app.outbox_ready.set()

    # Both read due rows from our tables and mark them in the same transaction as
    # their outbox rows: a restart or an extra tick neither loses nor repeats one.
    scheduler.add_job(follow_up, "interval", minutes=5, id="followups", coalesce=True,
                      max_instances=1)
    scheduler.add_job(send_digests, "interval", minutes=1, id="digests", coalesce=True,
                      max_instances=1)
    scheduler.add_job(sweep, "interval", minutes=15, id="retention", coalesce=True,
                      max_instances=1, next_run_time=app.clock())
    scheduler.add_job(report_failures, "interval", minutes=30, id="failures", coalesce=True,
                      max_instances=1)
    return scheduler
