"""Exactly one active scheduler (and Telegram poller); any others stand by.

On PostgreSQL the active process holds a session advisory lock on a connection of
its own for its whole life. PostgreSQL releases it when that connection ends, so
when the active process dies (even by SIGKILL) a standby, trying every few
seconds, takes over. If the active process loses its connection it can no longer
be sure it is the only one, so it stops (its service manager starts it again, as
a standby if another took over). SQLite serves one process, which is always active.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot import metrics
from bot.locks import lock_key
from bot.storage.database import Database

log = logging.getLogger(__name__)

TRY_EVERY = 5.0  # seconds between a standby's attempts; well inside the 30 s promised


class LeadershipLost(RuntimeError):
    pass


class Leadership:
    def __init__(self, database: Database, name: str = "scheduler",
                 try_every: float = TRY_EVERY) -> None:
        self.database = database
        self.name = name
        self.key = lock_key("champbot", name)
        self.try_every = try_every
        self.connection: AsyncConnection | None = None

    async def become_active(self) -> None:
        """Return once this process is the active one (at once on SQLite)."""
        if not self.database.is_postgres:
            self._announce(active=True)
            return
        self._announce(active=False)
        while True:
            try:
                if await self._try_lock():
                    self._announce(active=True)
                    return
            except Exception as error:  # the database is down: keep standing by
                log.warning("%s: could not reach the database to take the lead (%s)",
                            self.name, type(error).__name__)
                await self._drop()
            await asyncio.sleep(self.try_every)

    async def keep(self) -> None:
        """While active: check the lock's connection; raise LeadershipLost when it is gone."""
        while True:
            await asyncio.sleep(self.try_every)
            if self.connection is None:
                continue  # SQLite: nobody to share with
            try:
                await self.connection.execute(text("SELECT 1"))
            except Exception as error:
                await self._drop()
                metrics.scheduler_state(active=False)
                raise LeadershipLost(
                    f"{self.name}: lost the database connection that held the lead "
                    f"({type(error).__name__}); stopping") from error

    async def release(self) -> None:
        await self._drop()

    async def _try_lock(self) -> bool:
        if self.connection is None:
            self.connection = await self.database.session_connection()
        got = await self.connection.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                           {"key": self.key})
        return bool(got)

    async def _drop(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:  # the session lock must not outlive it
                await self.database.let_go(connection)
            except Exception as error:
                log.info("%s: closing the lead connection: %s", self.name,
                         type(error).__name__)

    def _announce(self, *, active: bool) -> None:
        metrics.scheduler_state(active=active)
        log.info("%s: %s", self.name, "active" if active else "standby, waiting to take over")
