"""How many parts of an outbox row were delivered, kept in the database.

A long message goes in several platform calls. If one fails half-way, the row is
retried, possibly by another dispatcher process or after a restart: it resumes
after the last part that went, so no part arrives twice.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.channels.base import Outgoing
from bot.storage.database import Database, insert_for
from bot.storage.screens import PartsSent


class Parts:
    def __init__(self, database: Database) -> None:
        self.database = database
        # Rows this process recorded parts for: only saves a query on first attempts.
        self._recorded: set[int] = set()

    async def done(self, message: Outgoing) -> int:
        """How many parts already went (none on a row's first attempt: no query)."""
        if message.attempts <= 1 and message.id not in self._recorded:
            return 0
        async with self.database.transaction(short=True) as session:
            count = await session.scalar(
                select(PartsSent.count).where(PartsSent.outbox_id == message.id))
        return count or 0

    async def advance(self, outbox_id: int, count: int, total: int) -> None:
        """``count`` of the row's ``total`` parts have now been delivered."""
        if count >= total:
            return  # the row is settled by the caller's result
        self._recorded.add(outbox_id)
        async with self.database.transaction(short=True) as session:
            insert = insert_for(session)(PartsSent).values(outbox_id=outbox_id, count=count)
            await session.execute(insert.on_conflict_do_update(
                index_elements=[PartsSent.outbox_id], set_={"count": count}))

    async def finish(self, message: Outgoing) -> None:
        """The row is settled (delivered or given up): nothing to resume."""
        if message.attempts <= 1 and message.id not in self._recorded:
            return
        self._recorded.discard(message.id)
        async with self.database.transaction(short=True) as session:
            await session.execute(delete(PartsSent).where(PartsSent.outbox_id == message.id))
