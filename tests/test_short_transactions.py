"""Short transactions (a turn, a claim, a delivery status): on a SQLite file they run on the
event loop's own thread. They commit and roll back like any other; a write held by another
process (a CLI command) is waited for without stopping the loop; and what they write is
what every other connection reads."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App, utc_now
from bot.storage.database import Database
from bot.storage.models import Area


async def _areas(app: App, **how: bool) -> int:
    async with app.database.reading(**how) as session:
        return int(await session.scalar(select(func.count(Area.id))) or 0)


def _area(app: App, code: str) -> Area:
    return Area(code=code, name=code.title(), created_at=app.clock())


async def test_what_a_short_transaction_commits_every_reader_sees(app: App) -> None:
    before = await _areas(app)
    async with app.database.transaction(short=True) as session:
        session.add(_area(app, "brookside"))
    assert await _areas(app) == before + 1
    assert await _areas(app, short=True) == before + 1


async def test_a_failure_inside_a_short_transaction_leaves_nothing_behind(app: App) -> None:
    before = await _areas(app)

    async def fail_midway() -> None:
        async with app.database.transaction(short=True) as session:
            session.add(_area(app, "brookside"))
            await session.flush()
            raise RuntimeError("a failure of ours in the middle of a turn")

    with pytest.raises(RuntimeError):
        await fail_midway()
    assert await _areas(app) == before
    async with app.database.transaction(short=True) as session:  # and the next one works
        session.add(_area(app, "brookside"))
    assert await _areas(app) == before + 1


async def test_short_and_ordinary_writers_of_one_process_take_turns(app: App) -> None:
    before = await _areas(app)

    async def write(n: int) -> None:
        async with app.database.transaction(short=n % 2 == 0) as session:
            session.add(_area(app, f"area-{n}"))
            await asyncio.sleep(0)  # let the others try to write meanwhile
            await session.flush()

    await asyncio.gather(*(write(n) for n in range(20)))
    assert await _areas(app) == before + 20


async def test_a_write_held_by_another_process_is_waited_for_while_the_loop_serves(
        app: App) -> None:
    if not app.database.is_sqlite:
        pytest.skip("on PostgreSQL a short transaction is an ordinary one")
    path = app.database.url.database
    assert path is not None
    holding, release = threading.Event(), threading.Event()

    def other_process() -> None:  # as a CLI command writing for a while would
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO areas (code, name, created_at) "
                      "VALUES ('elsewhere', 'Elsewhere', '2026-11-01 00:00:00')")
        holding.set()
        release.wait(30)
        other.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    try:
        await asyncio.to_thread(holding.wait, 10)
        before = await _areas(app)  # reads go on beside the held write

        async def write() -> None:
            async with app.database.transaction(short=True) as session:
                session.add(_area(app, "brookside"))

        writing = asyncio.create_task(write())
        ticks = 0
        while ticks < 20:  # the loop keeps running while the write waits its turn
            await asyncio.sleep(0.01)
            ticks += 1
        assert not writing.done()
        release.set()
        await asyncio.wait_for(writing, 30)
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 30)
    assert await _areas(app) == before + 2  # theirs and ours, both kept


async def test_a_sqlite_uri_is_opened_as_it_asks(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # A SQLite URI (``file:…?uri=true``) is left to the driver that understands it, short
    # or not, and nothing named after the URI is made where champbot runs.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    database = Database(f"sqlite+aiosqlite:///file:{tmp_path}/data/options.db?uri=true")
    try:
        await database.upgrade()
        async with database.transaction(short=True) as session:
            session.add(Area(code="brookside", name="Brookside", created_at=utc_now()))
        for short in (True, False):  # one database, however it is read
            async with database.reading(short=short) as session:
                assert await session.scalar(select(func.count(Area.id))) == 1
    finally:
        await database.close()
    assert sorted(os.listdir(tmp_path)) == ["data"]
