"""The one scheduler process: periodic housekeeping (domain schedules live in our tables)."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.services import retention


def build(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def sweep() -> None:
        await retention.sweep(app.database, app.clock(), app.settings.conversation_timeout)

    scheduler.add_job(sweep, "interval", minutes=15, id="retention", coalesce=True,
                      max_instances=1, next_run_time=app.clock())
    return scheduler
