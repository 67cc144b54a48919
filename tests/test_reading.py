"""Reading while a turn writes: ``Database.reading()`` sees what was committed and never
waits for a transaction that is still writing (on SQLite, where one writes at a time)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.app import App
from bot.storage.models import Area


async def _areas(app: App) -> int:
    async with app.database.reading() as session:
        return int(await session.scalar(select(func.count(Area.id))) or 0)


async def test_a_read_goes_ahead_while_a_write_is_open_and_sees_only_what_was_committed(
        app: App) -> None:
    before = await _areas(app)
    async with app.database.transaction() as session:
        session.add(Area(code="brookside", name="Brookside", created_at=app.clock()))
        await session.flush()  # written, not committed: the writer holds its lock
        async with asyncio.timeout(10):  # a read that queued behind it would never end
            assert await _areas(app) == before
    assert await _areas(app) == before + 1
