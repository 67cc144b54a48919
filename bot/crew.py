"""The dispatchers sharing one PostgreSQL database: how many there are, and waking them.

A platform's rate is the whole deployment's, not each process's: with three
dispatcher processes, each paces itself to a third of it. Each dispatcher holds a
shared advisory lock on a connection of its own for its whole life, and counts the
holders; PostgreSQL drops a lock with its connection, so a dead process (even one
killed outright) stops counting at once. A dispatcher joining or leaving says so
(NOTIFY), so the others count again then, and every few seconds besides.

The same connection LISTENs for the outbox: a process that writes to the outbox
but sends nothing itself (a `web` or `scheduler` process) says so once per
wake-up, so a reply leaves as soon as its turn commits, not at a dispatcher's
next look at the queue (a second later).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.locks import lock_key
from bot.storage.database import Database

log = logging.getLogger(__name__)

CHANNEL = "champbot_outbox"  # the NOTIFY channel: "" the outbox was written, "crew" below
CREW = "crew"  # the payload saying a dispatcher joined or left
COUNT_EVERY = 3.0  # seconds between counts when nobody said anything
RETRY_EVERY = 5.0  # seconds before trying again when the database cannot be reached
KEY = lock_key("champbot", "dispatchers")
_JOIN = text("SELECT pg_advisory_lock_shared(:key)")
_LEAVE = text("SELECT pg_advisory_unlock_shared(:key)")
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
# A bigint advisory key is held as two 32-bit halves (classid, objid), objsubid 1.
_COUNT = text("""
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
  AND classid::bigint = :high AND objid::bigint = :low
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
""")
_HALVES = {"high": (KEY >> 32) & 0xFFFFFFFF, "low": KEY & 0xFFFFFFFF}


class Crew:
    """This process's dispatcher among the others: ``counted`` is told how many there
    are (this one included) whenever that may have changed; ``wake`` is set when
    another process wrote to the outbox."""

    def __init__(self, database: Database, counted: Callable[[int], None],
                 wake: asyncio.Event, count_every: float = COUNT_EVERY) -> None:
        self.database = database
        self.counted = counted
        self.wake = wake
        self.count_every = count_every
        self.changed = asyncio.Event()
        self.connection: AsyncConnection | None = None

    async def run(self) -> None:
        """Join, then count whenever told and every few seconds, until cancelled; leave."""
        try:
            while True:
                try:
                    if self.connection is None:
                        await self._join()
                    self.counted(await self._count())
                except Exception as error:  # keep the last count: the claims wait too
                    log.warning("dispatchers: could not count the others (%s); trying again",
                                type(error).__name__)
                    await self._drop()
                    await asyncio.sleep(RETRY_EVERY)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), self.count_every)
                self.changed.clear()
        finally:
            await self._leave()

    async def _join(self) -> None:
        connection = self.connection = await self.database.session_connection()
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if hasattr(driver, "add_listener"):  # asyncpg; other drivers count by the clock
            await driver.add_listener(CHANNEL, self._heard)
        await connection.execute(_JOIN, {"key": KEY})
        await connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": CREW})

    async def _count(self) -> int:
        assert self.connection is not None
        return max(1, int(await self.connection.scalar(_COUNT, _HALVES) or 0))

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        (self.changed if payload == CREW else self.wake).set()

    async def _leave(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await self.connection.execute(_LEAVE, {"key": KEY})
                await self.connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": CREW})
        await self._drop()

    async def _drop(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            with contextlib.suppress(Exception):  # the lock and the listener go with it
                await self.database.let_go(connection)


async def announce(database: Database, written: asyncio.Event) -> None:
    """In a process that writes to the outbox but sends nothing: wake the dispatchers
    each time ``written`` is set (once for however many writes came meanwhile)."""
    while True:
        await written.wait()
        written.clear()
        try:
            async with database.engine.connect() as connection:
                await connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": ""})
                await connection.commit()
        except Exception as error:  # the dispatchers still look every second
            log.warning("could not wake the dispatchers (%s)", type(error).__name__)
            await asyncio.sleep(1.0)
