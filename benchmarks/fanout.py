"""How fast a broadcast reaches the outbox, and how much memory that takes: the project's
``broadcasts.start`` against the naive way (load every recipient as an ORM object and add
one OutboxMessage object per row), each size in a fresh process for a clean peak RSS.
The naive way runs at a smaller size; its rate is extrapolated to the size measured.

    python -m benchmarks.fanout --one URL COUNT project|naive   (one size, one process)
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text

from benchmarks import databases, rows
from benchmarks.figures import Figure
from bot.services import broadcasts, demo
from bot.services.permissions import OPERATOR
from bot.settings import load_settings
from bot.storage.database import Database
from bot.storage.models import Identity, OutboxMessage, OutboxStatus, Person
from flows.types import Reply

PEOPLE = rows.COUNTER + """
INSERT INTO people (role, status, language, area_id, topics, created_at, updated_at)
SELECT 'champion', 'active', CASE i % 5 WHEN 0 THEN 'en' WHEN 1 THEN 'ur' WHEN 2 THEN 'bn'
       WHEN 3 THEN 'pl' ELSE 'so' END, :area, '[]', :now, :now FROM n
"""
IDENTITIES = """
INSERT INTO identities (person_id, channel, address, created_at)
SELECT id, 'telegram', CAST(700000 + id AS VARCHAR(20)), :now FROM people
"""
TEXTS = {"en": "Free flu jabs on Saturday.", "ur": "ہفتہ کو فلو کے مفت ٹیکے۔"}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _champions(database: Database, count: int, now: datetime) -> None:
    await demo.load(database, now)
    async with database.transaction() as session:
        area = await session.scalar(text("SELECT min(id) FROM areas"))
        stamp = rows.stamp(session, now)
        await session.execute(text(PEOPLE), {"count": count, "area": area, "now": stamp})
        await session.execute(text(IDENTITIES), {"now": stamp})


async def one(url: str, count: int, way: str) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": url, "BROADCAST_QUIET_HOURS": "off"},
                             env_file=None)
    database = Database(settings.database_url)
    now = datetime.now(UTC)
    await _champions(database, count, now)
    before = peak_rss_mb()
    if way == "project":
        made = await broadcasts.create(database, settings, OPERATOR,
                                       broadcasts.Request(texts=TEXTS), now)
        started = time.perf_counter()
        written = (await broadcasts.start(database, settings, OPERATOR, made, now)).recipients
    else:
        started = time.perf_counter()
        written = await _naive(database, now)
    seconds = time.perf_counter() - started
    await database.close()
    return {"recipients": written, "seconds": seconds, "rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb()}


async def _naive(database: Database, now: datetime) -> int:
    written = 0
    async with database.transaction() as session:
        found = (await session.execute(select(Person, Identity).join(
            Identity, Identity.person_id == Person.id).where(Person.status == "active"))).all()
        for person, identity in found:
            reply = Reply(TEXTS.get(person.language, TEXTS["en"]), language=person.language)
            session.add(OutboxMessage(
                channel=identity.channel, address=identity.address, person_id=person.id,
                kind="broadcast", payload=reply.to_dict(), status=OutboxStatus.PENDING,
                attempts=0, next_attempt_at=now, created_at=now))
            written += 1
    return written


def child(url: str, count: int, way: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.fanout", "--one", url, str(count),
                          way], capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(folder: Path, sizes: list[int], naive_size: int) -> list[Figure]:
    def run(count: int, way: str) -> dict[str, float]:
        url = asyncio.run(databases.fresh(folder, f"fanout-{way}-{count}"))
        return child(url, count, way)

    slow = run(naive_size, "naive")
    slow_rate = slow["recipients"] / slow["seconds"]
    figures = []
    for size in sizes:
        found = run(size, "project")
        assert found["recipients"] == size, found
        figures.append(Figure(
            "fanout", f"enqueue {size:,} recipients", "s", found["seconds"],
            size / slow_rate, better="lower",
            note=f"naive: ORM object per row, {naive_size:,} rows at "
                 f"{slow_rate:,.0f}/s, extrapolated"))
        figures.append(Figure(
            "fanout", f"peak RSS at {size:,}", "MB", found["peak_rss_mb"],
            slow["peak_rss_mb"], better="lower",
            note=f"naive: peak RSS at {naive_size:,} (not extrapolated)"))
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(asyncio.run(one(sys.argv[2], int(sys.argv[3]), sys.argv[4]))))
