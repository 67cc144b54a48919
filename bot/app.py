"""The running application's parts, wired once and passed to whatever needs them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.locks import PersonLocks
from bot.services.conversations import RecentArrivals
from bot.settings import Settings
from bot.storage.database import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    database: Database
    clock: Callable[[], datetime] = utc_now
    locks: PersonLocks = field(default_factory=PersonLocks)
    # Set whenever new outbox rows are committed, so the dispatcher wakes at once.
    outbox_ready: asyncio.Event = field(default_factory=asyncio.Event)
    # What each person's last one-statement turn left (PostgreSQL; see inbound).
    arrivals: RecentArrivals = field(default_factory=RecentArrivals)


def database_for(settings: Settings) -> Database:
    """The database the settings name, its pool as large as they say (not yet opened)."""
    return Database(settings.database_url, pool_size=settings.database_pool_size)


async def open_app(settings: Settings, clock: Callable[[], datetime] = utc_now) -> App:
    database = database_for(settings)
    try:
        await database.ensure_schema()
    except BaseException:
        await database.close()
        raise
    return App(settings, database, clock)
