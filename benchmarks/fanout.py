"""How fast a broadcast reaches the outbox, and how much memory that takes.

    .venv/bin/python benchmarks/fanout.py                   # SQLite, 1,000 / 10,000 / 100,000
    .venv/bin/python benchmarks/fanout.py --postgres postgresql://postgres@127.0.0.1/bench

Each size runs in a fresh process: the champions are made by the database itself
(a recursive query), then the broadcast is started and timed. Peak RSS is the
process's high-water mark; it should stay flat from 1,000 to 100,000 recipients,
since no recipient is ever loaded into Python. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bot.services import broadcasts, demo
from bot.services.permissions import OPERATOR
from bot.settings import load_settings
from bot.storage.database import Database

SIZES = (1_000, 10_000, 100_000)
LANGUAGES = ("en", "ur", "bn", "pl", "so")

PEOPLE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
INSERT INTO people (role, status, language, area_id, topics, created_at, updated_at)
SELECT 'champion', 'active', CASE i % 5 WHEN 0 THEN 'en' WHEN 1 THEN 'ur' WHEN 2 THEN 'bn'
       WHEN 3 THEN 'pl' ELSE 'so' END, :area, '[]', :now, :now FROM n
"""
IDENTITIES = """
INSERT INTO identities (person_id, channel, address, created_at)
SELECT id, 'telegram', CAST(700000 + id AS VARCHAR(20)), :now FROM people
"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def one(url: str, count: int) -> dict[str, float]:
    settings = load_settings({"DATABASE_URL": url, "BROADCAST_QUIET_HOURS": "off"},
                             env_file=None)
    database = Database(settings.database_url)
    now = datetime.now(UTC)
    await database.upgrade()
    await demo.load(database, now)
    async with database.transaction() as session:
        area = await session.scalar(text("SELECT min(id) FROM areas"))
        stamp = now if database.is_postgres else now.replace(tzinfo=None).isoformat(" ")
        await session.execute(text(PEOPLE), {"count": count, "area": area, "now": stamp})
        await session.execute(text(IDENTITIES), {"now": stamp})
    texts = {"en": "Free flu jabs on Saturday.", "ur": "ہفتہ کو فلو کے مفت ٹیکے۔"}
    made = await broadcasts.create(database, settings, OPERATOR,
                                   broadcasts.Request(texts=texts), now)
    before = peak_rss_mb()
    started = time.perf_counter()
    result = await broadcasts.start(database, settings, OPERATOR, made, now)
    seconds = time.perf_counter() - started
    await database.close()
    return {"recipients": result.recipients, "seconds": seconds, "rss_before_mb": before,
            "peak_rss_mb": peak_rss_mb()}


def child(url: str, count: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--one", url, str(count)],
                         capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def fresh_postgres(url: str) -> str:
    async def reset() -> None:
        database = Database(url)
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await database.close()

    asyncio.run(reset())
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database may be wiped")
    parser.add_argument("--one", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.one[0], int(args.one[1])))))
        return
    print(f"{'database':<11}{'recipients':>11}{'seconds':>9}{'rows/s':>9}{'peak RSS MB':>13}")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = []
        with tempfile.TemporaryDirectory() as folder:
            runs.append(("sqlite", child(f"sqlite+aiosqlite:///{folder}/fanout.db", size)))
        if args.postgres:
            runs.append(("postgresql", child(fresh_postgres(args.postgres), size)))
        for name, found in runs:
            rate = found["recipients"] / max(found["seconds"], 1e-9)
            print(f"{name:<11}{int(found['recipients']):>11}{found['seconds']:>9.2f}"
                  f"{rate:>9.0f}{found['peak_rss_mb']:>13.1f}")


if __name__ == "__main__":
    main()
