"""The one scheduler process: periodic housekeeping (domain schedules live in our tables)."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.services import broadcasts, digests, failures, followups, media, retention


def build(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep() -> None:
        await retention.sweep(app.database, app.clock(), app.settings.conversation_timeout)

    async def report_failures() -> None:
        if await failures.report(app.database, app.clock()):
            app.outbox_ready.set()

    async def media_housekeeping() -> None:
        files = media.store(app.settings)
        await media.expire(app.database, files, app.clock(), app.settings.media_retention_days)
        await media.sweep(app.database, files)
        if await media.report_failures(app.database, app.clock()):
            app.outbox_ready.set()

    scheduler.add_job(media_housekeeping, "interval", hours=1, id="media", coalesce=True,
                      max_instances=1)

    async def broadcasts_due() -> None:
        # Due and missed broadcasts live in the database: a restart runs this at once,
        # so a time that passed while down is sent now, once (and reported as late).
        if await broadcasts.tick(app.database, app.settings, app.clock()):
            app.outbox_ready.set()

    scheduler.add_job(broadcasts_due, "interval", seconds=30, id="broadcasts", coalesce=True,
                      max_instances=1, next_run_time=app.clock())

    async def follow_up() -> None:
        if await followups.tick(app.database, app.settings, app.clock()):
            app.outbox_ready.set()

    async def send_digests() -> None:
        if await digests.tick(app.database, app.settings.zone, app.clock(),
                              app.settings):
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
